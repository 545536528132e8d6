#pragma once

#include <string_view>

#include "scheduler/model/plugin.h"

namespace nbsched::predicates {

/// The node's free allocatable must hold the pod's effective request (cpu, memory, ephemeral
/// storage, pod count, extended resources such as nvidia.com/gpu, sorted by name). All reasons
/// kept; Unschedulable.
class PodFitsResources final : public FilterPlugin {
 public:
  static constexpr std::string_view kName = "PodFitsResources";
  std::string_view Name() const override { return kName; }
  /// The pod's GPU demand, once per request.
  void PreFilter(CycleState& state, const Pod& pod, const Snapshot& snapshot) const override;
  Status Filter(const CycleState& state, const Pod& pod, const NodeInfo& node) const override;
  /// A pod without scalar requests (most notebooks) from the row's sums; others as Filter.
  Status FilterRow(const CycleState& state, const Pod& pod, const NodeRow& row) const override;
};

}  // namespace nbsched::predicates
