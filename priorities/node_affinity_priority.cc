#include "priorities/node_affinity_priority.h"

namespace nbsched::priorities {

// STUB: to be implemented.
void NodeAffinityPriority::NormalizeScore(const CycleState&, const Pod&, std::span<NodeScore>) const {}

int64_t NodeAffinityPriority::Score(const CycleState&, const Pod&, const NodeInfo&) const { return 0; }

}  // namespace nbsched::priorities
