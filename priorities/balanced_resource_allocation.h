#pragma once

#include <memory>
#include <span>
#include <string_view>

#include "absl/status/statusor.h"
#include "scheduler/model/plugin.h"

namespace nbsched::priorities {

/// Current form (default): trunc((1 − std of min(1, req/alloc) over cpu, memory)) · 100) with real
/// requests. `form: legacy`: the 1.13 score ×10 (0..100).
class BalancedResourceAllocation final : public DirectScorePlugin<BalancedResourceAllocation> {
 public:
  static constexpr std::string_view kName = "BalancedResourceAllocation";
  enum class Form { kCurrent, kLegacy };
  explicit BalancedResourceAllocation(Form form = Form::kCurrent) : form_(form) {}
  /// Accepts `form: current|legacy`; anything else is an InvalidArgument naming the key.
  static absl::StatusOr<std::unique_ptr<const ScorePlugin>> Create(const PluginArgs& args);
  std::string_view Name() const override { return kName; }
  int64_t Score(const CycleState& state, const Pod& pod, const NodeInfo& node) const override;
  int64_t ScoreRow(const CycleState& state, const Pod& pod, const NodeRow& row) const;

 private:
  Form form_;
};

}  // namespace nbsched::priorities
