#pragma once

/// The part of a scheduling request that HTTP (extender_service) and gRPC (grpc_service) share,
/// so that both give identical answers by construction: resolve the candidate nodes against one
/// snapshot, pass pods of another scheduler through, run the framework. Pure functions of their
/// inputs; thread-safe.

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "scheduler/framework/decision.h"
#include "scheduler/framework/policy.h"
#include "scheduler/framework/runner.h"
#include "scheduler/model/node.h"
#include "scheduler/model/pod.h"
#include "scheduler/model/published.h"
#include "scheduler/model/snapshot.h"
#include "scheduler/model/usage.h"

namespace nbsched::server {

class FilterMemo;

struct ExtenderOptions {
  /// Only pods with this spec.schedulerName are judged; others pass through. Empty: all.
  std::string scheduler_name;
  /// How many pods seen by /filter, /prioritize and /explain are remembered for /bind.
  size_t seen_pods_capacity = 20000;
  /// Per-plugin timings (metrics); may be null. Must outlive the service.
  const framework::PluginTimer* plugin_timer = nullptr;
  /// Called with the number of candidate nodes judged per request (metrics); may be empty.
  std::function<void(int64_t)> on_nodes_evaluated;
  /// Why the server is not ready yet (empty: ready). Unset: always ready (snapshot mode).
  std::function<std::string()> not_ready_reason;
  /// Live mode: creates the Binding through the API server for a pod just assumed on a node
  /// (its annotations carry nbsched.io/gpu-index). Unset: /bind only assumes (snapshot mode).
  std::function<absl::Status(const Pod& assumed, const std::string& node)> binder;
  /// Where /bind finds a pod that no /filter, /prioritize or /explain of this process showed
  /// (another replica judged it, or this process restarted since; interfaces.md §10): the pod
  /// `namespace/name` from the live watch (pending pods included) or the snapshot file; null if
  /// unknown there too. Unset: only pods seen here bind.
  std::function<std::shared_ptr<const Pod>(const std::string& ns, const std::string& name)>
      find_pod;
  /// Remembers /filter verdicts for the /prioritize and /explain of the same scheduling cycle;
  /// may be null (every request runs the filters). Must outlive the service.
  FilterMemo* filter_memo = nullptr;
  /// Measured usage (interfaces.md §11), published by the usage poller; read once per request
  /// whose policy has a usage priority (framework::PolicyUsesUsage). Null: no source, those
  /// priorities score from requests. Must outlive the service.
  const Published<UsageTable>* usage = nullptr;
};

enum class Verb { kFilter, kPrioritize, kExplain };

/// The policy and cluster state a request is judged against, read once per request (or once per
/// ScoreMany stream).
struct Inputs {
  std::shared_ptr<const framework::Policy> policy;
  std::shared_ptr<const Snapshot> snapshot;
};

/// One evaluated request. Owns everything the decision points into.
struct CoreResult {
  Inputs inputs;
  std::shared_ptr<const Pod> pod;
  framework::Candidates candidates;
  framework::Decision decision;
};

/// kube-scheduler sends each pod twice per scheduling cycle: /filter over the candidate nodes,
/// then /prioritize over the nodes the filter kept. The verdicts are a pure function of (policy,
/// snapshot, pod, node), so the second request need not run the predicates again: FilterMemo
/// keeps the verdicts of the last few /filter requests, each valid only for the very policy and
/// snapshot objects it was computed against (a reload, a watch event or a bind publishes new
/// ones) and for the same pod object: same uid and resourceVersion, which the API server changes
/// on every update of the pod. Pods without both are never remembered. A /prioritize naming a
/// node the /filter did not judge runs the filters in full. Bounded (oldest forgotten first);
/// thread-safe.
class FilterMemo {
 public:
  /// One /filter's verdicts.
  struct Verdicts {
    std::weak_ptr<const framework::Policy> policy;
    std::weak_ptr<const Snapshot> snapshot;
    std::string uid;
    std::string resource_version;
    /// Per snapshot position: 0 not judged, 1 feasible, 2 rejected (the Status in `rejected`).
    std::vector<uint8_t> verdict;
    std::vector<std::pair<size_t, Status>> rejected;  // by position, ascending
    /// Snapshot positions of the nodes the /filter kept, in reply order: the NodeNames that
    /// kube-scheduler sends to /prioritize (a hint for ResolveNames).
    std::vector<size_t> kept;
    /// One verdict per candidate; nullopt when a candidate was not judged.
    std::optional<std::vector<Status>> For(const framework::Candidates& candidates) const;
  };

