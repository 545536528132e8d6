#include "predicates/pod_tolerates_node_taints.h"

namespace nbsched::predicates {

// STUB: to be implemented.
Status PodToleratesNodeTaints::Filter(const CycleState&, const Pod&, const NodeInfo&) const { return Status::Success(); }

}  // namespace nbsched::predicates
