#include "predicates/pod_tolerates_node_taints.h"

#include <string>

namespace nbsched::predicates {

Status PodToleratesNodeTaints::Filter(const CycleState&, const Pod& pod,
                                      const NodeInfo& node) const {
  // PreferNoSchedule only affects the score; the first untolerated hard taint, in node order,
  // is the one reported (upstream FindMatchingUntoleratedTaint).
  if (!node.flags().has_taints) return Status::Success();
  for (const Taint& taint : node.node().taints) {
    if (taint.effect != "NoSchedule" && taint.effect != "NoExecute") continue;
    if (AnyToleratesTaint(pod.tolerations, taint)) continue;
    return Status::UnschedulableAndUnresolvable(
        {"node(s) had untolerated taint {" + taint.key + ": " + taint.value + "}"});
  }
  return Status::Success();
}

}  // namespace nbsched::predicates
