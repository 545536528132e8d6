#pragma once

/// One immutable view of the cluster: nodes with their pods, and the controller objects that
/// SelectorSpreadPriority reads. Built by SnapshotBuilder; shared by request threads as
/// `shared_ptr<const Snapshot>` with no locking.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "scheduler/model/node_info.h"

namespace nbsched {

/// A Service, ReplicationController, ReplicaSet or StatefulSet reduced to its pod selector.
struct WorkloadSelector {
  enum class Kind { kService, kReplicationController, kReplicaSet, kStatefulSet };
  Kind kind = Kind::kService;
  std::string namespace_;
  std::string name;
  /// Services and RCs: a map selector (empty map: selects nothing for a Service).
  Labels map_selector;
  /// ReplicaSets and StatefulSets: a LabelSelector.
  LabelSelector label_selector;
};

class Snapshot {
 public:
  const std::vector<std::shared_ptr<const NodeInfo>>& nodes() const { return nodes_; }
  /// nullptr when no node has that name.
  const NodeInfo* Find(std::string_view name) const;
  std::shared_ptr<const NodeInfo> FindShared(std::string_view name) const;
  const std::vector<WorkloadSelector>& workloads() const { return workloads_; }
  /// Pods on some node that have required or preferred pod (anti-)affinity terms.
  const std::vector<std::shared_ptr<const Pod>>& pods_with_affinity() const {
    return pods_with_affinity_;
  }
  size_t pod_count() const { return pod_count_; }

  /// A copy sharing every NodeInfo but the one named like `replacement` (which must exist):
  /// O(nodes) pointer copies, no NodeInfo rebuilt. Used by the assume cache on every bind.
  std::shared_ptr<const Snapshot> WithNodeInfo(std::shared_ptr<const NodeInfo> replacement) const;

 private:
  friend class SnapshotBuilder;
  std::vector<std::shared_ptr<const NodeInfo>> nodes_;
  std::unordered_map<std::string_view, size_t> index_;  // views into nodes_' names
  std::vector<WorkloadSelector> workloads_;
  std::vector<std::shared_ptr<const Pod>> pods_with_affinity_;
  size_t pod_count_ = 0;
};

/// Collects objects and builds a Snapshot. Pods whose phase is Succeeded/Failed, that have no
/// nodeName, or whose node is unknown, do not count on any node. Not thread-safe.
class SnapshotBuilder {
 public:
  SnapshotBuilder() = default;
  /// Starts from an existing snapshot (its nodes, pods and workloads).
  explicit SnapshotBuilder(const Snapshot& base);

  void AddNode(std::shared_ptr<const Node> node);
  void AddPod(std::shared_ptr<const Pod> pod);
  void AddWorkload(WorkloadSelector workload);
  /// Replaces (or adds) a node keeping its pods.
  void ReplaceNode(std::shared_ptr<const Node> node);

  std::shared_ptr<const Snapshot> Build() &&;

 private:
  std::vector<std::shared_ptr<const Node>> nodes_;
  std::unordered_map<std::string, std::vector<std::shared_ptr<const Pod>>> pods_by_node_;
  std::vector<WorkloadSelector> workloads_;
};

}  // namespace nbsched
