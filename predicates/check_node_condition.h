#pragma once

#include <string_view>

#include "scheduler/model/plugin.h"

namespace nbsched::predicates {

/// The node reports Ready=True and, when it reports NetworkUnavailable, False (interfaces.md §5).
/// Reasons `node(s) were not ready`, `node(s) had unavailable network`, in that order;
/// UnschedulableAndUnresolvable.
class CheckNodeCondition final : public FilterPlugin {
 public:
  static constexpr std::string_view kName = "CheckNodeCondition";
  std::string_view Name() const override { return kName; }
  Status Filter(const CycleState& state, const Pod& pod, const NodeInfo& node) const override;
  bool PassesCleanNodes() const override { return true; }
  /// Success from the row's flags alone in the common case; else Filter.
  Status FilterRow(const CycleState& state, const Pod& pod, const NodeRow& row) const override {
    if (!(row.flags.not_ready || row.flags.network_unavailable)) return Status::Success();
    return Filter(state, pod, *row.info);
  }
};

}  // namespace nbsched::predicates
