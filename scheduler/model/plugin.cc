#include "scheduler/model/plugin.h"

#include <algorithm>

namespace nbsched {

void DefaultNormalizeScore(int64_t max_priority, bool reverse, std::span<NodeScore> scores) {
  int64_t max_count = 0;
  for (const NodeScore& s : scores) max_count = std::max(max_count, s.score);
  if (max_count == 0) {
    if (reverse) {
      for (NodeScore& s : scores) s.score = max_priority;
    }
    return;
  }
  auto normalise = [&](int64_t score) {
    const int64_t scaled = max_priority * score / max_count;
    return reverse ? max_priority - scaled : scaled;
  };
  // Raw scores take few values (sums of term weights, taint counts): with more nodes than
  // values, one division per value instead of one per node (a 64-bit division is ~40 cycles).
  constexpr int64_t kMaxTable = 1024;
  if (max_count <= kMaxTable && static_cast<int64_t>(scores.size()) > max_count) {
    int64_t table[kMaxTable + 1];
    for (int64_t v = 0; v <= max_count; ++v) table[v] = normalise(v);
    for (NodeScore& s : scores) {
      s.score = s.score >= 0 ? table[s.score] : normalise(s.score);  // score <= max_count
    }
    return;
  }
  for (NodeScore& s : scores) s.score = normalise(s.score);
}

}  // namespace nbsched
