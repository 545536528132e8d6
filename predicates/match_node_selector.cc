#include "predicates/match_node_selector.h"

namespace nbsched::predicates {

// STUB: to be implemented.
Status MatchNodeSelector::Filter(const CycleState&, const Pod&, const NodeInfo&) const { return Status::Success(); }

}  // namespace nbsched::predicates
