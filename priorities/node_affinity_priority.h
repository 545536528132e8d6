#pragma once

#include <span>
#include <string_view>

#include "scheduler/model/plugin.h"

namespace nbsched::priorities {

/// Σ weights of matching preferred node-affinity terms, normalised to 0..100 by the largest. A
/// term that does not parse (NodeSelectorTermParses) matches no node.
class NodeAffinityPriority final : public DirectScorePlugin<NodeAffinityPriority> {
 public:
  static constexpr std::string_view kName = "NodeAffinityPriority";
  std::string_view Name() const override { return kName; }
  void NormalizeScore(const CycleState& state, const Pod& pod,
                      std::span<NodeScore> scores) const override;
  int64_t Score(const CycleState& state, const Pod& pod, const NodeInfo& node) const override;
  /// As Score on every node, with the pod's terms checked once, not once per node.
  /// ScoreAll over the rows' label pairs (the snapshot's table: one linear scan).
  void ScoreRows(const CycleState& state, const Pod& pod, std::span<const NodeInfo* const> nodes,
                 std::span<const NodeRow* const> rows, std::span<NodeScore> out) const override;
  void ScoreAll(const CycleState& state, const Pod& pod, std::span<const NodeInfo* const> nodes,
                std::span<NodeScore> out) const override;
};

}  // namespace nbsched::priorities
