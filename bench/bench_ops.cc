// Operations costs (issue: ConfigMap reload, metrics):
//  * BM_PolicyReloadLatency: a new policy.yaml renamed into place → the new generation in
//    force (PolicyWatcher's inotify path, settle window included).
//  * BM_Prioritize{WithMetrics,WithoutMetrics}/N: the scheduling core over N cached nodes with
//    and without the per-plugin metrics timer and the request observation.

#include <benchmark/benchmark.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>

#include "scheduler/config/policy_loader.h"
#include "scheduler/framework/registry.h"
#include "scheduler/server/metrics.h"
#include "scheduler/server/policy_watcher.h"
#include "scheduler/server/scheduling_core.h"
#include "tests/testing/builders.h"

namespace nbsched {
namespace {

namespace fs = std::filesystem;

void WriteAtomically(const fs::path& file, const std::string& text) {
  const fs::path tmp = file.string() + ".tmp";
  {
    std::ofstream out(tmp);
    out << text;
  }
  fs::rename(tmp, file);
}

void BM_PolicyReloadLatency(benchmark::State& state) {
  const fs::path dir =
      fs::temp_directory_path() / ("nbsched-bench-reload-" + std::to_string(getpid()));
  fs::create_directories(dir);
  const fs::path file = dir / "policy.yaml";
  WriteAtomically(file, "priorities:\n  - {name: LeastRequestedPriority, weight: 1}\n");
  Published<framework::Policy> policies(
      *config::LoadPolicyFile(file.string(), framework::Registry::Default(), 1));
  std::mutex mu;
  std::condition_variable cv;
  int64_t seen = 1;
  server::PolicyWatcher watcher({.path = file.string()}, policies, framework::Registry::Default(),
                                [&](bool, int64_t generation, const std::string&) {
                                  std::lock_guard<std::mutex> lock(mu);
                                  seen = generation;
                                  cv.notify_all();
                                });
  watcher.Start();
  int64_t want = 1;
  for (auto _ : state) {
    ++want;
    const auto start = std::chrono::steady_clock::now();
    WriteAtomically(file, "priorities:\n  - {name: LeastRequestedPriority, weight: " +
                              std::to_string(want % 1000) + "}\n");
    std::unique_lock<std::mutex> lock(mu);
    if (!cv.wait_for(lock, std::chrono::seconds(10), [&] { return seen >= want; })) {
      state.SkipWithError("reload not observed within 10 s");
      break;
    }
    state.SetIterationTime(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  watcher.Stop();
  fs::remove_all(dir);
}
BENCHMARK(BM_PolicyReloadLatency)->UseManualTime()->Iterations(30)->Unit(benchmark::kMillisecond);

std::shared_ptr<const Snapshot> MakeCluster(int nodes) {
  SnapshotBuilder b;
  for (int i = 0; i < nodes; ++i) {
    const std::string name = "node-" + std::to_string(i);
    b.AddNode(testing::MakeNode(name)
                  .Alloc("64", "256Gi")
                  .Label("topology.kubernetes.io/zone", "zone-" + std::to_string(i % 3))
                  .Ptr());
    for (int p = 0; p < 10; ++p) {
      testing::PodBuilder pod = testing::MakePod();
      pod.Name(name + "-p" + std::to_string(p)).Node(name).Req("500m", "1Gi");
      b.AddPod(pod.Ptr());
    }
  }
  return std::move(b).Build();
}

void Prioritize(benchmark::State& state, bool with_metrics) {
  const int n = static_cast<int>(state.range(0));
  const server::Inputs inputs{
      *config::LoadPolicy("priorities:\n  - {name: LeastRequestedPriority, weight: 1}\n"
                          "  - {name: BalancedResourceAllocation, weight: 1}\n"
                          "  - {name: SelectorSpreadPriority, weight: 1}\n"
                          "  - {name: GPUAwarePriority, weight: 2}\n",
                          "policy.yaml", framework::Registry::Default(), 1),
      MakeCluster(n)};
  std::vector<std::string> names;
  for (const auto& node : inputs.snapshot->nodes()) names.push_back(node->name());
  const auto pod = testing::MakePod().Name("nb").Req("500m", "1Gi").Ptr();
  server::Metrics metrics;
  const framework::PluginTimer timer = [&metrics](std::string_view plugin,
                                                  std::chrono::nanoseconds took) {
    metrics.ObservePlugin(plugin, took);
  };
  server::ExtenderOptions options;
  if (with_metrics) {
    options.plugin_timer = &timer;
    options.on_nodes_evaluated = [&metrics](int64_t k) { metrics.AddNodesEvaluated(k); };
  }
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    auto result = server::Evaluate(server::Verb::kPrioritize, inputs, pod, names, options);
    benchmark::DoNotOptimize(result.decision.nodes.data());
    if (with_metrics) {
      metrics.ObserveRequest("prioritize", 200, std::chrono::steady_clock::now() - start);
    }
  }
}

void BM_PrioritizeWithMetrics(benchmark::State& state) { Prioritize(state, true); }
void BM_PrioritizeWithoutMetrics(benchmark::State& state) { Prioritize(state, false); }
BENCHMARK(BM_PrioritizeWithoutMetrics)->Arg(100)->Arg(1000)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_PrioritizeWithMetrics)->Arg(100)->Arg(1000)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace nbsched

BENCHMARK_MAIN();
