#include "priorities/node_affinity_priority.h"

#include <vector>

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

void NodeAffinityPriority::ScoreAll(const CycleState&, const Pod& pod,
                                    std::span<const NodeInfo* const> nodes,
                                    std::span<NodeScore> out) const {
  // The terms that can match anything: weight ≠ 0 and parsing, checked once per request.
  std::vector<const PreferredSchedulingTerm*> terms;
  if (pod.node_affinity) {
    for (const PreferredSchedulingTerm& term : pod.node_affinity->preferred) {
      if (term.weight != 0 && NodeSelectorTermParses(term.preference)) terms.push_back(&term);
    }
  }
  for (size_t j = 0; j < nodes.size(); ++j) {
    const NodeInfo& node = *nodes[j];
    int64_t sum = 0;
    for (const PreferredSchedulingTerm* term : terms) {
      if (ParsedNodeSelectorTermMatches(term->preference, node.node().labels, node.name())) {
        sum += term->weight;
      }
    }
    out[j] = {nodes[j], sum};
  }
}

void NodeAffinityPriority::NormalizeScore(const CycleState&, const Pod&,
                                          std::span<NodeScore> scores) const {
  DefaultNormalizeScore(kMaxNodeScore, /*reverse=*/false, scores);
}

}  // namespace nbsched::priorities
