#include "predicates/pod_fits_host.h"

namespace nbsched::predicates {

// STUB: to be implemented.
Status PodFitsHost::Filter(const CycleState&, const Pod&, const NodeInfo&) const { return Status::Success(); }

}  // namespace nbsched::predicates
