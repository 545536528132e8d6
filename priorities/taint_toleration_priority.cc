#include "priorities/taint_toleration_priority.h"

namespace nbsched::priorities {
namespace {

constexpr std::string_view kPreferNoSchedule = "PreferNoSchedule";

int64_t Intolerable(const Pod& pod, const TaintSet& set) {
  // Upstream first keeps the tolerations whose effect is empty or PreferNoSchedule; on a
  // PreferNoSchedule taint ToleratesTaint already rejects every other effect, so no copy is needed.
  int64_t intolerable = 0;
  for (const Taint& taint : set.taints) {
    if (taint.effect != kPreferNoSchedule) continue;
    if (!AnyToleratesTaint(pod.tolerations, taint)) ++intolerable;
  }
  return intolerable;
}

// PreScore's count per snapshot TaintSet (NodeRow::taint_index), with the set it is for.
constexpr size_t kMaxSets = 1024;

struct Counts {
  std::vector<std::pair<const TaintSet*, int64_t>> by_index;
};

}  // namespace

int64_t TaintTolerationPriority::Score(const CycleState&, const Pod& pod,
                                       const NodeInfo& node) const {
  if (!node.flags().has_taints) return 0;
  return Intolerable(pod, node.taints());
}

void TaintTolerationPriority::PreScore(CycleState& state, const Pod& pod, const Snapshot& snapshot,
                                       std::span<const NodeInfo* const>) const {
  if (snapshot.taint_sets().size() > kMaxSets) return;  // mostly distinct sets: per node
  Counts counts;
  counts.by_index.reserve(snapshot.taint_sets().size());
  for (const TaintSet* set : snapshot.taint_sets()) {
    counts.by_index.emplace_back(set, Intolerable(pod, *set));
  }
  state.Write(kName, std::move(counts));
}

int64_t TaintTolerationPriority::ScoreRow(const CycleState& state, const Pod& pod,
                                          const NodeRow& row) const {
  if (row.taints == nullptr) return 0;
  const Counts* counts = state.Read<Counts>(kName);
  if (counts != nullptr && row.taint_index < counts->by_index.size()) {
    const auto& [set, count] = counts->by_index[row.taint_index];
    if (set == row.taints) return count;
  }
  return Intolerable(pod, *row.taints);
}

void TaintTolerationPriority::NormalizeScore(const CycleState&, const Pod&,
                                             std::span<NodeScore> scores) const {
  DefaultNormalizeScore(kMaxNodeScore, /*reverse=*/true, scores);
}

}  // namespace nbsched::priorities
