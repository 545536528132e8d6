#include "predicates/check_node_disk_pressure.h"

#include <string>

namespace nbsched::predicates {
namespace {

constexpr std::string_view kReason = "node(s) had disk pressure";

}  // namespace

// 1.13: DiskPressure=True fails every pod, whatever its QoS class.
Status CheckNodeDiskPressure::Filter(const CycleState&, const Pod&, const NodeInfo& node) const {
  if (!node.flags().disk_pressure) return Status::Success();
  static const Status kFailure = Status::UnschedulableAndUnresolvable({std::string(kReason)});
  return kFailure;
}

}  // namespace nbsched::predicates
