// One `nbsched simulate --arrival-scale 1.3` replay of the Alibaba trace (gpu-replay.md §7): one
// policy, one seed, ~10,800 pods on 1,213 nodes, on one core. Target (issue 11): < 2 s for FGD.
//   build/bench/nbsched_bench_simulate --benchmark_filter=Default
// BM_ReplaySample (40 nodes, 200 listed pods) is the ctest smoke run.

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <iostream>
#include <string>

#include "scheduler/config/policy_loader.h"
#include "scheduler/framework/registry.h"
#include "scheduler/simulate/inputs.h"
#include "scheduler/simulate/replay.h"

namespace nbsched::simulate {
namespace {

const std::string kTraceDir = NBSCHED_TRACE_DIR;

const char* const kPriorities[] = {"GPUFragmentationPriority", "LeastRequestedPriority",
                                   "MostRequestedPriority", "GPUAwarePriority"};

std::shared_ptr<const framework::Policy> Policy(int index) {
  const std::string yaml =
      "predicates: [CheckNodeCondition, CheckNodeUnschedulable, PodFitsResources, "
      "MatchNodeSelector, PodToleratesNodeTaints]\npriorities:\n  - {name: " +
      std::string(kPriorities[index]) + ", weight: 1}\n";
  auto policy = config::LoadPolicy(yaml, "bench.yaml", framework::Registry::Default(), 1);
  if (!policy.ok()) {
    std::cerr << policy.status().message() << "\n";
    std::abort();
  }
  return *policy;
}

template <typename T>
T OrDie(absl::StatusOr<T> v) {
  if (!v.ok()) {
    std::cerr << v.status().message() << "\n";
    std::abort();
  }
  return *std::move(v);
}

void Replay(benchmark::State& state, const Cluster& cluster, const Workload& workload) {
  const auto sequence = ArrivalSequence(workload, cluster.gpu_capacity_milli, 1.3, 42);
  RunConfig config;
  config.policy_name = kPriorities[state.range(0)];
  config.policy = SimulationPolicy(*Policy(static_cast<int>(state.range(0))), 42, workload);
  int64_t pods = 0;
  for (auto _ : state) {
    RunResult r = RunReplay(cluster, sequence, config);
    benchmark::DoNotOptimize(r.steps.data());
    pods += r.pods_arrived;
  }
  state.SetLabel(config.policy_name);
  state.SetItemsProcessed(pods);
}

void BM_ReplayDefault(benchmark::State& state) {
  static const Cluster cluster =
      OrDie(LoadCluster(kTraceDir + "/openb_node_list_gpu_node.csv", false));
  static const Workload workload =
      OrDie(LoadWorkload(kTraceDir + "/openb_pod_list_default.csv", false));
  Replay(state, cluster, workload);
}
BENCHMARK(BM_ReplayDefault)->DenseRange(0, 3)->Unit(benchmark::kMillisecond)->Iterations(3);

void BM_ReplaySample(benchmark::State& state) {
  static const Cluster cluster = [] {
    Cluster c = OrDie(LoadCluster(kTraceDir + "/openb_node_list_gpu_node.csv", false));
    c.nodes.resize(40);
    c.gpu_capacity_milli = 0;
    for (const auto& n : c.nodes)
      c.gpu_capacity_milli += 1000 * n->allocatable.scalars.Get("nvidia.com/gpu");
    return c;
  }();
  static const Workload workload = [] {
    Workload w = OrDie(LoadWorkload(kTraceDir + "/openb_pod_list_default.csv", false));
    w.pods.resize(200);
    return w;
  }();
  Replay(state, cluster, workload);
}
BENCHMARK(BM_ReplaySample)->DenseRange(0, 3)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace nbsched::simulate

BENCHMARK_MAIN();
