#pragma once

#include <string_view>

#include "scheduler/model/plugin.h"

namespace nbsched::predicates {

/// spec.unschedulable fails unless the pod tolerates node.kubernetes.io/unschedulable:NoSchedule.
/// `node(s) were unschedulable`; UnschedulableAndUnresolvable.
class CheckNodeUnschedulable final : public FilterPlugin {
 public:
  static constexpr std::string_view kName = "CheckNodeUnschedulable";
  std::string_view Name() const override { return kName; }
  bool Skip(const CycleState& state, const Pod& pod) const override;
  Status Filter(const CycleState& state, const Pod& pod, const NodeInfo& node) const override;
  bool PassesCleanNodes() const override { return true; }
  /// Success from the row's flags alone in the common case; else Filter.
  Status FilterRow(const CycleState& state, const Pod& pod, const NodeRow& row) const override {
    if (!(row.flags.unschedulable)) return Status::Success();
    return Filter(state, pod, *row.info);
  }
};

}  // namespace nbsched::predicates
