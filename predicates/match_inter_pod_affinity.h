#pragma once

#include <string_view>

#include "scheduler/model/plugin.h"

namespace nbsched::predicates {

/// Required pod affinity and anti-affinity of the pod, and existing pods' required anti-affinity. Reasons and codes of kubernetes-semantics.md §4.9; PreFilter precomputes the matching pods per topology domain.
class MatchInterPodAffinity final : public FilterPlugin {
 public:
  static constexpr std::string_view kName = "MatchInterPodAffinity";
  std::string_view Name() const override { return kName; }
  void PreFilter(CycleState& state, const Pod& pod, const Snapshot& snapshot) const override;
  Status Filter(const CycleState& state, const Pod& pod, const NodeInfo& node) const override;
};

}  // namespace nbsched::predicates
