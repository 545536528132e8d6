#include "predicates/check_node_memory_pressure.h"

namespace nbsched::predicates {

// STUB: to be implemented.
Status CheckNodeMemoryPressure::Filter(const CycleState&, const Pod&, const NodeInfo&) const { return Status::Success(); }

}  // namespace nbsched::predicates
