#pragma once

/// One simulated run: a policy and a seed over a pod sequence, decided by the framework runner
/// (framework::Schedule with best-in-filter, ties by TieBreakRank(seed, node name)) and the
/// policy's own plugins, with placements assumed like /bind does (NodeInfo::WithPod,
/// Snapshot::WithNodeInfo). Produces the CSV rows of interfaces.md §8.
///
/// Speed without a second implementation of any filter or score: the runner only sees
///  * nodes that can pass PodFitsResources (when the policy has it): a cheap necessary check of
///    its cpu / memory / pod-count / per-GPU conditions, so the runner's verdict is unchanged;
///  * one node per class of identical nodes (same Node object content but the name, same pods'
///    requests and per-GPU free shares), the one with the lowest tie-break rank: identical nodes
///    get identical filter results and scores, so only that one could win. Used only when every
///    plugin of the policy depends on a node through that content alone and normalises by max
///    (not SelectorSpreadPriority), and no pod has pod (anti-)affinity.
/// Not thread-safe per object; independent runs may go in parallel.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "priorities/gpu_fragmentation_priority.h"
#include "scheduler/framework/policy.h"
#include "scheduler/simulate/inputs.h"

namespace nbsched::simulate {

/// SplitMix64: a hand-written PRNG so that a seed gives the same run with every standard library
/// (std::shuffle and the std distributions differ between them).
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  /// Uniform in [0, n), unbiased (rejection of the top partial range); n > 0.
  uint64_t Uniform(uint64_t n) {
    const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t r = Next();
    while (r >= limit) r = Next();
    return r % n;
  }

 private:
  uint64_t state_;
};

/// gpu-replay.md §7 steps 1, 3 and 4: sort by name, Fisher–Yates shuffle with Rng(seed), then
/// append copies (`<name>-tuned-<i>`) drawn uniformly with replacement from the name-sorted list
/// until the next one would take the arrived GPU demand above scale · capacity.
std::vector<SimPod> ArrivalSequence(const Workload& workload, int64_t capacity_milli, double scale,
                                    uint64_t seed);

/// Default mode: the workload in order; with arrival times, stably sorted by arrival (a pod
/// without one arrives with the pod before it).
std::vector<SimPod> InOrderSequence(const Workload& workload);

/// M of the workload's original list (gpu-replay.md §3).
std::shared_ptr<const priorities::TargetWorkload> WorkloadTarget(const Workload& workload,
                                                                 double coverage = 0.95);

/// The policy as the simulator runs it: best-in-filter, tieBreak seed = the run's seed, and each
/// GPUFragmentationPriority without an M of its own given the workload's M.
std::shared_ptr<const framework::Policy> SimulationPolicy(const framework::Policy& policy,
                                                          uint64_t seed, const Workload& workload);

/// Called before each placement decision with the state the runner saw (tests compare it with
/// the server's path).
using StepObserver =
    std::function<void(const Snapshot& before, const Pod& pod, const std::string& chosen_node)>;

struct RunConfig {
  std::string policy_name;
  std::shared_ptr<const framework::Policy> policy;  // from SimulationPolicy
  uint64_t seed = 0;
  bool churn = false;     // delete pods after their duration (default mode)
  bool per_node = false;  // write nodes.csv rows
  const priorities::TargetWorkload* frag_target = nullptr;  // M for frag_gpu_pct
  std::atomic<int64_t>* progress = nullptr;                 // += 1 per arrival
  StepObserver observer;
  bool use_classes = true;  // the class shortcut (off: every node that may fit)
};

struct RunResult {
  std::string steps;    // steps.csv rows
  std::string nodes;    // nodes.csv rows
  std::string grid;     // one alloc_grid.csv row
  std::string summary;  // one summary.csv row
  int64_t pods_arrived = 0;
  int64_t pods_placed = 0;
  int64_t failed[3] = {0, 0, 0};  // by PodClass
  double seconds = 0;
};

RunResult RunReplay(const Cluster& cluster, const std::vector<SimPod>& sequence,
                    const RunConfig& config);

/// alloc_grid.csv's 131 cells from the steps' (arrived %, alloc %) (gpu-replay.md §8); NaN =
/// empty.
std::vector<double> AllocGrid(const std::vector<std::pair<double, double>>& steps);

inline constexpr std::string_view kStepsHeader =
    "policy,seed,step,pod,node,placed,cpu_milli,memory_mib,gpu_milli,arrived_gpu_pct,"
    "alloc_gpu_pct";
inline constexpr std::string_view kNodesHeader =
    "policy,seed,step,node,cpu_frac,memory_frac,gpu_frac,cpu_used_frac,memory_used_frac,"
    "cpu_limit_frac,memory_limit_frac";
inline constexpr std::string_view kSummaryHeader =
    "policy,seed,pods_arrived,pods_placed,pods_failed,gpu_pods_failed,arrived_gpu_pct,"
    "alloc_gpu_pct,alloc_gpu_pct_at_first_gpu_failure,frag_gpu_pct,cpu_only_failed,"
    "sharing_failed,whole_failed,time_avg_alloc_gpu_pct";
/// "policy,seed,total_gpu_milli,0,1,...,130".
std::string GridHeader();

}  // namespace nbsched::simulate
