#pragma once

#include <string_view>

#include "scheduler/model/plugin.h"

namespace nbsched::predicates {

/// GCE PD, AWS EBS, iSCSI and RBD volumes must not conflict with the node's pods' volumes. `node(s)
/// had no available disk`; Unschedulable.
class NoDiskConflict final : public FilterPlugin {
 public:
  static constexpr std::string_view kName = "NoDiskConflict";
  std::string_view Name() const override { return kName; }
  bool Skip(const CycleState& state, const Pod& pod) const override;
  Status Filter(const CycleState& state, const Pod& pod, const NodeInfo& node) const override;
};

}  // namespace nbsched::predicates
