#include "priorities/least_requested_priority.h"

#include "priorities/resource_allocation.h"

namespace nbsched::priorities {

int64_t LeastRequestedPriority::Score(const CycleState&, const Pod& pod,
                                      const NodeInfo& node) const {
  // Request-less containers count as 100m cpu / 200Mi here (not in Filter), so they still spread.
  return CpuMemoryMean(CpuMemorySum(node.non_zero_requested(), pod.non_zero_request),
                       CpuMemoryOf(node.allocatable()), LeastAllocatedScore);
}

}  // namespace nbsched::priorities
