#include "priorities/overcommit_risk_priority.h"

#include <algorithm>
#include <charconv>
#include <limits>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "scheduler/model/resources.h"

namespace nbsched::priorities {
namespace {

constexpr int64_t kMaxInt = std::numeric_limits<int64_t>::max();

// -1: resource not scored (allocatable 0); else 0..100.
int64_t ResourceScore(int64_t permille, int64_t max_limit_percent) {
  if (permille < 0) return -1;
  const int64_t zero_at = 10 * max_limit_percent;  // per mille
  if (permille >= zero_at) return 0;
  return (zero_at - permille) * kMaxNodeScore / zero_at;
}

}  // namespace

absl::StatusOr<std::unique_ptr<const OvercommitRiskPriority>> OvercommitRiskPriority::Create(
    const PluginArgs& args) {
  int64_t max_limit_percent = 400;
  for (const auto& [key, values] : args) {
    if (key != "maxLimitPercent") {
      return absl::InvalidArgumentError(
          absl::StrCat(std::string(kName), ": unknown arg \"", key, "\" (want maxLimitPercent)"));
    }
    const std::string v = values.size() == 1 ? values[0] : std::string();
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), max_limit_percent);
    if (values.size() != 1 || v.empty() || ec != std::errc() || p != v.data() + v.size() ||
        max_limit_percent < 101 || max_limit_percent > 10000) {
      return absl::InvalidArgumentError(absl::StrCat(
          std::string(kName), ": maxLimitPercent must be one integer in 101..10000 (got \"",
          absl::StrJoin(values, ","), "\")"));
    }
  }
  return std::make_unique<const OvercommitRiskPriority>(max_limit_percent);
}

int64_t OvercommitRiskPriority::LimitPermille(int64_t node_limits, int64_t pod_limits,
                                              int64_t allocatable) {
  if (allocatable <= 0) return -1;
  const int64_t limits = SaturatingAdd(std::max<int64_t>(0, node_limits), pod_limits);
  if (limits > kMaxInt / 1000) return kMaxInt;
  return limits * 1000 / allocatable;
}

int64_t OvercommitRiskPriority::Score(const CycleState&, const Pod& pod,
                                      const NodeInfo& node) const {
  const int64_t cpu = ResourceScore(
      LimitPermille(node.limits().milli_cpu, pod.limits.milli_cpu, node.allocatable().milli_cpu),
      max_limit_percent_);
  const int64_t memory = ResourceScore(
      LimitPermille(node.limits().memory, pod.limits.memory, node.allocatable().memory),
      max_limit_percent_);
  if (cpu < 0 && memory < 0) return 0;
  if (cpu < 0) return memory;
  if (memory < 0) return cpu;
  return std::min(cpu, memory);  // the worse risk decides, as LowRiskOverCommitment
}

void OvercommitRiskPriority::Explain(const CycleState&, const Pod& pod, const NodeInfo& node,
                                     std::vector<std::pair<std::string, int64_t>>& details) const {
  details.emplace_back(
      "cpuLimitPermille",
      LimitPermille(node.limits().milli_cpu, pod.limits.milli_cpu, node.allocatable().milli_cpu));
  details.emplace_back("memoryLimitPermille", LimitPermille(node.limits().memory, pod.limits.memory,
                                                            node.allocatable().memory));
}

}  // namespace nbsched::priorities
