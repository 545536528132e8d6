#pragma once

#include <string_view>

#include "scheduler/model/plugin.h"

namespace nbsched::predicates {

/// Required pod affinity and anti-affinity of the pod, and existing pods' required anti-affinity.
/// Reasons and codes of kubernetes-semantics.md §4.9 (one reason, first failing check in the order
/// affinity, anti-affinity, existing pods' anti-affinity). PreFilter walks the snapshot once and
/// stores, under kName in the CycleState, the matching pods per topology (key, value); Filter only
/// looks them up. The runner must call PreFilter with the request's CycleState before any Filter:
/// Filter is const and cannot build the state, so a missing state returns Status::Error.
/// Non-empty namespaceSelectors select no namespace (nbsched does not watch namespace labels).
class MatchInterPodAffinity final : public FilterPlugin {
 public:
  static constexpr std::string_view kName = "MatchInterPodAffinity";
  std::string_view Name() const override { return kName; }
  void PreFilter(CycleState& state, const Pod& pod, const Snapshot& snapshot) const override;
  bool Skip(const CycleState& state, const Pod& pod) const override;
  Status Filter(const CycleState& state, const Pod& pod, const NodeInfo& node) const override;
};

}  // namespace nbsched::predicates