  explicit FilterMemo(size_t capacity = 16) : capacity_(capacity) {}

  /// Remembers the verdicts of a /filter decision over name-resolved candidates.
  void Remember(const Inputs& inputs, const Pod& pod, const framework::Candidates& candidates,
                const framework::Decision& decision);
  /// The newest verdicts for this pod object if they were computed against exactly these
  /// policy and snapshot objects; else null.
  std::shared_ptr<const Verdicts> Find(const Inputs& inputs, const Pod& pod) const;
  /// The snapshot positions of the last /filter's names, in request order (null: none yet):
  /// kube-scheduler sends every pod's /filter the same node list, so the next /filter checks
  /// each name against the snapshot's name at the position it had last time before hashing it
  /// (a hint for ResolveNames, compared, never trusted).
  std::shared_ptr<const std::vector<size_t>> FilterOrder() const;
  void RememberFilterOrder(const std::vector<size_t>& positions);
  /// Counts a /prioritize or /explain answered with (hit) or without (miss) remembered verdicts.
  void Count(bool hit) const {
    (hit ? hits_ : misses_).fetch_add(1, std::memory_order_relaxed);
    if (observer_) observer_(hit);
  }
  /// Called by Count (metrics); set before serving.
  void SetObserver(std::function<void(bool hit)> observer) { observer_ = std::move(observer); }

  int64_t hits() const { return hits_.load(std::memory_order_relaxed); }
  int64_t misses() const { return misses_.load(std::memory_order_relaxed); }

 private:
  const size_t capacity_;
  mutable std::mutex mu_;
  std::deque<std::shared_ptr<const Verdicts>> entries_;  // newest last
  std::shared_ptr<const std::vector<size_t>> filter_order_;
  mutable std::atomic<int64_t> hits_{0};
  mutable std::atomic<int64_t> misses_{0};
  std::function<void(bool hit)> observer_;
};

/// Scores are computed for prioritize and explain, and for filter only when the policy's
/// selection is best-in-filter.
bool NeedsScores(Verb verb, const framework::Policy& policy);

/// glibc malloc settings for serving: a request at 5,000 nodes allocates a few MB (decision,
/// reply) and frees them; by default glibc hands that memory back to the kernel after each
/// request (trim, per-thread heap shrink) and the next request page-faults it in again (~20 % of
/// a /filter at 5,000 nodes). Keeps freed memory for reuse (RSS stays at its peak) and serves
/// large blocks from the heap. Call once at start-up; the benchmarks call it as `serve` does.
void ConfigureAllocatorForServing();

/// Candidates by name (cache-capable), from the request's Node objects (overlay), or every node
/// of the snapshot.
CoreResult Evaluate(Verb verb, Inputs inputs, std::shared_ptr<const Pod> pod,
                    std::span<const std::string> node_names, const ExtenderOptions& options);
CoreResult Evaluate(Verb verb, Inputs inputs, std::shared_ptr<const Pod> pod,
                    std::span<const std::shared_ptr<const Node>> nodes,
                    const ExtenderOptions& options);
CoreResult EvaluateAllNodes(Verb verb, Inputs inputs, std::shared_ptr<const Pod> pod,
                            const ExtenderOptions& options);

/// The ExtenderFilterResult split of a decision (extender_codec's EncodeFilterResult rules): kept
/// nodes are the best node alone under best-in-filter, else every feasible node; every rejected
/// node is in `failed` (reasons joined with ", "), the UnschedulableAndUnresolvable ones also in
/// `unresolvable`; a name appears once, first occurrence wins.
struct FilterSplit {
  std::vector<std::string> kept;
  std::vector<std::pair<std::string, std::string>> failed;
  std::vector<std::pair<std::string, std::string>> unresolvable;
};
FilterSplit SplitFilter(const framework::Decision& decision);

/// The prioritize score of a node: 0..10, 0 when infeasible.
int64_t HostScore(const framework::NodeDecision& node);

}  // namespace nbsched::server
