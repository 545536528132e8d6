#pragma once

#include <span>
#include <string_view>

#include "scheduler/model/plugin.h"

namespace nbsched::priorities {

/// Spreads pods selected by the pod's Services/RCs/RSs/StatefulSets over nodes and zones
/// (kubernetes-semantics.md §5.8); PreScore builds the selector and counts, NormalizeScore does the
/// zone blend.
class SelectorSpreadPriority final : public DirectScorePlugin<SelectorSpreadPriority> {
 public:
  static constexpr std::string_view kName = "SelectorSpreadPriority";
  std::string_view Name() const override { return kName; }
  void PreScore(CycleState& state, const Pod& pod, const Snapshot& snapshot,
                std::span<const NodeInfo* const> feasible) const override;
  void NormalizeScore(const CycleState& state, const Pod& pod,
                      std::span<NodeScore> scores) const override;
  int64_t Score(const CycleState& state, const Pod& pod, const NodeInfo& node) const override;
  /// As Score on every node, with the selector read from the state once, not once per node.
  void ScoreAll(const CycleState& state, const Pod& pod, std::span<const NodeInfo* const> nodes,
                std::span<NodeScore> out) const override;
};

}  // namespace nbsched::priorities
