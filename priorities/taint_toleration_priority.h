#pragma once

#include <span>
#include <string_view>

#include "scheduler/model/plugin.h"

namespace nbsched::priorities {

/// Counts untolerated PreferNoSchedule taints; reverse-normalised (fewest → 100).
class TaintTolerationPriority final : public DirectScorePlugin<TaintTolerationPriority> {
 public:
  static constexpr std::string_view kName = "TaintTolerationPriority";
  std::string_view Name() const override { return kName; }
  void NormalizeScore(const CycleState& state, const Pod& pod,
                      std::span<NodeScore> scores) const override;
  int64_t Score(const CycleState& state, const Pod& pod, const NodeInfo& node) const override;
  /// Counts once per distinct TaintSet of the snapshot, for ScoreRow.
  void PreScore(CycleState& state, const Pod& pod, const Snapshot& snapshot,
                std::span<const NodeInfo* const> feasible) const override;
  int64_t ScoreRow(const CycleState& state, const Pod& pod, const NodeRow& row) const;
};

}  // namespace nbsched::priorities
