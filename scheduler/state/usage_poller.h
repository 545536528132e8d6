#pragma once

/// The usage source of live mode (interfaces.md §11): one background thread polls node and pod
/// CPU and memory usage every `interval` (the first poll at Start) and publishes each result
/// whole as a UsageTable, off the request path. Sources:
///   - metrics.k8s.io: GET /apis/metrics.k8s.io/v1beta1/nodes and .../pods through the API
///     client of the watch (same credentials); NodeMetricsList / PodMetricsList, usage as
///     Kubernetes quantities, a pod's usage the sum of its containers'.
///   - Prometheus: GET <url>/api/v1/query?query=... (instant vectors), four queries (node CPU
///     in cores, node memory in bytes, pod CPU, pod memory). A node series names its node by the
///     `node` label, else by `instance` with a trailing `:port` removed (kube-prometheus-stack's
///     node-exporter relabels `instance` to the node name); a pod series by `namespace` + `pod`.
///     The sample's time is the vector's evaluation time.
///
/// Failures never stop the poller. The nodes part and the pods part of a table are fetched
/// apart; a part whose fetch fails (transport error, non-2xx such as 503, not JSON, wrong types)
/// keeps its previous samples with their old timestamps, so they age out after `max_age`
/// (UsageTable::FreshNode then reports the node missing: the priorities fall back to requests),
/// and a source that comes back is used again at the next poll. An item that does not decode
/// (e.g. a bad quantity, a series without a node label) is left out and reported; the rest of
/// its list is used, and the part's previous samples of keys the list did not bring stay (to
/// age out), since a bad item's key may be unknown. A Prometheus key needs both its CPU and its
/// memory series. Each poll ends with `on_poll(status, table)`: OK, or one Unavailable error
/// naming every problem of that poll.
///
/// Thread-safe: Start/Stop from one owner thread; PollOnce may be called from any thread (polls
/// are serialised). Stop() returns promptly: it wakes the wait and cancels a call in flight.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "scheduler/model/published.h"
#include "scheduler/model/usage.h"
#include "scheduler/state/kube_client.h"

