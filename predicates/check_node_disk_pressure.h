#pragma once

#include <string_view>

#include "scheduler/model/plugin.h"

namespace nbsched::predicates {

/// 1.13: DiskPressure=True fails every pod. `node(s) had disk pressure`;
/// UnschedulableAndUnresolvable.
class CheckNodeDiskPressure final : public FilterPlugin {
 public:
  static constexpr std::string_view kName = "CheckNodeDiskPressure";
  std::string_view Name() const override { return kName; }
  Status Filter(const CycleState& state, const Pod& pod, const NodeInfo& node) const override;
  bool PassesCleanNodes() const override { return true; }
  /// Success from the row's flags alone in the common case; else Filter.
  Status FilterRow(const CycleState& state, const Pod& pod, const NodeRow& row) const override {
    if (!(row.flags.disk_pressure)) return Status::Success();
    return Filter(state, pod, *row.info);
  }
};

}  // namespace nbsched::predicates
