#include "priorities/taint_toleration_priority.h"

namespace nbsched::priorities {

// STUB: to be implemented.
void TaintTolerationPriority::NormalizeScore(const CycleState&, const Pod&, std::span<NodeScore>) const {}

int64_t TaintTolerationPriority::Score(const CycleState&, const Pod&, const NodeInfo&) const { return 0; }

}  // namespace nbsched::priorities
