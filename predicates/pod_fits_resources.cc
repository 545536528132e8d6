#include "predicates/pod_fits_resources.h"

namespace nbsched::predicates {

// STUB: to be implemented.
Status PodFitsResources::Filter(const CycleState&, const Pod&, const NodeInfo&) const { return Status::Success(); }

}  // namespace nbsched::predicates
