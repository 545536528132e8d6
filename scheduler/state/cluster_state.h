#pragma once

/// The cluster as the server sees it: the published immutable Snapshot that request threads
/// read without locks, plus the assume cache of pods bound through /bind (kube-scheduler's
/// "assumed" pods): counted on their node at once, until the base state confirms them, or
/// they expire. Writers serialise on one mutex; readers never lock. Thread-safe.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/status/statusor.h"
#include "scheduler/model/published.h"
#include "scheduler/model/snapshot.h"

namespace nbsched::state {

/// Pods by "namespace/name".
using PodsByKey = std::unordered_map<std::string, std::shared_ptr<const Pod>>;

/// Reads a `kubectl get nodes,pods,... -o json` List file into a snapshot. With `pods`, also
/// hands out every active pod of the file (pending ones too, which no node counts), so /bind can
/// find a pod no /filter showed this process (interfaces.md §10).
[[nodiscard]] absl::StatusOr<std::shared_ptr<const Snapshot>> LoadSnapshotFile(
    const std::string& path, PodsByKey* pods = nullptr);

class ClusterState {
 public:
  using Clock = std::chrono::steady_clock;
  /// Decides whether `pod` still fits `node` of `snapshot` (the policy's filters).
  using FitCheck =
      std::function<bool(const Snapshot& snapshot, const Pod& pod, const NodeInfo& node)>;

  /// `assume_ttl` 0 = assumed pods never expire on their own.
  explicit ClusterState(std::shared_ptr<const Snapshot> initial,
                        std::chrono::seconds assume_ttl = std::chrono::seconds(0));

  std::shared_ptr<const Snapshot> Current() const { return snapshot_.Current(); }

  /// Replaces the base state (a new list, or a watch update); assumed pods the base does not
  /// show yet are applied on top, those it shows (same UID, bound) are confirmed and dropped.
  void PublishBase(std::shared_ptr<const Snapshot> base);

  /// Records `pod` as running on `node_name` (sets its nodeName). Fails, changing nothing, with
  /// NotFound when the node is unknown, AlreadyExists when that UID is already assumed or bound,
  /// or FailedPrecondition (message naming the reasons) when `fits` says it no longer fits.
  /// Returns the pod as assumed (nodeName and nbsched.io/gpu-index set).
  [[nodiscard]] absl::StatusOr<std::shared_ptr<const Pod>> Assume(const Pod& pod,
                                                                  const std::string& node_name,
                                                                  const FitCheck& fits);

  /// Picks the GPUs of a pod bound to a node (e.g. the FGD score's choice). Unset: the default
  /// rule of GpuSlots::Choose. Set before serving.
  using GpuChooser = std::function<std::vector<int>(const Snapshot& snapshot, const Pod& pod,
                                                    const NodeInfo& node)>;
  void SetGpuChooser(GpuChooser chooser) { choose_gpus_ = std::move(chooser); }

  /// Drops an assumed pod (binding failed). Returns whether it was assumed.
  bool Forget(const std::string& uid);
  /// Drops the assumed pods older than the TTL; returns how many.
  size_t ExpireAssumed(Clock::time_point now = Clock::now());
  size_t assumed_count() const;
  /// node name → "namespace/name" of the pods assumed there (for /explain).
  std::map<std::string, std::vector<std::string>> AssumedByNode() const;

 private:
  struct Assumed {
    std::shared_ptr<const Pod> pod;
    Clock::time_point at;
  };
  std::shared_ptr<const Snapshot> Rebuild() const;  // base + assumed; mu_ held

  const std::chrono::seconds assume_ttl_;
  mutable std::mutex mu_;  // guards base_ and assumed_, serialises publishing
  std::shared_ptr<const Snapshot> base_;
  std::map<std::string, Assumed> assumed_;  // by UID
  Published<Snapshot> snapshot_;
  GpuChooser choose_gpus_;
};

}  // namespace nbsched::state
