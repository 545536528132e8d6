#pragma once

/// GPUFragmentationPriority: the fragmentation gradient (FGD, Weng et al., USENIX ATC '23) as
/// `gpu-replay.md` §3–§4 defines it. A target workload M (task shapes with probabilities) gives
/// each node an expected GPU fragmentation F_n(M); a pod scores
/// trunc(100 · σ((F_n(M) − F_n'(M)) / 1000)) on a node, n' being the node after placing it (a
/// sharing pod tries every GPU with room and keeps the best). Scores 0..99; 50 = no change.
///
/// M comes from the args (`workload: FILE` a trace pod CSV, or `shapes: ["cpu/milli/count/spec=
/// weight", ...]`, optional `coverage: 0.95`, and `scale: 1000`, the Δ that moves σ by one unit:
/// a smaller scale gives a finer score, a nbsched extension); without them, from the snapshot's
/// live pods at PreScore. The simulator passes its workload's M through WithTargetWorkload.
///
/// Thread-safe: the plugin is immutable; per-node F_n(M) values are memoised in a thread-local
/// cache validated by the node's content (CPU left, per-GPU free shares, model) and by M's
/// identity, so an unchanged node costs a lookup and a changed one is recomputed.

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "scheduler/model/plugin.h"

namespace nbsched::priorities {

/// A task shape s = (c, m, k, spec) of gpu-replay.md §3.
struct TaskShape {
  int64_t milli_cpu = 0;
  int32_t gpu_milli = 0;  // per GPU; 0 for a CPU-only task
  int64_t num_gpu = 0;
  std::vector<std::string> models;  // allowed GPU models, sorted and unique; empty = any
  friend bool operator==(const TaskShape&, const TaskShape&) = default;
  friend auto operator<=>(const TaskShape&, const TaskShape&) = default;
};

struct WeightedShape {
  TaskShape shape;
  int64_t count = 0;  // pods of this shape in the source list (0 when given as a weight)
  double p = 0;       // p_s, Σ p_s = 1
};

/// The target workload M, immutable once built; `id` identifies it in the node cache.
struct TargetWorkload {
  std::vector<WeightedShape> shapes;
  int64_t taken_pods = 0;  // pods of the taken shapes
  int64_t total_pods = 0;  // pods in the source list
  uint64_t id = 0;
};

/// The shape of a pod: effective CPU request, GPU demand (PodGpuDemand), models from a required
/// node affinity / nodeSelector on `nvidia.com/gpu.product`.
TaskShape PodTaskShape(const Pod& pod);

/// gpu-replay.md §3: count shapes, order by count (largest first; equal counts: larger c, m, k,
/// then spec), take shapes until the taken pods reach `coverage` of all, p_s = count / taken.
std::shared_ptr<const TargetWorkload> BuildTargetWorkload(std::span<const TaskShape> pods,
                                                          double coverage = 0.95);
/// Explicit shapes with weights (normalised to Σ p = 1); weights must be positive.
std::shared_ptr<const TargetWorkload> TargetWorkloadFromWeights(std::vector<WeightedShape> shapes);

/// F_n(s) for one node state (gpu-replay.md §3), in milli-GPU.
int64_t ShapeFragmentation(const TaskShape& shape, int64_t cpu_left, std::string_view model,
                           std::span<const int32_t> free_milli);
/// F_n(M) = Σ p_s · F_n(s).
double NodeFragmentation(const TargetWorkload& m, const NodeInfo& node);

/// What the FGD score saw for a pod on a node (also what /explain can show).
struct FgdEvaluation {
  bool fits = false;      // GPU demand and CPU fit the node
  int64_t score = 0;      // 0..99
  double before = 0;      // F_n(M)
  double after = 0;       // F_n'(M) of the chosen placement
  std::vector<int> gpus;  // the GPU(s) the pod binds to (empty for CPU-only)
};

class GPUFragmentationPriority final : public DirectScorePlugin<GPUFragmentationPriority> {
 public:
  static constexpr std::string_view kName = "GPUFragmentationPriority";
  /// `workload` null: M from the live pods (PreScore), with `coverage`.
  explicit GPUFragmentationPriority(std::shared_ptr<const TargetWorkload> workload = nullptr,
                                    double coverage = 0.95, double scale = 1000)
      : workload_(std::move(workload)), coverage_(coverage), scale_(scale) {}
  static absl::StatusOr<std::unique_ptr<const ScorePlugin>> Create(const PluginArgs& args);

  std::string_view Name() const override { return kName; }
  void PreScore(CycleState& state, const Pod& pod, const Snapshot& snapshot,
                std::span<const NodeInfo* const> feasible) const override;
  int64_t Score(const CycleState& state, const Pod& pod, const NodeInfo& node) const override;
  std::vector<int> PreferredGpus(const CycleState& state, const Pod& pod,
                                 const NodeInfo& node) const override;
  /// fragmentationBefore / fragmentationAfter (F_n(M) in milli-GPU, rounded) and gpuIndex.
  void Explain(const CycleState& state, const Pod& pod, const NodeInfo& node,
               std::vector<std::pair<std::string, int64_t>>& details) const override;

  /// The score, F before/after and the GPU choice of `pod` on `node` under M.
  FgdEvaluation Evaluate(const TargetWorkload& m, const Pod& pod, const NodeInfo& node) const;
  /// M configured by args (null: taken from live pods).
  const std::shared_ptr<const TargetWorkload>& workload() const { return workload_; }
  bool has_explicit_workload() const { return workload_ != nullptr; }
  double coverage() const { return coverage_; }
  /// The same plugin with M fixed (the simulator's workload).
  std::shared_ptr<const GPUFragmentationPriority> WithTargetWorkload(
      std::shared_ptr<const TargetWorkload> m) const {
    return std::make_shared<const GPUFragmentationPriority>(std::move(m), coverage_, scale_);
  }

 private:
  const TargetWorkload* WorkloadFor(const CycleState& state) const;
  std::shared_ptr<const TargetWorkload> workload_;
  double coverage_ = 0.95;
  double scale_ = 1000;
};

}  // namespace nbsched::priorities
