#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "scheduler/model/plugin.h"

namespace nbsched::priorities {

/// interfaces.md §11: prefers the node whose measured CPU and memory usage, plus the incoming
/// pod's expected usage, stays lowest (the paper's Fig. 7 balances usage, not requests).
/// Koordinator's load-aware score over usage: per resource (alloc − used − pod)·100/alloc (0 at
/// or over allocatable), combined as Σ wᵣ·sᵣ / Σ wᵣ, integer division. A node without a fresh
/// sample counts its pods' expected usage (model/node_usage.h). Formula, worked example and
/// args: README "Usage- and limits-aware priorities".
class UsageBalancedPriority final : public DirectScorePlugin<UsageBalancedPriority> {
 public:
  static constexpr std::string_view kName = "UsageBalancedPriority";
  /// How the incoming pod's own usage is predicted (arg `podUsage`).
  enum class PodUsage { kExpected, kRequest, kLimit };

  /// Args: `podUsage: expected|request|limit` (default expected: its usage annotations, else its
  /// request), `limitPercent: 1..100` (with podUsage limit; default 100), `cpuWeight`,
  /// `memoryWeight` (integers 0..100, not both 0; default 1 each).
  static absl::StatusOr<std::unique_ptr<const UsageBalancedPriority>> Create(
      const PluginArgs& args);
  UsageBalancedPriority() = default;
  UsageBalancedPriority(PodUsage pod_usage, int64_t limit_percent, int64_t cpu_weight,
                        int64_t memory_weight)
      : pod_usage_(pod_usage),
        limit_percent_(limit_percent),
        cpu_weight_(cpu_weight),
        memory_weight_(memory_weight) {}

  std::string_view Name() const override { return kName; }
  bool UsesUsage() const override { return true; }
  int64_t Score(const CycleState& state, const Pod& pod, const NodeInfo& node) const override;
  void Explain(const CycleState& state, const Pod& pod, const NodeInfo& node,
               std::vector<std::pair<std::string, int64_t>>& details) const override;

  /// The incoming pod's predicted usage under this plugin's args.
  CpuMemory PodPrediction(const Pod& pod) const;

 private:
  PodUsage pod_usage_ = PodUsage::kExpected;
  int64_t limit_percent_ = 100;
  int64_t cpu_weight_ = 1;
  int64_t memory_weight_ = 1;
};

}  // namespace nbsched::priorities
