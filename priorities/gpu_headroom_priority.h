#pragma once

/// GPUHeadroomPriority: keeps CPU and memory headroom on GPU nodes for the GPU pods to come (a
/// nbsched search policy, docs/gpu-replay.md "Search"; no upstream or paper counterpart).
///
/// A GPU pod needs about `cpuPerGpu` milli-CPU and `memoryPerGpu` MiB per whole GPU it takes (the
/// GPU-demand-weighted mean of the workload; the Alibaba traces: 10,400-10,900 milli-CPU and
/// 38-42 GiB per GPU). On a node with L idle milli-GPU, `cpu_left` and `mem_left`, the idle GPU
/// that such pods could not reach for lack of CPU or memory is
///   H = max(0, L − min(1000 · cpu_left / cpuPerGpu, 1000 · mem_left / memoryPerGpu))
/// (milli-GPU; memoryPerGpu 0 leaves memory out). A pod scores the drop of H it causes on the
/// FGD scale: trunc(100 · σ((H_before − H_after) / scale)), σ(x) = 1/(1 + e^(−x)); 50 = no
/// change (every node without GPUs; a pod that does not fit scores 0). CPU-only and CPU-heavy
/// pods so score low on GPU nodes whose CPU is already scarce, GPU pods with little CPU high.
///
/// Args: `cpuPerGpu` (milli-CPU, > 0, default 10800), `memoryPerGpu` (MiB, ≥ 0, default 0),
/// `scale` (milli-GPU, > 0, default 1000). Thread-safe: immutable.

#include <cstdint>
#include <memory>
#include <string_view>

#include "absl/status/statusor.h"
#include "scheduler/model/plugin.h"

namespace nbsched::priorities {

class GPUHeadroomPriority final : public DirectScorePlugin<GPUHeadroomPriority> {
 public:
  static constexpr std::string_view kName = "GPUHeadroomPriority";
  explicit GPUHeadroomPriority(int64_t cpu_per_gpu = 10800, int64_t memory_per_gpu_mib = 0,
                               double scale = 1000)
      : cpu_per_gpu_(cpu_per_gpu), memory_per_gpu_mib_(memory_per_gpu_mib), scale_(scale) {}
  static absl::StatusOr<std::unique_ptr<const ScorePlugin>> Create(const PluginArgs& args);

  std::string_view Name() const override { return kName; }
  int64_t Score(const CycleState& state, const Pod& pod, const NodeInfo& node) const override;

  /// H (milli-GPU) for a node state: idle GPU, CPU left (milli) and memory left (bytes).
  double Stranded(int64_t idle_milli, int64_t cpu_left, int64_t mem_left_bytes) const;

 private:
  int64_t cpu_per_gpu_;
  int64_t memory_per_gpu_mib_;
  double scale_;
};

}  // namespace nbsched::priorities
