#pragma once

/// The simulator's inputs (interfaces.md §8): a cluster (a snapshot List JSON, or a node CSV in
/// the Alibaba trace format, told apart by the file's first byte), and a workload (a Pod List
/// JSON with optional `nbsched.io/arrival-seconds` / `nbsched.io/duration-seconds` annotations,
/// or a trace pod CSV). Trace rows become Kubernetes objects as interfaces.md §9 says. Errors are
/// InvalidArgument naming the file and line. Plain functions; thread-safe.

#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "scheduler/model/node.h"
#include "scheduler/model/pod.h"
#include "scheduler/model/snapshot.h"

namespace nbsched::simulate {

inline constexpr std::string_view kArrivalAnnotation = "nbsched.io/arrival-seconds";
inline constexpr std::string_view kDurationAnnotation = "nbsched.io/duration-seconds";
/// gpu-replay.md §1 [A]: the trace's nodes have no pod-count limit; 1001 pods each.
inline constexpr int64_t kTraceNodeMaxPods = 1001;

/// gpu-replay.md §1's classes.
enum class PodClass { kCpuOnly, kSharing, kWhole };

struct SimPod {
  std::shared_ptr<const Pod> pod;  // finalized; no nodeName
  PodClass pod_class = PodClass::kCpuOnly;
  int64_t gpu_milli = 0;  // d = num_gpu · gpu_milli
  double arrival = -1;    // seconds; < 0 when not given
  double duration = -1;   // seconds; < 0 = never deleted
};

struct Workload {
  std::string path;
  std::vector<SimPod> pods;  // in file order
  int64_t skipped_rows = 0;
};

struct Cluster {
  std::vector<std::shared_ptr<const Node>> nodes;
  std::vector<std::shared_ptr<const Pod>> running;  // pods already bound (snapshot input)
  std::vector<WorkloadSelector> workloads;
  int64_t gpu_capacity_milli = 0;  // C = 1000 · Σ G (allocatable nvidia.com/gpu)
  int64_t skipped_rows = 0;
};

/// `skip_bad_rows`: malformed trace rows are skipped and counted in `skipped_rows` (else the
/// first one is an error naming the file and line).
[[nodiscard]] absl::StatusOr<Cluster> LoadCluster(const std::string& path, bool skip_bad_rows);
[[nodiscard]] absl::StatusOr<Workload> LoadWorkload(const std::string& path, bool skip_bad_rows);

/// A trace pod row as a Kubernetes pod (interfaces.md §9): cpu and memory requests,
/// `nvidia.com/gpu: k` for whole GPUs or `nbsched.io/gpu-milli: m` for a share, `gpu_spec` as
/// required node affinity on `nvidia.com/gpu.product`.
SimPod TracePod(const std::string& name, int64_t milli_cpu, int64_t memory_mib, int64_t num_gpu,
                int64_t gpu_milli, const std::vector<std::string>& models);
/// A trace node row as a Node: allocatable cpu, memory (Mi), pods 1001, `nvidia.com/gpu: G` and
/// `nbsched.io/gpu-milli: 1000·G`, label `nvidia.com/gpu.product`, condition Ready.
std::shared_ptr<const Node> TraceNode(const std::string& name, int64_t milli_cpu,
                                      int64_t memory_mib, int64_t gpus, const std::string& model);

/// Class and GPU demand of any pod (PodGpuDemand).
SimPod Classify(std::shared_ptr<const Pod> pod);

}  // namespace nbsched::simulate
