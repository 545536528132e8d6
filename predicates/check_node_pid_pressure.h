#pragma once

#include <string_view>

#include "scheduler/model/plugin.h"

namespace nbsched::predicates {

/// 1.13: PIDPressure=True fails every pod. `node(s) had pid pressure`;
/// UnschedulableAndUnresolvable.
class CheckNodePIDPressure final : public FilterPlugin {
 public:
  static constexpr std::string_view kName = "CheckNodePIDPressure";
  std::string_view Name() const override { return kName; }
  Status Filter(const CycleState& state, const Pod& pod, const NodeInfo& node) const override;
  bool PassesCleanNodes() const override { return true; }
};

}  // namespace nbsched::predicates
