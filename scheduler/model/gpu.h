#pragma once

/// Per-GPU accounting (interfaces.md §9, gpu-replay.md §1–2). A node's GPUs are
/// `allocatable nvidia.com/gpu`; each has a free share 0..1000 milli-GPU. A pod asks for whole
/// GPUs (`nvidia.com/gpu: k`, each needs a fully free GPU) or a share of one GPU
/// (`nbsched.io/gpu-milli: m`, 1..999, must fit inside one GPU's free share). Pods carrying the
/// annotation `nbsched.io/gpu-index` are accounted on those GPUs; the others on the GPUs the
/// default rule picks (lowest-index free GPUs; tightest-fitting GPU for a share). Value types.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scheduler/model/pod.h"

namespace nbsched {

inline constexpr std::string_view kGpuIndexAnnotation = "nbsched.io/gpu-index";
inline constexpr std::string_view kGpuProductLabel = "nvidia.com/gpu.product";
inline constexpr int32_t kMilliPerGpu = 1000;

/// What a pod asks of the GPUs: `count` GPUs of `milli` each (whole: milli = 1000; a share:
/// count = 1, milli < 1000; none: count = 0).
struct GpuDemand {
  int64_t count = 0;
  int32_t milli = 0;
  bool none() const { return count == 0; }
  bool shared() const { return count > 0 && milli < kMilliPerGpu; }
  int64_t total_milli() const { return count * milli; }
};

/// From the pod's effective request: `nvidia.com/gpu` wins; else `nbsched.io/gpu-milli` (a
/// multiple of 1000 counts as whole GPUs).
GpuDemand PodGpuDemandOfScalars(const Pod& pod);
inline GpuDemand PodGpuDemand(const Pod& pod) {
  // Called per node by the fit filter and the GPU scores: most pods ask for no scalar at all.
  return pod.request.scalars.empty() ? GpuDemand() : PodGpuDemandOfScalars(pod);
}

/// Parses "0" / "1,3"; nullopt when malformed, out of range or repeated.
std::optional<std::vector<int>> ParseGpuIndex(std::string_view text, int gpu_count);
std::string FormatGpuIndex(const std::vector<int>& gpus);

class GpuSlots {
 public:
  GpuSlots() = default;
  explicit GpuSlots(int gpu_count) : free_(static_cast<size_t>(gpu_count), kMilliPerGpu) {}

  int gpu_count() const { return static_cast<int>(free_.size()); }
  int32_t free(int gpu) const { return free_[static_cast<size_t>(gpu)]; }
  const std::vector<int32_t>& free_milli() const { return free_; }
  /// Σ free shares (the FGD paper's L_n).
  int64_t idle_milli() const;
  int fully_free() const;

  /// The demand fits: `count` fully free GPUs, or one GPU with a free share ≥ milli.
  bool Fits(const GpuDemand& demand) const;
  /// The default choice: the `count` lowest-index fully free GPUs; for a share, the GPU with the
  /// smallest free share ≥ milli (lowest index on ties). Empty when it does not fit or none.
  std::vector<int> Choose(const GpuDemand& demand) const;
  /// Whether `gpus` can hold the demand (right count, in range, room on each).
  bool CanTake(const GpuDemand& demand, const std::vector<int>& gpus) const;
  void Take(const GpuDemand& demand, const std::vector<int>& gpus);

 private:
  std::vector<int32_t> free_;
};

}  // namespace nbsched
