#pragma once

/// Live mode (`--kubeconfig` / `--in-cluster`): informers list + watch nodes and pods (and
/// services, replication controllers, replica sets and stateful sets when asked, for
/// SelectorSpreadPriority) into one cache of decoded model objects, and a publisher thread turns
/// the cache into immutable Snapshots for ClusterState::PublishBase. Bursts of events are
/// coalesced (at most one snapshot per `publish_interval`), every event is in the next one.
/// Only pods that are bound to a node and neither Succeeded nor Failed count in the snapshots:
/// the others use no resources, and the watch brings the whole object again when that changes.
/// Pending pods (active, no node yet) are kept beside them for FindPod, so that any replica can
/// /bind a pod another replica judged (interfaces.md §10).
///
/// Memory: bound pods are kept in CompactBoundPod's form (model/pod.h: what plugins read of an
/// existing pod), compacted page by page while a list comes in (InformerSink::Reduce) and event
/// by event; pending pods whole, since /bind judges them. Informers free the JSON parser's
/// list-sized buffers after each list. bench/bench_live_sync.cc measures the bytes per node and
/// per pod.
///
/// A batch that touches few nodes replaces just their NodeInfos (Snapshot::WithNodeInfo);
/// node additions/removals, workload changes, lists and big batches rebuild the snapshot.
///
/// Thread-safe. Wiring (scheduler/server/serve.cc):
///   LiveOptions o; o.config = *LoadKubeconfig(path);  // or LoadInClusterConfig()
///   o.watch_workloads = policy uses SelectorSpreadPriority;
///   o.on_watch_restart = [&] { metrics.IncWatchRestarts(); };
///   o.on_cache_sizes = [&](int64_t n, int64_t p) { metrics.SetCacheSizes(n, p); };
///   auto live = StartLiveCluster(o, cluster_state);  // readiness: live->NotReadyReason()
/// and /bind: Assume(pod, node) first, then live->Bind(pod, node, annotations); on error
/// cluster_state.Forget(uid) and reply with the error's message.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "scheduler/model/snapshot.h"
#include "scheduler/state/cluster_state.h"
#include "scheduler/state/informer.h"
#include "scheduler/state/kube_client.h"

namespace nbsched::state {

struct LiveOptions {
  KubeConfig config;
  /// Also list + watch Services, RCs, ReplicaSets and StatefulSets (SelectorSpreadPriority).
  bool watch_workloads = false;
  /// Coalescing: at most one snapshot per interval while events keep coming.
  std::chrono::milliseconds publish_interval{5};
  /// Not ready while any watch has been failing for longer than this.
  std::chrono::milliseconds max_watch_failure{std::chrono::seconds(60)};
  /// Timeout of a Binding POST.
  std::chrono::milliseconds bind_timeout{std::chrono::seconds(30)};
  InformerOptions informer;                // its on_restart/log are taken from below
  std::function<void()> on_watch_restart;  // nbsched_watch_restarts_total
  std::function<void(int64_t nodes, int64_t pods)> on_cache_sizes;  // nbsched_cache_*
  std::function<void(std::string_view level, std::string_view message)> log;
};

class LiveCluster final : private InformerSink {
 public:
  LiveCluster(std::unique_ptr<KubeClient> client, LiveOptions options, ClusterState& state);
  ~LiveCluster() override;  // Stop()s
  LiveCluster(const LiveCluster&) = delete;
  LiveCluster& operator=(const LiveCluster&) = delete;

  void Start();
  void Stop();

  /// Empty when ready; else why not (for /readyz's 503 body): the first list of some kind is
  /// not in yet, or a watch has been failing for longer than max_watch_failure.
  std::string NotReadyReason() const;

  /// POSTs a v1 Binding of `pod` to `node_name` (with `annotations` on the Binding, which the
  /// API server copies to the pod, e.g. nbsched.io/gpu-index). The API server's message on
  /// failure: AlreadyExists (409), NotFound (404), PermissionDenied (401/403), InvalidArgument
  /// (400/422), Unavailable (transport, 5xx), Unknown (other).
  [[nodiscard]] absl::Status Bind(const Pod& pod, const std::string& node_name,
                                  const Labels& annotations = {});

