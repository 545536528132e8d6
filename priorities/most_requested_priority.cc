#include "priorities/most_requested_priority.h"

namespace nbsched::priorities {

// STUB: to be implemented.
int64_t MostRequestedPriority::Score(const CycleState&, const Pod&, const NodeInfo&) const { return 0; }

}  // namespace nbsched::priorities
