#pragma once

#include <string_view>

#include "scheduler/model/plugin.h"

namespace nbsched::predicates {

/// spec.nodeName, when set, must equal the node's name. `node(s) didn't match the requested node
/// name`; UnschedulableAndUnresolvable.
class PodFitsHost final : public FilterPlugin {
 public:
  static constexpr std::string_view kName = "PodFitsHost";
  std::string_view Name() const override { return kName; }
  bool Skip(const CycleState& state, const Pod& pod) const override;
  Status Filter(const CycleState& state, const Pod& pod, const NodeInfo& node) const override;
};

}  // namespace nbsched::predicates
