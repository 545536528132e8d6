#pragma once

/// Measured CPU and memory usage of nodes and pods (interfaces.md §11), as one poll of a usage
/// source (metrics.k8s.io or Prometheus) returns it. Built off the request path by the poller
/// (scheduler/state/), published whole through Published<UsageTable>, read by the usage-aware
/// priorities. Immutable once published; shared by request threads without locking.

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

namespace nbsched {

struct UsageSample {
  int64_t milli_cpu = 0;
  int64_t memory_bytes = 0;
  /// When the source measured it (the end of its window), Unix milliseconds.
  int64_t timestamp_unix_ms = 0;
};

struct UsageTable {
  /// Node name → its sample.
  std::unordered_map<std::string, UsageSample> nodes;
  /// "namespace/name" → the pod's sample (the sum of its containers).
  std::unordered_map<std::string, UsageSample> pods;
  /// When the poll that built this table finished, Unix milliseconds.
  int64_t fetched_unix_ms = 0;
  /// A sample older than this counts as missing (--metrics-max-age).
  int64_t max_age_ms = 120'000;
  /// "metrics.k8s.io" or "prometheus".
  std::string source;

  /// The node's sample if it is at most max_age_ms old at `now_unix_ms`, else nullptr.
  const UsageSample* FreshNode(std::string_view node, int64_t now_unix_ms) const {
    const auto it = nodes.find(std::string(node));
    if (it == nodes.end()) return nullptr;
    if (now_unix_ms - it->second.timestamp_unix_ms > max_age_ms) return nullptr;
    return &it->second;
  }
};

}  // namespace nbsched
