#include "predicates/pod_fits_host_ports.h"

namespace nbsched::predicates {

// STUB: to be implemented.
Status PodFitsHostPorts::Filter(const CycleState&, const Pod&, const NodeInfo&) const { return Status::Success(); }

}  // namespace nbsched::predicates
