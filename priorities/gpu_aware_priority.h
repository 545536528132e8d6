#pragma once

#include <algorithm>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "scheduler/model/plugin.h"

namespace nbsched::priorities {

/// Keeps CPU-only pods off GPU nodes and packs GPU pods best-fit: a pod requesting no GPU scores
/// 100 on a node with no allocatable GPU and 0 on a GPU node; a pod requesting g GPUs scores
/// (used + g) · 100 / allocatable (integer division). GPU resource names come from the args
/// (`resources: [nvidia.com/gpu, amd.com/gpu]`, default nvidia.com/gpu).
class GPUAwarePriority final : public DirectScorePlugin<GPUAwarePriority> {
 public:
  static constexpr std::string_view kName = "GPUAwarePriority";
  explicit GPUAwarePriority(std::vector<std::string> resources = {"nvidia.com/gpu"})
      : resources_(std::move(resources)),
        per_gpu_(std::find(resources_.begin(), resources_.end(), kResourceNvidiaGpu) !=
                 resources_.end()) {}
  static absl::StatusOr<std::unique_ptr<const ScorePlugin>> Create(const PluginArgs& args);
  std::string_view Name() const override { return kName; }
  int64_t Score(const CycleState& state, const Pod& pod, const NodeInfo& node) const override;

 private:
  std::vector<std::string> resources_;
  bool per_gpu_;  // nvidia.com/gpu is one of them: GPU pods are scored per GPU
};

}  // namespace nbsched::priorities
