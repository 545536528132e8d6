#pragma once

#include <span>
#include <string_view>

#include "scheduler/model/plugin.h"

namespace nbsched::priorities {

/// Σ weights of matching preferred node-affinity terms, normalised to 0..100 by the largest.
class NodeAffinityPriority final : public DirectScorePlugin<NodeAffinityPriority> {
 public:
  static constexpr std::string_view kName = "NodeAffinityPriority";
  std::string_view Name() const override { return kName; }
  void NormalizeScore(const CycleState& state, const Pod& pod,
                      std::span<NodeScore> scores) const override;
  int64_t Score(const CycleState& state, const Pod& pod, const NodeInfo& node) const override;
};

}  // namespace nbsched::priorities
