#pragma once

#include <span>
#include <string_view>

#include "scheduler/model/plugin.h"

namespace nbsched::priorities {

/// Upstream MostAllocated over cpu and memory: min(req, alloc)·100/alloc per resource, averaged;
/// requests include the defaults.
class MostRequestedPriority final : public DirectScorePlugin<MostRequestedPriority> {
 public:
  static constexpr std::string_view kName = "MostRequestedPriority";
  std::string_view Name() const override { return kName; }
  int64_t Score(const CycleState& state, const Pod& pod, const NodeInfo& node) const override;
};

}  // namespace nbsched::priorities
