#include "priorities/balanced_resource_allocation.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "priorities/resource_allocation.h"

namespace nbsched::priorities {
namespace {

constexpr std::string_view kFormKey = "form";
constexpr std::string_view kFormCurrent = "current";
constexpr std::string_view kFormLegacy = "legacy";
// 1.13 scored 0..10; nbsched's priorities all report 0..100 (interfaces.md §5).
constexpr int64_t kLegacyScale = 10;

}  // namespace

absl::StatusOr<std::unique_ptr<const ScorePlugin>> BalancedResourceAllocation::Create(
    const PluginArgs& args) {
  Form form = Form::kCurrent;
  for (const auto& [key, values] : args) {
    if (key != kFormKey) {
      return absl::InvalidArgumentError(
          absl::StrCat(std::string(kName), ": unknown arg \"", key, "\" (want form)"));
    }
    if (values.size() != 1) {
      return absl::InvalidArgumentError(absl::StrCat(
          std::string(kName), ": form takes one value (current or legacy), got ", values.size()));
    }
    if (values[0] == kFormCurrent) {
      form = Form::kCurrent;
    } else if (values[0] == kFormLegacy) {
      form = Form::kLegacy;
    } else {
      return absl::InvalidArgumentError(absl::StrCat(std::string(kName), ": unknown form \"",
                                                     values[0], "\" (want current or legacy)"));
    }
  }
  return std::make_unique<const BalancedResourceAllocation>(form);
}

int64_t BalancedResourceAllocation::Score(const CycleState&, const Pod& pod,
                                          const NodeInfo& node) const {
  const CpuMemory allocatable = CpuMemoryOf(node.allocatable());
  if (form_ == Form::kLegacy) {
    // 1.13: regular containers only, zero-request defaults included, on both sides.
    return kLegacyScale * LegacyBalancedScore(CpuMemorySum(node.legacy_non_zero_requested(),
                                                           pod.legacy_non_zero_request),
                                              allocatable);
  }
  // Real requests, no defaults, since upstream PR #105845 (v1.23).
  return BalancedStdScore(CpuMemorySum(node.requested(), pod.request), allocatable);
}

int64_t BalancedResourceAllocation::ScoreRow(const CycleState& state, const Pod& pod,
                                             const NodeRow& row) const {
  if (form_ == Form::kLegacy) return Score(state, pod, *row.info);
  const CpuMemory requested = {SaturatingAdd(row.requested.milli_cpu, pod.request.milli_cpu),
                               SaturatingAdd(row.requested.memory, pod.request.memory)};
  return BalancedStdScore(requested, row.allocatable);
}

}  // namespace nbsched::priorities
