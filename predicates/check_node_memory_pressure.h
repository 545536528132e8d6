#pragma once

#include <string_view>

#include "scheduler/model/plugin.h"

namespace nbsched::predicates {

/// 1.13: MemoryPressure=True fails BestEffort pods only. `node(s) had memory pressure`;
/// UnschedulableAndUnresolvable.
class CheckNodeMemoryPressure final : public FilterPlugin {
 public:
  static constexpr std::string_view kName = "CheckNodeMemoryPressure";
  std::string_view Name() const override { return kName; }
  bool Skip(const CycleState& state, const Pod& pod) const override;
  Status Filter(const CycleState& state, const Pod& pod, const NodeInfo& node) const override;
  bool PassesCleanNodes() const override { return true; }
};

}  // namespace nbsched::predicates
