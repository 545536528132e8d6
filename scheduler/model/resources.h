#pragma once

/// Resource amounts as the scheduler counts them: cpu in millicores, everything else in units
/// (bytes, pods, devices). `ResourceList` is what an object spells out (name → exact Quantity);
/// `Resources` is the rounded, integer form that filters and scores compare. Value types.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "scheduler/model/flat_map.h"
#include "scheduler/model/quantity.h"

namespace nbsched {

inline constexpr std::string_view kResourceCpu = "cpu";
inline constexpr std::string_view kResourceMemory = "memory";
inline constexpr std::string_view kResourceEphemeralStorage = "ephemeral-storage";
inline constexpr std::string_view kResourcePods = "pods";
inline constexpr std::string_view kResourceNvidiaGpu = "nvidia.com/gpu";
/// Fractional GPU share in thousandths of one GPU (interfaces.md §9).
inline constexpr std::string_view kResourceGpuMilli = "nbsched.io/gpu-milli";

/// Defaults for absent cpu/memory requests, used only by the Fit scoring strategies.
inline constexpr int64_t kDefaultMilliCpuRequest = 100;
inline constexpr int64_t kDefaultMemoryRequest = 200 * 1024 * 1024;

/// name → quantity, as written in a container's `requests`/`limits` or a node's `allocatable`.
using ResourceList = FlatMap<Quantity>;

/// Upstream IsExtendedResourceName: a domain-qualified name outside `*kubernetes.io/`, not
/// starting with `requests.`.
bool IsExtendedResourceName(std::string_view name);
/// Upstream IsScalarResourceName: extended, hugepages-*, *kubernetes.io/* or attachable-volumes-*.
bool IsScalarResourceName(std::string_view name);

/// Sorted (by name) small map of scalar resources; iteration order is the name order, which is
/// also the order nbsched reports `Insufficient <name>` reasons in.
class ScalarResources {
 public:
  int64_t Get(std::string_view name) const { return items_.empty() ? 0 : Find(name); }
  void Set(std::string_view name, int64_t value);
  void Add(std::string_view name, int64_t value);  // saturating
  bool empty() const { return items_.empty(); }
  auto begin() const { return items_.begin(); }
  auto end() const { return items_.end(); }
  friend bool operator==(const ScalarResources&, const ScalarResources&) = default;

 private:
  int64_t Find(std::string_view name) const;  // most nodes and pods have no scalar at all
  std::vector<std::pair<std::string, int64_t>> items_;
};

struct Resources {
  int64_t milli_cpu = 0;
  int64_t memory = 0;
  int64_t ephemeral_storage = 0;
  int64_t allowed_pods = 0;  // only meaningful for allocatable
  ScalarResources scalars;

  /// Rounds an exact list: cpu by MilliValue, the rest by Value; names that are neither native
  /// (cpu, memory, ephemeral-storage, pods) nor scalar are ignored, as upstream does.
  static Resources FromList(const ResourceList& list);

  /// Amount of any resource by its Kubernetes name (cpu in millicores).
  int64_t Get(std::string_view name) const;
  void Add(const Resources& other);  // saturating, allowed_pods included
  friend bool operator==(const Resources&, const Resources&) = default;
};

/// CPU (millicores) and memory (bytes) only: what usage samples, expected usage and limit sums
/// count (interfaces.md §11).
struct CpuMemory {
  int64_t milli_cpu = 0;
  int64_t memory = 0;
  void Add(const CpuMemory& other);  // saturating
  friend bool operator==(const CpuMemory&, const CpuMemory&) = default;
};

/// Saturating int64 addition: node sums never wrap, whatever the input.
int64_t SaturatingAdd(int64_t a, int64_t b);

}  // namespace nbsched
