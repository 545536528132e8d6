#pragma once

/// The Prometheus metrics of interfaces.md §7, as one struct (prometheus-cpp core), rendered in
/// text format 0.0.4 for `GET /metrics`. Labels stay bounded: verb is one of filter, prioritize,
/// explain, bind, preempt, healthz, readyz, metrics, other; code is the HTTP code (100..599,
/// else "other"); plugin is a registry name, "filter" (the runner's whole filter loop) or
/// "other".
///
/// Hot path: every series a request can touch is resolved to a `Counter*`/`Histogram*` in fixed
/// tables (built at construction, or on first use of a verb × code pair, published through an
/// atomic), so observing takes no lock of ours and no map lookup. prometheus-cpp's Histogram
/// itself takes a short per-series mutex. Resolve plugin names once with PluginIndex() and
/// observe by index where a loop runs per plugin and node.
///
/// Thread-safe. Wire the policy watcher as
///   [&metrics](bool ok, int64_t generation, const std::string&) {
///     ok ? metrics.SetPolicyGeneration(generation) : metrics.IncPolicyReloadErrors(); }

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "scheduler/framework/registry.h"
#include "scheduler/model/snapshot.h"
#include "scheduler/model/usage.h"

namespace prometheus {
class Counter;
class Gauge;
class Histogram;
class Registry;
template <typename T>
class Family;
}  // namespace prometheus

namespace nbsched::server {

/// The two usage gauges of interfaces.md §11 for one snapshot and usage table at `now_unix_ms`:
/// the age in seconds of the oldest fresh sample of a snapshot node (0 when none is fresh), and
/// the snapshot nodes without a fresh sample (all of them when `table` is null), which score
/// from their requests.
struct UsageGauges {
  double oldest_sample_age_seconds = 0;
  int64_t nodes_without_sample = 0;
};
UsageGauges ComputeUsageGauges(const UsageTable* table, const Snapshot& snapshot,
                               int64_t now_unix_ms);

class Metrics {
 public:
  enum class Verb : uint8_t {
    kFilter,
    kPrioritize,
    kExplain,
    kBind,
    kPreempt,
    kHealthz,
    kReadyz,
    kMetrics,
    kOther,
  };
  static constexpr size_t kVerbCount = 9;
  /// "filter" or "/filter" → kFilter; anything else → kOther.
  static Verb ParseVerb(std::string_view verb);
  static std::string_view VerbName(Verb verb);

  /// Pre-creates a latency series for every filter and score plugin of `plugins`.
  explicit Metrics(const framework::Registry& plugins = framework::Registry::Default());
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  /// nbsched_requests_total{verb,code} += 1; nbsched_request_duration_seconds{verb}.
  void ObserveRequest(std::string_view verb, int code, std::chrono::nanoseconds duration);
  void ObserveRequest(Verb verb, int code, std::chrono::nanoseconds duration);

  /// nbsched_plugin_duration_seconds{plugin}; unknown names count as "other".
  void ObservePlugin(std::string_view plugin, std::chrono::nanoseconds duration);
  /// Index for ObservePlugin(int, ...); unknown names give the index of "other".
  int PluginIndex(std::string_view plugin) const;
  void ObservePlugin(int plugin_index, std::chrono::nanoseconds duration);

  void AddNodesEvaluated(int64_t nodes);            // nbsched_nodes_evaluated_total
  void SetPolicyGeneration(int64_t value);          // nbsched_policy_generation
  void IncPolicyReloadErrors();                     // nbsched_policy_reload_errors_total
  void SetCacheSizes(int64_t nodes, int64_t pods);  // nbsched_cache_nodes, nbsched_cache_pods
  void IncWatchRestarts();                          // nbsched_watch_restarts_total
  /// nbsched_usage_sample_age_seconds, nbsched_usage_nodes_without_sample (interfaces.md §11).
  /// serve sets them after each poll of the usage source and on each scrape of /metrics; they
  /// stay 0 while --metrics-source is none.
  void SetUsageGauges(const UsageGauges& gauges);
  /// nbsched_filter_memo_total{result="hit"|"miss"}: /prioritize and /explain requests answered
  /// with (hit) or without (miss) the verdicts of their cycle's /filter (FilterMemo). Not in
  /// interfaces.md §7's list: an addition, for admins to see the memo work.
  void CountFilterMemo(bool hit);

  /// Prometheus text exposition format 0.0.4 (`text/plain; version=0.0.4`).
  std::string Render() const;

  /// For exposing more families from the same registry.
  const std::shared_ptr<prometheus::Registry>& registry() const { return registry_; }

 private:
  static constexpr int kMinCode = 100;
  static constexpr int kMaxCode = 599;
  static constexpr size_t kCodeSlots = kMaxCode - kMinCode + 2;  // last slot: "other"

  prometheus::Counter& RequestCounter(Verb verb, int code);

  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>* requests_ = nullptr;

  std::array<prometheus::Histogram*, kVerbCount> request_duration_{};
  // Filled on first use of a verb × code (the family's Add is locked; then an atomic load).
  std::array<std::array<std::atomic<prometheus::Counter*>, kCodeSlots>, kVerbCount>
      requests_by_code_{};
  std::mutex create_mu_;

  std::vector<prometheus::Histogram*> plugin_duration_;    // by plugin index
  std::vector<std::pair<std::string, int>> plugin_index_;  // sorted by name
  int other_plugin_ = 0;

  prometheus::Counter* nodes_evaluated_ = nullptr;
  prometheus::Gauge* policy_generation_ = nullptr;
  prometheus::Counter* policy_reload_errors_ = nullptr;
  prometheus::Gauge* cache_nodes_ = nullptr;
  prometheus::Gauge* cache_pods_ = nullptr;
  prometheus::Counter* watch_restarts_ = nullptr;
  prometheus::Gauge* usage_sample_age_ = nullptr;
  prometheus::Gauge* usage_nodes_without_sample_ = nullptr;
  prometheus::Counter* filter_memo_hits_ = nullptr;
  prometheus::Counter* filter_memo_misses_ = nullptr;
};

}  // namespace nbsched::server
