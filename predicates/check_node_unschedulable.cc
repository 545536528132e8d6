#include "predicates/check_node_unschedulable.h"

#include <string>

namespace nbsched::predicates {
namespace {

constexpr std::string_view kReason = "node(s) were unschedulable";

bool ToleratesUnschedulable(const std::vector<Toleration>& tolerations) {
  // Upstream builds the taint the node lifecycle controller would add for spec.unschedulable.
  static const Taint kUnschedulableTaint{"node.kubernetes.io/unschedulable", "", "NoSchedule"};
  return AnyToleratesTaint(tolerations, kUnschedulableTaint);
}

}  // namespace

bool CheckNodeUnschedulable::Skip(const CycleState&, const Pod& pod) const {
  return ToleratesUnschedulable(pod.tolerations);
}

Status CheckNodeUnschedulable::Filter(const CycleState&, const Pod& pod,
                                      const NodeInfo& node) const {
  if (!node.flags().unschedulable || ToleratesUnschedulable(pod.tolerations)) {
    return Status::Success();
  }
  static const Status kFailure = Status::UnschedulableAndUnresolvable({std::string(kReason)});
  return kFailure;
}

}  // namespace nbsched::predicates
