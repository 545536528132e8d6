#include "predicates/check_node_condition.h"

namespace nbsched::predicates {

// STUB: to be implemented.
Status CheckNodeCondition::Filter(const CycleState&, const Pod&, const NodeInfo&) const { return Status::Success(); }

}  // namespace nbsched::predicates
