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
  /// Success from the row's flags alone in the common case; else Filter.
  Status FilterRow(const CycleState& state, const Pod& pod, const NodeRow& row) const override {
    if (!(row.flags.pid_pressure)) return Status::Success();
    return Filter(state, pod, *row.info);
  }
};

}  // namespace nbsched::predicates
