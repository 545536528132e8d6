#include "scheduler/framework/parallel.h"

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <string>
#include <thread>
#include <vector>

#include "scheduler/framework/registry.h"
#include "scheduler/framework/runner.h"
#include "tests/testing/builders.h"

namespace nbsched::framework {
namespace {

using testing::MakeNode;
using testing::MakePod;

// Restores the process-wide setting whatever a test does.
struct ParallelismGuard {
  int saved = Parallelism();
  ~ParallelismGuard() { SetParallelism(saved); }
};

TEST_CASE("ParallelFor runs every index exactly once", "[framework][parallel]") {
  ParallelismGuard guard;
  SetParallelism(4);
  for (size_t n : {0u, 1u, 7u, 512u, 513u, 5000u, 20011u}) {
    for (size_t grain : {1u, 64u, 512u, 100000u}) {
      INFO("n " << n << " grain " << grain);
      std::vector<std::atomic<int>> hits(n);
      ParallelFor(n, grain, [&](size_t begin, size_t end) {
        REQUIRE(begin < end);
        REQUIRE(end <= n);
        for (size_t i = begin; i < end; ++i) hits[i].fetch_add(1);
      });
      CHECK(std::all_of(hits.begin(), hits.end(), [](const auto& h) { return h.load() == 1; }));
    }
  }
}

TEST_CASE("ParallelFor from several threads at once", "[framework][parallel]") {
  ParallelismGuard guard;
  SetParallelism(3);
  constexpr int kCallers = 4;
  constexpr int kRounds = 200;  // bounded: 4 × 200 loops of 3,000 indices
  std::vector<std::thread> callers;
  std::atomic<int> wrong{0};
  for (int c = 0; c < kCallers; ++c) {
    callers.emplace_back([&] {
      for (int r = 0; r < kRounds; ++r) {
        std::atomic<size_t> sum{0};
        ParallelFor(3000, 100, [&](size_t begin, size_t end) {
          size_t local = 0;
          for (size_t i = begin; i < end; ++i) local += i;
          sum.fetch_add(local);
        });
        if (sum.load() != 3000u * 2999u / 2) wrong.fetch_add(1);
      }
    });
  }
  for (std::thread& t : callers) t.join();
  CHECK(wrong.load() == 0);
}

// A cluster big enough for several chunks, varied enough that every plugin has work: taints,
// cordons, pressure, GPU nodes with pods, full nodes, zones.
std::shared_ptr<const Snapshot> VariedCluster(int nodes) {
  SnapshotBuilder b;
  for (int i = 0; i < nodes; ++i) {
    const std::string name = "n" + std::to_string(i);
    auto node = MakeNode(name).Alloc(std::to_string(4 + i % 29), std::to_string(8 + i % 17) + "Gi");
    node.Label("topology.kubernetes.io/zone", "z" + std::to_string(i % 3));
    if (i % 10 == 0) node.Gpus(4).Taint("nvidia.com/gpu", "present", "NoSchedule");
    if (i % 13 == 0) node.Taint("spot", "true", "PreferNoSchedule");
    if (i % 37 == 0) node.Unschedulable();
    if (i % 41 == 0) node.Condition("MemoryPressure", "True");
    b.AddNode(node.Ptr());
    for (int k = 0; k < i % 7; ++k) {
      auto pod = MakePod()
                     .Name(name + "-" + std::to_string(k))
                     .Namespace("jhub")
                     .Label("app", k % 2 ? "jupyterhub" : "other")
                     .Req("1", "2Gi");
      if (i % 10 == 0 && k == 0) pod.Gpus(1);
      b.AddPod(std::make_shared<const Pod>(pod.Node(name).Obj()));
    }
  }
  return std::move(b).Build();
}

Policy EveryPlugin() {
  const Registry& registry = Registry::Default();
  Policy policy;
  for (const std::string& name : registry.filter_names()) {
    auto filter = (*registry.FindFilter(name))({});
    REQUIRE(filter.ok());
    policy.filters.push_back(*filter);
  }
  int64_t weight = 1;
  for (const std::string& name : registry.score_names()) {
    auto score = (*registry.FindScore(name))({});
    REQUIRE(score.ok());
    policy.scorers.push_back({*score, weight++, {}});
  }
  policy.selection = Selection::kBestInFilter;
  return policy;
}

TEST_CASE("Schedule decides the same with and without parallel loops", "[framework][parallel]") {
  ParallelismGuard guard;
  const auto snapshot = VariedCluster(3000);
  const Policy policy = EveryPlugin();
  std::vector<std::string> names;
  for (const auto& info : snapshot->nodes()) names.push_back(info->name());
  names.push_back("ghost");
  const Pod cpu_pod = MakePod()
                          .Name("nb")
                          .Namespace("jhub")
                          .Label("app", "jupyterhub")
                          .Req("2", "4Gi")
                          .Toleration("spot", "Exists", "", "")
                          .Obj();
  const Pod gpu_pod = MakePod()
                          .Name("gpu-nb")
                          .Namespace("jhub")
                          .Req("1", "1Gi")
                          .Gpus(2)
                          .Toleration("nvidia.com/gpu", "Exists", "", "NoSchedule")
                          .Obj();
  for (const Pod* pod : {&cpu_pod, &gpu_pod}) {
    INFO(pod->name);
    const Candidates candidates = ResolveNames(*snapshot, names);
    SetParallelism(1);
    const Decision serial = Schedule(policy, *snapshot, *pod, candidates);
    SetParallelism(4);
    const Decision parallel = Schedule(policy, *snapshot, *pod, candidates);
    REQUIRE(serial.nodes.size() == parallel.nodes.size());
    size_t feasible = 0;
    for (size_t i = 0; i < serial.nodes.size(); ++i) {
      const NodeDecision& a = serial.nodes[i];
      const NodeDecision& b = parallel.nodes[i];
      REQUIRE(a.status == b.status);
      REQUIRE(std::ranges::equal(a.scores, b.scores));
      REQUIRE(a.weighted == b.weighted);
      feasible += a.feasible();
    }
    CHECK(serial.best == parallel.best);
    CHECK(feasible > 100);                        // the scores were really compared
    CHECK(feasible < serial.nodes.size() - 100);  // and so were failures
  }
}

}  // namespace
}  // namespace nbsched::framework