namespace nbsched::state {

/// Default Prometheus queries, over cAdvisor series as the kubelet exports them and
/// kube-prometheus-stack scrapes them (each series carries the `node` label). A node's usage is
/// its root cgroup (`id="/"`): everything on the node, as metrics-server reports it; a pod's is
/// the sum of its containers (the pause container and the pod-level cgroup left out).
inline constexpr std::string_view kDefaultNodeCpuQuery =
    R"(sum by (node) (rate(container_cpu_usage_seconds_total{id="/"}[5m])))";
inline constexpr std::string_view kDefaultNodeMemoryQuery =
    R"(sum by (node) (container_memory_working_set_bytes{id="/"}))";
inline constexpr std::string_view kDefaultPodCpuQuery =
    R"(sum by (namespace, pod) (rate(container_cpu_usage_seconds_total{container!="",container!="POD"}[5m])))";
inline constexpr std::string_view kDefaultPodMemoryQuery =
    R"(sum by (namespace, pod) (container_memory_working_set_bytes{container!="",container!="POD"}))";

struct PrometheusQueries {
  std::string node_cpu{kDefaultNodeCpuQuery};        // cores per node
  std::string node_memory{kDefaultNodeMemoryQuery};  // bytes per node
  std::string pod_cpu{kDefaultPodCpuQuery};          // cores per pod
  std::string pod_memory{kDefaultPodMemoryQuery};    // bytes per pod
};

enum class UsageSourceKind { kMetricsApi, kPrometheus };

struct UsagePollerOptions {
  UsageSourceKind source = UsageSourceKind::kMetricsApi;
  PrometheusQueries queries;  // kPrometheus only
  std::chrono::milliseconds interval{std::chrono::seconds(30)};
  std::chrono::milliseconds max_age{std::chrono::minutes(2)};
  std::chrono::milliseconds request_timeout{std::chrono::seconds(10)};
  /// Called after each poll on the polling thread, with what was just published.
  std::function<void(const absl::Status& status, const UsageTable& table)> on_poll;
  /// Unix milliseconds now; empty: the system clock.
  std::function<int64_t()> now_unix_ms;
};

using UsageSamples = std::unordered_map<std::string, UsageSample>;

/// A NodeMetricsList (metrics.k8s.io/v1beta1) → node name → sample. A list that is not one is
/// InvalidArgument; `item_errors` (if given) receives one message per item left out.
[[nodiscard]] absl::StatusOr<UsageSamples> ParseNodeMetricsList(
    std::string_view json, std::vector<std::string>* item_errors = nullptr);
/// A PodMetricsList → "namespace/name" → the sum of the containers' usage. As above.
[[nodiscard]] absl::StatusOr<UsageSamples> ParsePodMetricsList(
    std::string_view json, std::vector<std::string>* item_errors = nullptr);

enum class PrometheusKey { kNode, kPod };
struct PrometheusPoint {
  double value = 0;
  int64_t timestamp_unix_ms = 0;
};
/// A Prometheus /api/v1/query reply (status "success", resultType "vector") → key → point, the
/// key built from the labels as the header says. An error reply is an error carrying its
/// `error` text; a series without the key's labels, or whose value is not finite or negative,
/// is left out (and reported in `item_errors`).
[[nodiscard]] absl::StatusOr<std::unordered_map<std::string, PrometheusPoint>>
ParsePrometheusVector(std::string_view json, PrometheusKey key,
                      std::vector<std::string>* item_errors = nullptr);

/// RFC 3339 ("2023-03-03T04:37:54Z", fractional seconds and offsets too) → Unix milliseconds.
[[nodiscard]] absl::StatusOr<int64_t> ParseRfc3339Ms(std::string_view text);

class UsagePoller {
 public:
  /// `client` talks to the API server (kMetricsApi) or to Prometheus' base URL (kPrometheus).
  UsagePoller(std::unique_ptr<KubeClient> client, UsagePollerOptions options,
              Published<UsageTable>& out);
  ~UsagePoller();  // Stop()s
  UsagePoller(const UsagePoller&) = delete;
  UsagePoller& operator=(const UsagePoller&) = delete;

  /// Starts the thread; it polls at once, then every interval.
  void Start();
  /// Wakes and joins the thread, cancelling a call in flight. Idempotent.
  void Stop();

  /// One poll now, on the caller's thread: fetches, publishes, calls on_poll, returns its status.
  [[nodiscard]] absl::Status PollOnce();

  /// Polls finished so far.
  uint64_t poll_count() const;
  /// Blocks until at least `count` polls have finished or the deadline passes; returns whether.
  bool WaitForPolls(uint64_t count, std::chrono::steady_clock::time_point deadline) const;

 private:
  void Run();
  int64_t NowMs() const;
  void FetchMetricsApi(std::vector<std::string>* problems);
  void FetchPrometheus(std::vector<std::string>* problems);
  absl::StatusOr<std::string> Get(std::string_view what, std::string_view path, const Query& query);

  std::unique_ptr<KubeClient> client_;
  const UsagePollerOptions options_;
  Published<UsageTable>& out_;
  Canceller canceller_;
  std::thread thread_;

  std::mutex poll_mu_;  // serialises polls; guards the last good parts below
  UsageSamples nodes_;
  UsageSamples pods_;

  mutable std::mutex mu_;  // guards what follows
  mutable std::condition_variable cv_;
  bool stopping_ = false;
  uint64_t polls_ = 0;
};

/// Creates the client for `config` (the API server's, or {server: Prometheus URL}) and a poller.
/// InvalidArgument for a bad URL or PEM data. Not started.
[[nodiscard]] absl::StatusOr<std::unique_ptr<UsagePoller>> MakeUsagePoller(
    KubeConfig config, UsagePollerOptions options, Published<UsageTable>& out);

}  // namespace nbsched::state
