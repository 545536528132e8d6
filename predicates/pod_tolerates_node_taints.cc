#include "predicates/pod_tolerates_node_taints.h"

#include <string>

namespace nbsched::predicates {

Status PodToleratesNodeTaints::Filter(const CycleState&, const Pod& pod,
                                      const NodeInfo& node) const {
  // PreferNoSchedule only affects the score; the first untolerated hard taint, in node order,
  // is the one reported (upstream FindMatchingUntoleratedTaint).
  // The reason ("node(s) had untolerated taint {key: value}") is formatted once per distinct
  // taint list (TaintSet), which nodes tainted alike share.
  if (!node.flags().has_taints) return Status::Success();
  const TaintSet& set = node.taints();
  const std::vector<Taint>& taints = set.taints;
  for (size_t i = 0; i < taints.size(); ++i) {
    const Status& failure = set.failures[i];
    if (failure.ok()) continue;  // PreferNoSchedule
    if (AnyToleratesTaint(pod.tolerations, taints[i])) continue;
    return failure;
  }
  return Status::Success();
}

}  // namespace nbsched::predicates
