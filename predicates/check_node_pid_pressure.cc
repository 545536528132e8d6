#include "predicates/check_node_pid_pressure.h"

#include <string>

namespace nbsched::predicates {
namespace {

constexpr std::string_view kReason = "node(s) had pid pressure";

}  // namespace

// 1.13: PIDPressure=True fails every pod, whatever its QoS class.
Status CheckNodePIDPressure::Filter(const CycleState&, const Pod&, const NodeInfo& node) const {
  if (!node.flags().pid_pressure) return Status::Success();
  static const Status kFailure = Status::UnschedulableAndUnresolvable({std::string(kReason)});
  return kFailure;
}

}  // namespace nbsched::predicates
