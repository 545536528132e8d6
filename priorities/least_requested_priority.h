#pragma once

#include <span>
#include <string_view>

#include "scheduler/model/plugin.h"

namespace nbsched::priorities {

/// Upstream LeastAllocated over cpu and memory (weights 1): (alloc − req)·100/alloc per resource,
/// averaged; requests include the 100m/200Mi defaults.
class LeastRequestedPriority final : public DirectScorePlugin<LeastRequestedPriority> {
 public:
  static constexpr std::string_view kName = "LeastRequestedPriority";
  std::string_view Name() const override { return kName; }
  int64_t Score(const CycleState& state, const Pod& pod, const NodeInfo& node) const override;
  int64_t ScoreRow(const CycleState& state, const Pod& pod, const NodeRow& row) const;
};

}  // namespace nbsched::priorities
