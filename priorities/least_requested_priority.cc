#include "priorities/least_requested_priority.h"

#include "priorities/resource_allocation.h"

namespace nbsched::priorities {

int64_t LeastRequestedPriority::Score(const CycleState&, const Pod& pod,
                                      const NodeInfo& node) const {
  // Request-less containers count as 100m cpu / 200Mi here (not in Filter), so they still spread.
  return CpuMemoryMean(CpuMemorySum(node.non_zero_requested(), pod.non_zero_request),
                       CpuMemoryOf(node.allocatable()), LeastAllocatedScore);
}

int64_t LeastRequestedPriority::ScoreRow(const CycleState&, const Pod& pod,
                                         const NodeRow& row) const {
  const CpuMemory requested = {
      SaturatingAdd(row.non_zero_requested.milli_cpu, pod.non_zero_request.milli_cpu),
      SaturatingAdd(row.non_zero_requested.memory, pod.non_zero_request.memory)};
  return CpuMemoryMean(requested, row.allocatable, LeastAllocatedScore);
}

}  // namespace nbsched::priorities
