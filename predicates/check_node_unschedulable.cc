#include "predicates/check_node_unschedulable.h"

namespace nbsched::predicates {

// STUB: to be implemented.
Status CheckNodeUnschedulable::Filter(const CycleState&, const Pod&, const NodeInfo&) const { return Status::Success(); }

}  // namespace nbsched::predicates
