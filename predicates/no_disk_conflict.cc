#include "predicates/no_disk_conflict.h"

namespace nbsched::predicates {

// STUB: to be implemented.
Status NoDiskConflict::Filter(const CycleState&, const Pod&, const NodeInfo&) const { return Status::Success(); }

}  // namespace nbsched::predicates
