#include "priorities/balanced_resource_allocation.h"

namespace nbsched::priorities {

// STUB: to be implemented.
absl::StatusOr<std::unique_ptr<const ScorePlugin>> BalancedResourceAllocation::Create(const PluginArgs&) {
  return std::make_unique<const BalancedResourceAllocation>();
}

int64_t BalancedResourceAllocation::Score(const CycleState&, const Pod&, const NodeInfo&) const { return 0; }

}  // namespace nbsched::priorities