  /// Blocks until a published snapshot includes everything the informer of `kind` has seen up to
  /// `resource_version` (numeric comparison when both are numbers, else equality), or the
  /// deadline passes. Returns whether it got there.
  bool WaitForResourceVersion(codec::ObjectKind kind, const std::string& resource_version,
                              std::chrono::steady_clock::time_point deadline) const;
  /// The resourceVersion of `kind` included in the last published snapshot.
  std::string PublishedResourceVersion(codec::ObjectKind kind) const;
  /// The watched pod `namespace/name`, pending (whole) or bound (CompactBoundPod's form; not
  /// Succeeded/Failed); null if the watch has not shown it.
  std::shared_ptr<const Pod> FindPod(const std::string& ns, const std::string& name) const;

  /// Snapshots published so far (base snapshots, before the assume cache).
  uint64_t publish_count() const;
  /// Cached objects (bound, active pods only).
  size_t cached_nodes() const;
  size_t cached_pods() const;
  int64_t watch_restarts() const;

 private:
  void Replace(codec::ObjectKind kind, std::vector<codec::ApiObject> items,
               const std::string& resource_version) override;
  void Apply(codec::ObjectKind kind, codec::WatchEvent event) override;
  void Reduce(codec::ObjectKind kind, std::vector<codec::ApiObject>& page) override;
  void RunPublisher();
  // mu_ held.
  void AddPodLocked(const std::string& key, std::shared_ptr<const Pod> pod);
  void RemovePodLocked(const std::string& key);
  std::shared_ptr<const NodeInfo> BuildNodeInfoLocked(const std::string& node_name) const;
  std::shared_ptr<const Snapshot> BuildSnapshotLocked();

  std::unique_ptr<KubeClient> client_;
  const LiveOptions options_;
  ClusterState& state_;
  std::vector<std::unique_ptr<Informer>> informers_;
  std::thread publisher_;

  mutable std::mutex mu_;                         // guards everything below
  std::condition_variable dirty_cv_;              // publisher waits for changes
  mutable std::condition_variable published_cv_;  // WaitForResourceVersion waits here
  bool stopping_ = false;
  std::map<std::string, std::shared_ptr<const Node>> nodes_;  // by name
  // Bound pods, found by namespace/name (CompactBoundPod's form). The key is the pod's own
  // namespace_ and name, not stored a second time.
  struct PodKeyHash {
    using is_transparent = void;
    size_t operator()(std::string_view key) const;
    size_t operator()(const std::shared_ptr<const Pod>& pod) const;
  };
  struct PodKeyEqual {
    using is_transparent = void;
    bool operator()(const std::shared_ptr<const Pod>& a, const std::shared_ptr<const Pod>& b) const;
    bool operator()(std::string_view key, const std::shared_ptr<const Pod>& pod) const;
    bool operator()(const std::shared_ptr<const Pod>& pod, std::string_view key) const;
  };
  // The order of the "namespace/name" strings.
  struct PodKeyLess {
    bool operator()(const std::shared_ptr<const Pod>& a, const std::shared_ptr<const Pod>& b) const;
  };
  std::unordered_set<std::shared_ptr<const Pod>, PodKeyHash, PodKeyEqual> pods_;
  // Active pods without a node yet, by namespace/name: in no snapshot, only for FindPod.
  std::unordered_map<std::string, std::shared_ptr<const Pod>> pending_;
  // Pods counted on each node (also for nodes not seen yet), sorted by namespace/name for
  // stable snapshots (a vector: 16 bytes a pod, where a std::set node takes 64).
  std::unordered_map<std::string, std::vector<std::shared_ptr<const Pod>>> pods_by_node_;
  std::map<std::pair<int, std::string>, WorkloadSelector> workloads_;  // (kind, ns/name)
  // What changed since the last snapshot.
  bool changed_ = false;
  bool rebuild_ = false;
  std::map<std::string, bool> dirty_nodes_;
  std::map<int, std::string> applied_rv_;    // by kind
  std::map<int, std::string> published_rv_;  // by kind
  std::map<int, bool> listed_;               // kind's first list applied
  std::map<int, bool> listed_published_;     // ... and published
  std::shared_ptr<const Snapshot> base_;     // the last published base
  uint64_t publish_count_ = 0;
};

/// Creates the client for `options.config` and starts the informers. InvalidArgument for a bad
/// configuration (server URL, PEM data). Readiness follows through NotReadyReason().
[[nodiscard]] absl::StatusOr<std::unique_ptr<LiveCluster>> StartLiveCluster(LiveOptions options,
                                                                            ClusterState& state);

}  // namespace nbsched::state
