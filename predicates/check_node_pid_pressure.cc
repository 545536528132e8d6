#include "predicates/check_node_pid_pressure.h"

namespace nbsched::predicates {

// STUB: to be implemented.
Status CheckNodePIDPressure::Filter(const CycleState&, const Pod&, const NodeInfo&) const { return Status::Success(); }

}  // namespace nbsched::predicates
