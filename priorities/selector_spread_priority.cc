#include "priorities/selector_spread_priority.h"

namespace nbsched::priorities {

// STUB: to be implemented.
void SelectorSpreadPriority::PreScore(CycleState&, const Pod&, const Snapshot&,
                std::span<const NodeInfo* const>) const {}

void SelectorSpreadPriority::NormalizeScore(const CycleState&, const Pod&, std::span<NodeScore>) const {}

int64_t SelectorSpreadPriority::Score(const CycleState&, const Pod&, const NodeInfo&) const { return 0; }

}  // namespace nbsched::priorities
