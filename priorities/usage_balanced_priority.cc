#include "priorities/usage_balanced_priority.h"

#include <charconv>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "priorities/resource_allocation.h"
#include "scheduler/model/node_usage.h"

namespace nbsched::priorities {
namespace {

constexpr int64_t kMebibyte = 1024 * 1024;

// One integer in [lo, hi] under `key`, or an error naming the plugin, the arg and the value.
absl::StatusOr<int64_t> IntArg(std::string_view key, const std::vector<std::string>& values,
                               int64_t lo, int64_t hi) {
  const std::string v = values.size() == 1 ? values[0] : std::string();
  int64_t out = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (values.size() != 1 || v.empty() || ec != std::errc() || p != v.data() + v.size() ||
      out < lo || out > hi) {
    return absl::InvalidArgumentError(absl::StrCat(
        std::string(UsageBalancedPriority::kName), ": ", std::string(key),
        " must be one integer in ", lo, "..", hi, " (got \"", absl::StrJoin(values, ","), "\")"));
  }
  return out;
}

int64_t Scaled(int64_t value, int64_t percent) {
  // value · percent / 100 without overflow for any int64 value (percent ≤ 100).
  return value / 100 * percent + value % 100 * percent / 100;
}

}  // namespace

absl::StatusOr<std::unique_ptr<const UsageBalancedPriority>> UsageBalancedPriority::Create(
    const PluginArgs& args) {
  PodUsage pod_usage = PodUsage::kExpected;
  int64_t limit_percent = 100;
  int64_t weights[2] = {1, 1};
  for (const auto& [key, values] : args) {
    if (key == "podUsage") {
      const std::string v = values.size() == 1 ? values[0] : std::string();
      if (v == "expected") {
        pod_usage = PodUsage::kExpected;
      } else if (v == "request") {
        pod_usage = PodUsage::kRequest;
      } else if (v == "limit") {
        pod_usage = PodUsage::kLimit;
      } else {
        return absl::InvalidArgumentError(absl::StrCat(
            std::string(kName), ": podUsage must be one of expected, request, limit (got \"",
            absl::StrJoin(values, ","), "\")"));
      }
    } else if (key == "limitPercent") {
      auto v = IntArg(key, values, 1, 100);
      if (!v.ok()) return v.status();
      limit_percent = *v;
    } else if (key == "cpuWeight" || key == "memoryWeight") {
      auto v = IntArg(key, values, 0, 100);
      if (!v.ok()) return v.status();
      weights[key == "cpuWeight" ? 0 : 1] = *v;
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat(std::string(kName), ": unknown arg \"", key,
                       "\" (want podUsage, limitPercent, cpuWeight or memoryWeight)"));
    }
  }
  if (weights[0] == 0 && weights[1] == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(std::string(kName), ": cpuWeight and memoryWeight cannot both be 0"));
  }
  if (args.contains("limitPercent") && pod_usage != PodUsage::kLimit) {
    return absl::InvalidArgumentError(
        absl::StrCat(std::string(kName), ": limitPercent applies only with podUsage: limit"));
  }
  return std::make_unique<const UsageBalancedPriority>(pod_usage, limit_percent, weights[0],
                                                       weights[1]);
}

CpuMemory UsageBalancedPriority::PodPrediction(const Pod& pod) const {
  switch (pod_usage_) {
    case PodUsage::kRequest:
      return {pod.request.milli_cpu, pod.request.memory};
    case PodUsage::kLimit:
      return {Scaled(pod.limits.milli_cpu, limit_percent_),
              Scaled(pod.limits.memory, limit_percent_)};
    case PodUsage::kExpected:
      break;
  }
  return pod.expected_usage;
}

int64_t UsageBalancedPriority::Score(const CycleState& state, const Pod& pod,
                                     const NodeInfo& node) const {
  CpuMemory used = UsageOf(state.Read<UsageContext>(kUsageStateKey), node).used;
  used.Add(PodPrediction(pod));
  const CpuMemory alloc = CpuMemoryOf(node.allocatable());
  int64_t sum = 0;
  int64_t weight = 0;
  if (alloc.milli_cpu > 0 && cpu_weight_ > 0) {
    sum += cpu_weight_ * LeastAllocatedScore(used.milli_cpu, alloc.milli_cpu);
    weight += cpu_weight_;
  }
  if (alloc.memory > 0 && memory_weight_ > 0) {
    sum += memory_weight_ * LeastAllocatedScore(used.memory, alloc.memory);
    weight += memory_weight_;
  }
  return weight == 0 ? 0 : sum / weight;
}

void UsageBalancedPriority::Explain(const CycleState& state, const Pod& pod, const NodeInfo& node,
                                    std::vector<std::pair<std::string, int64_t>>& details) const {
  const NodeUsage usage = UsageOf(state.Read<UsageContext>(kUsageStateKey), node);
  const CpuMemory predicted = PodPrediction(pod);
  details.emplace_back("nodeCpuUsedMilli", usage.used.milli_cpu);
  details.emplace_back("nodeMemoryUsedMiB", usage.used.memory / kMebibyte);
  details.emplace_back("podCpuMilli", predicted.milli_cpu);
  details.emplace_back("podMemoryMiB", predicted.memory / kMebibyte);
}

}  // namespace nbsched::priorities
