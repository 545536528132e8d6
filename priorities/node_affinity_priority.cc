#include "priorities/node_affinity_priority.h"

namespace nbsched::priorities {

int64_t NodeAffinityPriority::Score(const CycleState&, const Pod& pod, const NodeInfo& node) const {
  if (!pod.node_affinity) return 0;
  int64_t sum = 0;
  for (const PreferredSchedulingTerm& term : pod.node_affinity->preferred) {
    // Upstream skips weight-0 terms; an empty preference matches nothing.
    if (term.weight == 0) continue;
    if (NodeSelectorTermMatches(term.preference, node.node().labels, node.name())) {
      sum += term.weight;
    }
  }
  return sum;
}

void NodeAffinityPriority::NormalizeScore(const CycleState&, const Pod&,
                                          std::span<NodeScore> scores) const {
  DefaultNormalizeScore(kMaxNodeScore, /*reverse=*/false, scores);
}

}  // namespace nbsched::priorities
