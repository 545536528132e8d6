#pragma once

/// How a node's CPU and memory usage is known to the usage-aware priorities (interfaces.md
/// §11): its fresh measured sample, plus the expected usage of its pods the sample cannot have
/// seen yet; or, without a fresh sample, its pods' expected usage ("usage from requests").
/// Pure functions; thread-safe.

#include <cstdint>
#include <memory>
#include <string_view>

#include "scheduler/model/node_info.h"
#include "scheduler/model/resources.h"
#include "scheduler/model/usage.h"

namespace nbsched {

/// The usage table one request reads (once) and the time it judges freshness at. The runner
/// writes it into the CycleState under kUsageStateKey for policies with a usage priority.
struct UsageContext {
  std::shared_ptr<const UsageTable> table;  // null: no usage source (every node from requests)
  int64_t now_unix_ms = 0;
};
inline constexpr std::string_view kUsageStateKey = "nbsched.io/usage";

struct NodeUsage {
  CpuMemory used;
  /// No fresh sample: `used` is the node's pods' expected usage (NodeInfo::expected_usage).
  bool from_requests = true;
};

/// The node's usage. With a fresh sample: the sample, plus the expected usage of the node's
/// pods that have no pod sample in the table when the table has pod samples at all (pods
/// bound after the poll, which the node sample cannot include yet). A source that reports no
/// pods (e.g. Prometheus with node queries only) gets no such correction: every pod would be
/// counted twice. `context` may be null (no source).
NodeUsage UsageOf(const UsageContext* context, const NodeInfo& node);

}  // namespace nbsched
