#include "priorities/gpu_aware_priority.h"

#include <algorithm>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "scheduler/model/gpu.h"

namespace nbsched::priorities {
namespace {

constexpr std::string_view kResourcesKey = "resources";

int64_t SumOf(const Resources& r, const std::vector<std::string>& names) {
  int64_t sum = 0;
  for (const std::string& name : names) sum = SaturatingAdd(sum, r.scalars.Get(name));
  return sum;
}

}  // namespace

absl::StatusOr<std::unique_ptr<const ScorePlugin>> GPUAwarePriority::Create(
    const PluginArgs& args) {
  std::vector<std::string> resources = {std::string(kResourceNvidiaGpu)};
  for (const auto& [key, values] : args) {
    if (key != kResourcesKey) {
      return absl::InvalidArgumentError(
          absl::StrCat(std::string(kName), ": unknown arg \"", key, "\" (want resources)"));
    }
    if (values.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(std::string(kName), ": resources must name at least one resource"));
    }
    for (size_t i = 0; i < values.size(); ++i) {
      if (values[i].empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat(std::string(kName), ": empty resource name"));
      }
      if (std::find(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(i), values[i]) !=
          values.begin() + static_cast<std::ptrdiff_t>(i)) {
        return absl::InvalidArgumentError(
            absl::StrCat(std::string(kName), ": duplicate resource \"", values[i], "\""));
      }
    }
    resources = values;
  }
  return std::make_unique<const GPUAwarePriority>(std::move(resources));
}

int64_t GPUAwarePriority::Score(const CycleState&, const Pod& pod, const NodeInfo& node) const {
  const GpuDemand demand = per_gpu_ ? PodGpuDemand(pod) : GpuDemand();
  const int64_t allocatable = SumOf(node.allocatable(), resources_);
  const int64_t wanted = SumOf(pod.request, resources_);
  if (wanted == 0 && demand.none()) {
    // Keep CPU-only pods off GPU nodes, so GPUs stay free for pods that need them.
    return allocatable == 0 ? kMaxNodeScore : 0;
  }
  if (!demand.none() && node.gpus().gpu_count() > 0) {
    // In milli-GPU (gpu-replay.md §6): (used + d) · 100 / (1000 · G), so shares count too.
    const int64_t capacity = int64_t{kMilliPerGpu} * node.gpus().gpu_count();
    const int64_t used = capacity - node.gpus().idle_milli() + demand.total_milli();
    return std::clamp<int64_t>(used * kMaxNodeScore / capacity, 0, kMaxNodeScore);
  }
  if (allocatable <= 0) return 0;
  // Best fit: the fuller the node's GPUs end up, the higher (integer division).
  const int64_t used = SaturatingAdd(SumOf(node.requested(), resources_), wanted);
  if (used >= allocatable) return kMaxNodeScore;
  return std::clamp<int64_t>(used * kMaxNodeScore / allocatable, 0, kMaxNodeScore);
}

}  // namespace nbsched::priorities
