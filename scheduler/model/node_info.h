#pragma once

/// A node together with the pods that run on it and the aggregates filters and scores read
/// (upstream framework.NodeInfo). Built once per snapshot change, then immutable and shared by
/// request threads without locks.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "scheduler/model/gpu.h"
#include "scheduler/model/label_ids.h"
#include "scheduler/model/node.h"
#include "scheduler/model/pod.h"
#include "scheduler/model/status.h"

namespace nbsched {

/// A host port in use: normalised protocol ("TCP" when empty) and IP ("0.0.0.0" when empty).
struct HostPort {
  std::string ip;
  std::string protocol;
  int32_t port = 0;
  friend bool operator==(const HostPort&, const HostPort&) = default;
};

/// Facts about the Node object that the per-node filter loop reads, computed once when the
/// NodeInfo is built so that the common case never leaves the NodeInfo (one request visits every
/// node: chasing the Node's condition, taint and label containers costs cache misses per node).
struct NodeFlags {
  bool not_ready = true;             // no Ready condition, or Ready != "True" (CheckNodeCondition)
  bool network_unavailable = false;  // NetworkUnavailable present and != "False"
  bool memory_pressure = false;      // first MemoryPressure condition == "True"
  bool disk_pressure = false;        // first DiskPressure condition == "True"
  bool pid_pressure = false;         // first PIDPressure condition == "True"
  bool unschedulable = false;        // spec.unschedulable
  bool has_taints = false;           // any taint at all (PodToleratesNodeTaints, TaintToleration)
  /// None of the above: ready, reachable, no pressure, schedulable, untainted (most nodes).
  /// Predicates that reject only for one of these facts (FilterPlugin::PassesCleanNodes) are not
  /// called on such a node.
  bool clean = false;
  static NodeFlags Of(const Node& node);
};

/// A node's taints with PodToleratesNodeTaints' failure for each, built once. NodeInfos whose
/// Nodes carry equal taints share one TaintSet, interned process-wide (InternTaints): the
/// hundreds of nodes of a tainted GPU pool point at one object that stays in cache, instead of
/// each at its own strings.
struct TaintSet {
  std::vector<Taint> taints;
  /// Parallel to `taints`: "node(s) had untolerated taint {key: value}" for NoSchedule and
  /// NoExecute (UnschedulableAndUnresolvable), Success for the soft PreferNoSchedule.
  std::vector<Status> failures;
};

/// The shared TaintSet equal to `taints` (same key, value and effect, in the same order); null
/// when `taints` is empty. Thread-safe.
std::shared_ptr<const TaintSet> InternTaints(const std::vector<Taint>& taints);

class NodeInfo {
 public:
  NodeInfo(std::shared_ptr<const Node> node, std::vector<std::shared_ptr<const Pod>> pods);
  /// As above with the node's labels already interned: `label_ids` is LabelIds::Of(node->labels).
  NodeInfo(std::shared_ptr<const Node> node, std::vector<std::shared_ptr<const Pod>> pods,
           LabelIds label_ids);

  // Hot accessors first: everything below up to node() is stored inside the NodeInfo.
  const NodeFlags& flags() const { return flags_; }
  /// The node's labels as ids (node().labels interned), for selectors compiled per request.
  const LabelIds& label_ids() const { return label_ids_; }
  /// The node's rounded allocatable (a copy of Node::allocatable kept next to the sums).
  const Resources& allocatable() const { return allocatable_; }
  int64_t pod_count() const { return static_cast<int64_t>(pods_.size()); }

  const Node& node() const { return *node_; }
  const std::shared_ptr<const Node>& node_ptr() const { return node_; }
  const std::string& name() const { return node_->name; }
  const std::vector<std::shared_ptr<const Pod>>& pods() const { return pods_; }

  /// Σ effective requests of the pods (Fit filter, BalancedAllocation).
  const Resources& requested() const { return requested_; }
  /// Σ requests with cpu/memory defaults (Fit scoring strategies).
  const Resources& non_zero_requested() const { return non_zero_requested_; }
  /// Σ 1.13-style requests (regular containers, each rounded, defaults) for legacy forms.
  const Resources& legacy_non_zero_requested() const { return legacy_non_zero_requested_; }
  /// Σ the pods' expected usage (Pod::expected_usage: annotations, else requests): a node's
  /// usage where no fresh sample is known (interfaces.md §11).
  const CpuMemory& expected_usage() const { return expected_usage_; }
  /// Σ the pods' cpu and memory limits (Pod::limits: a container without a limit counts its
  /// request), for OvercommitRiskPriority.
  const CpuMemory& limits() const { return limits_; }
  /// Host ports used by the regular containers of the pods.
  const std::vector<HostPort>& used_ports() const { return used_ports_; }
  /// Per-GPU free shares after the pods' GPUs (interfaces.md §9).
  const GpuSlots& gpus() const { return gpus_; }
  /// The node's taints (equal to node().taints), shared with every node tainted alike.
  const TaintSet& taints() const;
  /// The shared TaintSet itself, null when the node has no taint.
  const std::shared_ptr<const TaintSet>& taints_ptr() const { return taints_; }
  /// The node's GPU model (label nvidia.com/gpu.product), empty when unlabelled.
  std::string_view gpu_model() const;

  /// A copy of this node with one more pod (assumed binding) or with a different Node object.
  std::shared_ptr<const NodeInfo> WithPod(std::shared_ptr<const Pod> pod) const;
  std::shared_ptr<const NodeInfo> WithNode(std::shared_ptr<const Node> node) const;

 private:
  // Field order: what the default plugins read for every node sits in the first cache lines.
  NodeFlags flags_;
  LabelIds label_ids_;
  std::vector<std::shared_ptr<const Pod>> pods_;
  Resources allocatable_;
  Resources requested_;
  Resources non_zero_requested_;
  Resources legacy_non_zero_requested_;
  std::vector<HostPort> used_ports_;
  GpuSlots gpus_;
  std::shared_ptr<const TaintSet> taints_;  // null when the node has no taint
  std::shared_ptr<const Node> node_;
  // Read only by the usage- and limits-aware priorities: after what every request reads.
  CpuMemory expected_usage_;
  CpuMemory limits_;
};

/// Host ports a pod asks for (regular containers, hostPort > 0), normalised.
std::vector<HostPort> PodHostPorts(const Pod& pod);

}  // namespace nbsched
