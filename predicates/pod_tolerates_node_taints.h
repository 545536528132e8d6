#pragma once

#include <string_view>

#include "scheduler/model/plugin.h"

namespace nbsched::predicates {

/// Every NoSchedule/NoExecute taint must be tolerated; the first untolerated one (node order) is
/// reported as `node(s) had untolerated taint {key: value}`; UnschedulableAndUnresolvable.
class PodToleratesNodeTaints final : public FilterPlugin {
 public:
  static constexpr std::string_view kName = "PodToleratesNodeTaints";
  std::string_view Name() const override { return kName; }
  Status Filter(const CycleState& state, const Pod& pod, const NodeInfo& node) const override;
  bool PassesCleanNodes() const override { return true; }
  /// Judges the pod's tolerations once per distinct TaintSet of the snapshot.
  void PreFilter(CycleState& state, const Pod& pod, const Snapshot& snapshot) const override;
  /// Filter, from the verdict PreFilter gave the row's TaintSet.
  Status FilterRow(const CycleState& state, const Pod& pod, const NodeRow& row) const override;
};

}  // namespace nbsched::predicates
