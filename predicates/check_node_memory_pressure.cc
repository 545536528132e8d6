#include "predicates/check_node_memory_pressure.h"

#include <string>

namespace nbsched::predicates {
namespace {

constexpr std::string_view kReason = "node(s) had memory pressure";

bool HasCpuOrMemory(const ResourceList& list) {
  for (std::string_view name : {kResourceCpu, kResourceMemory}) {
    auto it = list.find(name);
    if (it != list.end() && !it->second.IsZero()) return true;
  }
  return false;
}

// 1.13's QoS rule as the predicate used it: BestEffort when no regular container requests or
// limits a non-zero amount of cpu or memory.
bool IsBestEffort(const Pod& pod) {
  for (const Container& c : pod.containers) {
    if (HasCpuOrMemory(c.requests) || HasCpuOrMemory(c.limits)) return false;
  }
  return true;
}

}  // namespace

bool CheckNodeMemoryPressure::Skip(const CycleState&, const Pod& pod) const {
  return !IsBestEffort(pod);
}

Status CheckNodeMemoryPressure::Filter(const CycleState&, const Pod& pod,
                                       const NodeInfo& node) const {
  if (!node.flags().memory_pressure) return Status::Success();
  if (!IsBestEffort(pod)) return Status::Success();
  static const Status kFailure = Status::UnschedulableAndUnresolvable({std::string(kReason)});
  return kFailure;
}

}  // namespace nbsched::predicates
