#include "priorities/most_requested_priority.h"

#include "priorities/resource_allocation.h"

namespace nbsched::priorities {

int64_t MostRequestedPriority::Score(const CycleState&, const Pod& pod,
                                     const NodeInfo& node) const {
  // Same defaulted requests as LeastRequestedPriority (upstream Fit scoring strategies).
  return CpuMemoryMean(CpuMemorySum(node.non_zero_requested(), pod.non_zero_request),
                       CpuMemoryOf(node.allocatable()), MostAllocatedScore);
}

}  // namespace nbsched::priorities
