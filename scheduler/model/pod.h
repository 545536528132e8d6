#pragma once

/// The parts of a v1.Pod that scheduling reads, decoded once (scheduler/codec) and then immutable.
/// `Finalize()` computes the derived request totals; every decoder calls it before sharing the
/// pod. Shared across threads as `shared_ptr<const Pod>`.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scheduler/model/resources.h"
#include "scheduler/model/selectors.h"

namespace nbsched {

struct ContainerPort {
  int32_t container_port = 0;
  int32_t host_port = 0;
  std::string protocol;  // "" means TCP
  std::string host_ip;   // "" means 0.0.0.0
};

struct Container {
  std::string name;
  ResourceList requests;
  ResourceList limits;
  std::vector<ContainerPort> ports;
  bool restartable = false;  // init container with restartPolicy: Always (a sidecar)
};

struct PodAffinityTerm {
  LabelSelector label_selector;  // `nothing` when the term has no labelSelector
  std::vector<std::string> namespaces;
  std::optional<LabelSelector> namespace_selector;
  std::string topology_key;
};

struct WeightedPodAffinityTerm {
  int32_t weight = 0;
  PodAffinityTerm term;
};

struct PodAffinity {  // used for both podAffinity and podAntiAffinity
  std::vector<PodAffinityTerm> required;
  std::vector<WeightedPodAffinityTerm> preferred;
  bool empty() const { return required.empty() && preferred.empty(); }
};

/// The volume sources NoDiskConflict compares; other volume kinds only carry a name.
struct Volume {
  enum class Kind { kOther, kGcePersistentDisk, kAwsElasticBlockStore, kIscsi, kRbd };
  std::string name;
  Kind kind = Kind::kOther;
  std::string id;  // GCE pdName, AWS volumeID, iSCSI iqn, RBD image
  bool read_only = false;
  std::vector<std::string> rbd_monitors;
  std::string rbd_pool;
};

struct OwnerReference {
  std::string api_version;
  std::string kind;
  std::string name;
  std::string uid;
  bool controller = false;
};

struct Pod {
  std::string name;
  std::string namespace_;
  std::string uid;
  /// metadata.resourceVersion: changes with every update of the pod object.
  std::string resource_version;
  Labels labels;
  Labels annotations;
  std::vector<OwnerReference> owner_references;

  std::string node_name;
  std::string scheduler_name;
  std::vector<Container> containers;
  std::vector<Container> init_containers;
  ResourceList overhead;
  Labels node_selector;
  std::optional<NodeAffinity> node_affinity;
  PodAffinity pod_affinity;
  PodAffinity pod_anti_affinity;
  std::vector<Toleration> tolerations;
  std::vector<Volume> volumes;

  std::string phase;  // Pending, Running, Succeeded, Failed, Unknown

  // ---- derived by Finalize() ----
  /// Effective request (kubernetes-semantics.md §2): exact sums, rounded once per resource.
  Resources request;
  /// The same with absent cpu/memory filled with 100m / 200Mi per container (Fit scoring).
  Resources non_zero_request;
  /// 1.13's request for legacy scoring: regular containers only, each rounded, defaults filled.
  Resources legacy_non_zero_request;

  /// Expected steady usage (interfaces.md §11): the annotations kUsageCpuAnnotation /
  /// kUsageMemoryAnnotation where present and valid, else `request`'s cpu / memory (each
  /// resource on its own). What a node without a fresh usage sample counts for the pod.
  CpuMemory expected_usage;
  /// Effective limits, cpu and memory, computed like `request` (kubernetes-semantics.md §2) with
  /// each container's limit, or its request where it sets no limit (Trimaran's rule: a limit
  /// is never below the request; see README "Usage- and limits-aware priorities").
  CpuMemory limits;
  /// Which of expected_usage's two values came from an annotation (bit 0 cpu, bit 1 memory).
  uint8_t usage_annotated = 0;
  /// An annotation was present but not a non-negative integer (ignored: the request counts).
  bool usage_annotation_invalid = false;

  // The small fields together at the end (no padding after each; the live cache holds 50,000
  // pods): metadata.deletionTimestamp set; spec.topologySpreadConstraints non-empty.
  bool deleting = false;
  bool has_topology_spread_constraints = false;

  /// "namespace/name".
  std::string Key() const { return namespace_ + "/" + name; }
  /// Phase is neither Succeeded nor Failed.
  bool IsActive() const { return phase != "Succeeded" && phase != "Failed"; }

  /// Computes the derived fields; also copies limits of extended resources into absent requests
  /// (device plugins' rule; the API server does that for native resources already).
  void Finalize();
};

/// interfaces.md §11: a pod's expected usage, whole millicores / mebibytes (decimal digits).
inline constexpr std::string_view kUsageCpuAnnotation = "nbsched.io/usage-cpu-milli";
inline constexpr std::string_view kUsageMemoryAnnotation = "nbsched.io/usage-memory-mib";

/// Parses an expected-usage annotation value: decimal digits only, at most 12 of them (10^12 MiB
/// is far beyond any node and still fits int64 in bytes); nullopt otherwise.
std::optional<int64_t> ParseUsageAnnotation(std::string_view text);

/// The pod as the live cache keeps it once it is bound to a node (an existing pod: it is never
/// the pod of a request, and /bind finds it already bound). Keeps what plugins and the state
/// machinery read of existing pods, and drops the rest:
///   kept: name, namespace_, uid, labels, deleting, node_name, phase, pod_affinity,
///     pod_anti_affinity, has_topology_spread_constraints, every derived field (request,
///     non_zero_request, legacy_non_zero_request, expected_usage and its flags, limits);
///     annotations: only kGpuIndexAnnotation (GPU accounting); containers: only those with a
///     hostPort, each reduced to its hostPort ports (PodHostPorts); volumes: only the kinds
///     NoDiskConflict compares; node_selector and node_affinity of pods that request a scalar
///     resource (the GPU fragmentation score reads their GPU model).
///   dropped: resource_version, owner_references, scheduler_name, init_containers, overhead,
///     tolerations, the other annotations, container names, requests and limits (already summed
///     into the derived fields), other ports and volumes.
/// Strings and vectors are allocated at their exact size. Finalize() must not be called again on
/// the result (the containers' requests are gone).
Pod CompactBoundPod(const Pod& pod);

/// Effective request of the pod as exact quantities (before rounding), with optional defaults
/// for absent cpu/memory keys of each container.
ResourceList EffectiveRequestList(const Pod& pod, bool fill_defaults);

}  // namespace nbsched
