#include "predicates/pod_fits_host.h"

#include <string>

namespace nbsched::predicates {
namespace {

constexpr std::string_view kReason = "node(s) didn't match the requested node name";

}  // namespace

bool PodFitsHost::Skip(const CycleState&, const Pod& pod) const { return pod.node_name.empty(); }

Status PodFitsHost::Filter(const CycleState&, const Pod& pod, const NodeInfo& node) const {
  if (pod.node_name.empty() || pod.node_name == node.name()) return Status::Success();
  static const Status kFailure = Status::UnschedulableAndUnresolvable({std::string(kReason)});
  return kFailure;
}

}  // namespace nbsched::predicates
