#pragma once

/// The parts of a v1.Pod that scheduling reads, decoded once (scheduler/codec) and then immutable.
/// `Finalize()` computes the derived request totals; every decoder calls it before sharing the
/// pod. Shared across threads as `shared_ptr<const Pod>`.

#include <concepts>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "scheduler/model/resources.h"
#include "scheduler/model/selectors.h"

namespace nbsched {

/// A field that a request's pod uses and a bound pod in the live cache (CompactBoundPod) does
/// not: one pointer, null until the field is written, so a pod that lacks it costs 8 bytes
/// where the value type costs 24 to 64. Reads of a null box see an empty T; it reads and writes
/// like the T (its container and optional members forward), and copies deep-copy.
template <typename T>
class Boxed {
 public:
  Boxed() = default;
  Boxed(const Boxed& other) : value_(other.value_ ? std::make_unique<T>(*other.value_) : nullptr) {}
  Boxed(Boxed&&) noexcept = default;
  Boxed& operator=(const Boxed& other) {
    if (this != &other) value_ = other.value_ ? std::make_unique<T>(*other.value_) : nullptr;
    return *this;
  }
  Boxed& operator=(Boxed&&) noexcept = default;
  ~Boxed() = default;
  template <typename U>
  requires(!std::same_as<std::remove_cvref_t<U>, Boxed> && std::constructible_from<T, U&&>)
      Boxed(U&& value)  // NOLINT: implicit, as the T it replaces
      : value_(std::make_unique<T>(std::forward<U>(value))) {}
  Boxed& operator=(T value) {
    mut() = std::move(value);
    return *this;
  }
  template <typename U>
  requires(!std::same_as<std::remove_cvref_t<U>, Boxed> &&
           !std::same_as<std::remove_cvref_t<U>, T> && std::assignable_from<T&, U&&>) Boxed&
  operator=(U&& value) {
    mut() = std::forward<U>(value);
    return *this;
  }

  const T& get() const { return value_ ? *value_ : Empty(); }
  T& mut() {
    if (!value_) value_ = std::make_unique<T>();
    return *value_;
  }
  operator const T&() const { return get(); }  // NOLINT: reads as the T
  operator std::string_view() const            // NOLINT: as std::string's own conversion
      requires std::same_as<T, std::string> {
    return get();
  }

  // Containers.
  // (Constrained, so that type traits probing for a range see none on a boxed optional.)
  auto begin() const requires requires(const T& t) { t.begin(); }
  { return get().begin(); }
  auto end() const requires requires(const T& t) { t.end(); }
  { return get().end(); }
  auto begin() requires requires(T& t) { t.begin(); }
  { return value_ ? value_->begin() : decltype(value_->begin())(); }
  auto end() requires requires(T& t) { t.end(); }
  { return value_ ? value_->end() : decltype(value_->end())(); }
  size_t size() const { return get().size(); }
  bool empty() const { return get().empty(); }
  decltype(auto) operator[](size_t i) const { return get()[i]; }
  decltype(auto) operator[](size_t i) { return mut()[i]; }
  template <typename K>
  decltype(auto) operator[](const K& key) {
    return mut()[key];
  }
  template <typename K>
  decltype(auto) at(const K& key) const {
    return get().at(key);
  }
  template <typename K>
  auto find(const K& key) const {
    return get().find(key);
  }
  template <typename K>
  bool contains(const K& key) const {
    return get().contains(key);
  }
  decltype(auto) front() const { return get().front(); }
  decltype(auto) back() const { return get().back(); }
  decltype(auto) back() { return mut().back(); }
  template <typename U = T>
  void push_back(typename U::value_type value) {
    mut().push_back(std::move(value));
  }
  template <typename... A>
  decltype(auto) emplace_back(A&&... a) {
    return mut().emplace_back(std::forward<A>(a)...);
  }
  template <typename... A>
  decltype(auto) emplace(A&&... a) {
    return mut().emplace(std::forward<A>(a)...);
  }
  template <typename... A>
  decltype(auto) try_emplace(A&&... a) {
    return mut().try_emplace(std::forward<A>(a)...);
  }
  void reserve(size_t n) { mut().reserve(n); }
  void clear() { value_.reset(); }
  // Optionals.
  bool has_value() const { return get().has_value(); }
  explicit operator bool() const { return get().has_value(); }
  decltype(auto) operator*() const { return *get(); }
  decltype(auto) operator*() { return *mut(); }
  auto operator->() const { return get().operator->(); }
  auto operator->() { return mut().operator->(); }
  decltype(auto) value() const { return get().value(); }
  void reset() { value_.reset(); }

  friend bool operator==(const Boxed& a, const Boxed& b) { return a.get() == b.get(); }
  template <typename U>
  requires(!std::same_as<std::remove_cvref_t<U>, Boxed>) friend bool operator==(const Boxed& a,
                                                                                const U& b) {
    return a.get() == b;
  }

 private:
  static const T& Empty() {
    static const T empty{};
    return empty;
  }
  std::unique_ptr<T> value_;
};

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

struct PodAffinity {  // used for both podAffinity and podAntiAffinity (Boxed: most pods have none)
  Boxed<std::vector<PodAffinityTerm>> required;
  Boxed<std::vector<WeightedPodAffinityTerm>> preferred;
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

/// The fields only a request's pod reads (or only some bound pods keep) are Boxed: one pointer,
/// null when absent, so that the live cache's bound pods (CompactBoundPod) do not carry them
/// inline. Labels of bound pods are in PodLabels' compact form.
struct Pod {
  std::string name;
  std::string namespace_;
  std::string uid;
  /// metadata.resourceVersion: changes with every update of the pod object.
  Boxed<std::string> resource_version;
  PodLabels labels;
  Boxed<Labels> annotations;
  Boxed<std::vector<OwnerReference>> owner_references;

  std::string node_name;
  Boxed<std::string> scheduler_name;
  Boxed<std::vector<Container>> containers;
  Boxed<std::vector<Container>> init_containers;
  Boxed<ResourceList> overhead;
  Boxed<Labels> node_selector;
  Boxed<std::optional<NodeAffinity>> node_affinity;
  PodAffinity pod_affinity;
  PodAffinity pod_anti_affinity;
  Boxed<std::vector<Toleration>> tolerations;
  Boxed<std::vector<Volume>> volumes;

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
///   kept: name, namespace_, uid, labels (PodLabels' compact form), deleting, node_name, phase,
///     pod_affinity, pod_anti_affinity, has_topology_spread_constraints, every derived field
///     (request, non_zero_request, legacy_non_zero_request, expected_usage and its flags, limits);
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
