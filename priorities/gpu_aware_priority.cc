#include "priorities/gpu_aware_priority.h"

namespace nbsched::priorities {

// STUB: to be implemented.
absl::StatusOr<std::unique_ptr<const ScorePlugin>> GPUAwarePriority::Create(const PluginArgs&) {
  return std::make_unique<const GPUAwarePriority>();
}

int64_t GPUAwarePriority::Score(const CycleState&, const Pod&, const NodeInfo&) const { return 0; }

}  // namespace nbsched::priorities
