#pragma once

#include <string_view>

#include "scheduler/model/plugin.h"

namespace nbsched::predicates {

/// The pod's hostPorts must be free on the node (0.0.0.0 conflicts with every IP). `node(s) didn't
/// have free ports for the requested pod ports`; Unschedulable.
class PodFitsHostPorts final : public FilterPlugin {
 public:
  static constexpr std::string_view kName = "PodFitsHostPorts";
  std::string_view Name() const override { return kName; }
  bool Skip(const CycleState& state, const Pod& pod) const override;
  Status Filter(const CycleState& state, const Pod& pod, const NodeInfo& node) const override;
};

}  // namespace nbsched::predicates
