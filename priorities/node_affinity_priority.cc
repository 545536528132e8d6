#include "priorities/node_affinity_priority.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "scheduler/model/label_ids.h"

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

namespace {

// The terms that can match anything (weight ≠ 0), compiled once per request against the
// interned label ids (a term that does not parse compiles to "matches nothing").
std::vector<std::pair<CompiledNodeSelectorTerm, int64_t>> CompiledTerms(const Pod& pod) {
  std::vector<std::pair<CompiledNodeSelectorTerm, int64_t>> terms;
  if (pod.node_affinity) {
    for (const PreferredSchedulingTerm& term : pod.node_affinity->preferred) {
      if (term.weight != 0)
        terms.emplace_back(CompiledNodeSelectorTerm(term.preference), term.weight);
    }
  }
  return terms;
}

}  // namespace

void NodeAffinityPriority::ScoreRows(const CycleState& state, const Pod& pod,
                                     std::span<const NodeInfo* const> nodes,
                                     std::span<const NodeRow* const> rows,
                                     std::span<NodeScore> out) const {
  const auto terms = CompiledTerms(pod);
  const bool ids =
      std::all_of(terms.begin(), terms.end(), [](const auto& t) { return t.first.UsesIds(); });
  if (terms.empty() || !ids) {
    ScoreAll(state, pod, nodes, out);
    return;
  }
  for (size_t j = 0; j < rows.size(); ++j) {
    const std::span<const uint64_t> labels = rows[j]->labels();
    int64_t sum = 0;
    for (const auto& [term, weight] : terms) {
      if (term.MatchesIds(labels)) sum += weight;
    }
    out[j] = {rows[j]->info, sum};
  }
}

void NodeAffinityPriority::ScoreAll(const CycleState&, const Pod& pod,
                                    std::span<const NodeInfo* const> nodes,
                                    std::span<NodeScore> out) const {
  const auto terms = CompiledTerms(pod);
  if (terms.empty()) {
    for (size_t j = 0; j < nodes.size(); ++j) out[j] = {nodes[j], 0};
    return;
  }
  for (size_t j = 0; j < nodes.size(); ++j) {
    const NodeInfo& node = *nodes[j];
    int64_t sum = 0;
    for (const auto& [term, weight] : terms) {
      if (term.Matches(node.label_ids(), node.node().labels, node.name())) sum += weight;
    }
    out[j] = {nodes[j], sum};
  }
}

void NodeAffinityPriority::NormalizeScore(const CycleState&, const Pod&,
                                          std::span<NodeScore> scores) const {
  DefaultNormalizeScore(kMaxNodeScore, /*reverse=*/false, scores);
}

}  // namespace nbsched::priorities
