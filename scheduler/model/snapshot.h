#pragma once

/// One immutable view of the cluster: nodes with their pods, and the controller objects that
/// SelectorSpreadPriority reads. Built by SnapshotBuilder; shared by request threads as
/// `shared_ptr<const Snapshot>` with no locking.

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
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

/// Node name → position, for the per-request name resolution (thousands of lookups per
/// request): open addressing with linear probing over 8-byte slots {hash tag, position} (64 KB
/// at 5,000 nodes: the random accesses stay in cache), the names' characters side by side in one
/// buffer addressed by position, so a lookup touches compact arrays and never a Node. A copy
/// (Snapshot::WithNodeInfo, on every bind) is one memcpy of the slots; the names are shared (the
/// names of a snapshot's positions never change). Built once, by SnapshotBuilder: Insert is not
/// for an index that has been copied.
class NodeNameIndex {
 public:
  static constexpr size_t kNotFound = static_cast<size_t>(-1);
  /// Adds `name` → `position` unless the name is already there; returns whether it was added.
  bool Insert(std::string_view name, size_t position);
  size_t Find(std::string_view name) const;
  bool contains(std::string_view name) const { return Find(name) != kNotFound; }
  /// The name at `position` (which must be a position of this index).
  std::string_view NameAt(size_t position) const {
    const auto [offset, size] = names_->at[position];
    return {names_->chars.data() + offset, size};
  }
  /// Find for each name (`out` resized to names.size()). Hashes a few names ahead and prefetches
  /// their slots, so that one request's thousands of lookups overlap their cache misses.
  void FindAll(std::span<const std::string> names, std::vector<size_t>& out) const;

 private:
  struct Slot {
    uint32_t tag = 0;  // the hash's upper half
    uint32_t position = kEmpty;
  };
  struct Names {
    std::string chars;
    std::vector<std::pair<uint32_t, uint32_t>> at;  // per position: {offset, size} in chars
  };
  static constexpr uint32_t kEmpty = static_cast<uint32_t>(-1);
  size_t SlotOf(std::string_view name, uint64_t hash) const;  // its slot or the empty one
  void Grow();
  std::vector<Slot> slots_;
  std::shared_ptr<Names> names_ = std::make_shared<Names>();
  size_t size_ = 0;
};

/// The facts the default plugins read for every node, copied out of its NodeInfo (the owner)
/// when a snapshot is built, so that a request scans one contiguous table in position order
/// instead of chasing each NodeInfo and its separate arrays (a cache miss or more per node).
struct NodeRow {
  static constexpr uint16_t kNoTaintIndex = static_cast<uint16_t>(-1);
  const NodeInfo* info = nullptr;         // the owner: everything the row does not carry
  const TaintSet* taints = nullptr;       // info->taints(), null when the node has no taint
  const uint64_t* label_pairs = nullptr;  // info->label_ids().pairs(), maybe a snapshot's copy
  uint32_t label_count = 0;
  /// Index of `taints` in Snapshot::taint_sets(), kNoTaintIndex when untainted or not there
  /// (a request-supplied node): plugins then judge the TaintSet itself.
  uint16_t taint_index = kNoTaintIndex;
  NodeFlags flags;
  int64_t pod_count = 0;
  int64_t allowed_pods = 0;  // allocatable
  CpuMemory allocatable;
  int64_t allocatable_ephemeral_storage = 0;
  CpuMemory requested;  // info->requested()
  int64_t requested_ephemeral_storage = 0;
  CpuMemory non_zero_requested;  // info->non_zero_requested()

  std::span<const uint64_t> labels() const { return {label_pairs, label_count}; }
  /// The row of `info` (label pairs and TaintSet pointing into it; taint_index unset).
  static NodeRow Of(const NodeInfo& info);
};

class Snapshot {
 public:
  /// Rows per chunk of the node table: a bind copies one chunk, not the table.
  static constexpr size_t kRowsPerChunk = 256;
  /// The table row of nodes()[position].
  const NodeRow& row(size_t position) const {
    return chunks_[position / kRowsPerChunk]->rows[position % kRowsPerChunk];
  }
  /// The distinct TaintSets of the nodes (NodeRow::taint_index), in first-seen order: plugins
  /// judge a pod's tolerations once per set, not once per node.
  const std::vector<const TaintSet*>& taint_sets() const { return taint_sets_->sets; }
  /// NodeRow::taint_index for `set` in this snapshot (kNoTaintIndex when absent or null).
  uint16_t TaintIndexOf(const TaintSet* set) const;

  const std::vector<std::shared_ptr<const NodeInfo>>& nodes() const { return nodes_; }
  /// nullptr when no node has that name.
  const NodeInfo* Find(std::string_view name) const;
  /// Position in nodes(), or NodeNameIndex::kNotFound.
  size_t FindPosition(std::string_view name) const { return index_.Find(name); }
  /// nodes()[position]->name(), from the index's compact copy of the names.
  std::string_view NameAt(size_t position) const { return index_.NameAt(position); }
  /// FindPosition of each name, faster than one at a time (NodeNameIndex::FindAll).
  void FindPositions(std::span<const std::string> names, std::vector<size_t>& out) const {
    index_.FindAll(names, out);
  }
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
  struct Chunk {
    std::vector<NodeRow> rows;
  };
  struct TaintSets {
    std::vector<const TaintSet*> sets;
    std::vector<std::shared_ptr<const TaintSet>> owners;  // keeps added sets alive
  };
  // The row of nodes_[position] (rebuilt on a bind), its chunk copied.
  void SetRow(size_t position, const NodeInfo& info);
  std::vector<std::shared_ptr<const Chunk>> chunks_;
  std::shared_ptr<const TaintSets> taint_sets_ = std::make_shared<const TaintSets>();
  std::shared_ptr<const uint64_t[]> label_pairs_;  // the rows' labels, in position order
  std::vector<std::shared_ptr<const NodeInfo>> nodes_;
  NodeNameIndex index_;  // views into nodes_' names
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
