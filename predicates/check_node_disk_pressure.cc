#include "predicates/check_node_disk_pressure.h"

namespace nbsched::predicates {

// STUB: to be implemented.
Status CheckNodeDiskPressure::Filter(const CycleState&, const Pod&, const NodeInfo&) const { return Status::Success(); }

}  // namespace nbsched::predicates
