#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "scheduler/model/plugin.h"

namespace nbsched::priorities {

/// interfaces.md §11: prefers the node where the sum of limits over allocatable, after adding
/// the pod, carries the least risk of CPU throttling and OOM kills. Per resource the limit
/// ratio ρᵣ = 1000·(Σ limits + pod limit) / allocatable (per mille, integer division) scores
/// (10·M − ρᵣ)·100 / (10·M), 0 once ρᵣ ≥ 10·M, where M is `maxLimitPercent`; the worse of cpu
/// and memory decides (Trimaran's LowRiskOverCommitment: rank = 1 − max(riskCpu, riskMemory)).
/// A container without a limit counts its request (Pod::limits). Formula, worked example and
/// where it differs from Trimaran: README "Usage- and limits-aware priorities".
class OvercommitRiskPriority final : public DirectScorePlugin<OvercommitRiskPriority> {
 public:
  static constexpr std::string_view kName = "OvercommitRiskPriority";

  /// Args: `maxLimitPercent: 101..10000` (default 400: limits at 4× allocatable score 0).
  static absl::StatusOr<std::unique_ptr<const OvercommitRiskPriority>> Create(
      const PluginArgs& args);
  OvercommitRiskPriority() = default;
  explicit OvercommitRiskPriority(int64_t max_limit_percent)
      : max_limit_percent_(max_limit_percent) {}

  std::string_view Name() const override { return kName; }
  int64_t Score(const CycleState& state, const Pod& pod, const NodeInfo& node) const override;
  void Explain(const CycleState& state, const Pod& pod, const NodeInfo& node,
               std::vector<std::pair<std::string, int64_t>>& details) const override;

  /// 1000 · limits / allocatable after adding the pod (per mille); -1 when allocatable is 0;
  /// INT64_MAX when the limits are too large to scale.
  static int64_t LimitPermille(int64_t node_limits, int64_t pod_limits, int64_t allocatable);

 private:
  int64_t max_limit_percent_ = 400;
};

}  // namespace nbsched::priorities
