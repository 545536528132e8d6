// The simulator's usage (interfaces.md §11): the notebook activity model, its determinism, the
// nodes.csv usage columns, and the Fig. 7 usage replay (docs/fig7.md).

#include <stdlib.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "bench/fig7_oracle.h"
#include "scheduler/config/policy_loader.h"
#include "scheduler/framework/registry.h"
#include "scheduler/simulate/inputs.h"
#include "scheduler/simulate/replay.h"
#include "scheduler/simulate/simulate_main.h"
#include "scheduler/simulate/usage_model.h"
#include "tests/testing/builders.h"
#include "tests/testing/files.h"

namespace nbsched::simulate {
namespace {

using testing::CsvCells;
using testing::Lines;
using testing::ReadFile;
using testing::TempDir;
using testing::WriteFile;

namespace fs = std::filesystem;
using nbsched::testing::ContainerBuilder;
using nbsched::testing::MakePod;

const std::string kSourceDir = NBSCHED_SOURCE_DIR;

int Simulate(std::vector<std::string> args) {
  args.insert(args.begin(), {"nbsched", "simulate", "--progress", "never", "--threads", "1"});
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  return RunSimulate(static_cast<int>(argv.size()), argv.data());
}

Pod Notebook(const std::string& name) {
  return MakePod()
      .Name(name)
      .Namespace("jhub")
      .Container(ContainerBuilder("notebook")
                     .Req("cpu", "500m")
                     .Req("memory", "1G")
                     .Limit("cpu", "1")
                     .Limit("memory", "2G")
                     .Obj())
      .Obj();
}

TEST_CASE("The notebook usage model is seeded per pod and stays within the limits",
          "[simulate][usage]") {
  int busy = 0, idle = 0;
  bool seed_matters = false;
  constexpr int kPods = 2000;
  for (int i = 0; i < kPods; ++i) {
    const Pod pod = Notebook("user" + std::to_string(i));
    const CpuMemory a = NotebookUsage(pod, 42);
    CHECK(NotebookUsage(pod, 42) == a);  // same pod, same seed: same draw
    seed_matters = seed_matters || !(NotebookUsage(pod, 43) == a);
    REQUIRE(a.milli_cpu >= 5);  // 0.5 % of 1000m
    REQUIRE(a.milli_cpu <= 1000);
    REQUIRE(a.memory <= 2'000'000'000 / (1024 * 1024));
    busy += a.milli_cpu >= 700;
    idle += a.milli_cpu <= 30;
  }
  CHECK(seed_matters);
  // 10 % busy, 70 % idle (binomial, n = 2000: ±3 σ is about ±2 and ±3 points).
  CHECK(busy > kPods * 7 / 100);
  CHECK(busy < kPods * 13 / 100);
  CHECK(idle > kPods * 66 / 100);
  CHECK(idle < kPods * 74 / 100);
}

TEST_CASE("ApplyUsageModel fills only missing annotations and rejects bad ones",
          "[simulate][usage]") {
  std::vector<SimPod> pods(3);
  pods[0].pod = std::make_shared<const Pod>(Notebook("plain"));
  Pod half = Notebook("half");
  half.annotations["nbsched.io/usage-cpu-milli"] = "250";
  half.Finalize();
  pods[1].pod = std::make_shared<const Pod>(half);
  pods[2].pod = std::make_shared<const Pod>(Notebook("other"));

  auto none = ApplyUsageModel(pods, UsageModel::kNone, 42);
  REQUIRE(none.ok());
  CHECK((*none)[0].pod->expected_usage == CpuMemory{500, 1'000'000'000});  // its requests

  auto drawn = ApplyUsageModel(pods, UsageModel::kNotebook, 42);
  REQUIRE(drawn.ok());
  const CpuMemory want = NotebookUsage(*pods[0].pod, 42);
  CHECK((*drawn)[0].pod->expected_usage == CpuMemory{want.milli_cpu, want.memory << 20});
  CHECK((*drawn)[0].pod->usage_annotated == 3);
  CHECK((*drawn)[1].pod->expected_usage.milli_cpu == 250);  // the annotation wins
  CHECK((*drawn)[1].pod->expected_usage.memory == NotebookUsage(*pods[1].pod, 42).memory
                                                      << 20);  // the missing one is drawn

  Pod bad = Notebook("bad");
  bad.annotations["nbsched.io/usage-memory-mib"] = "1Gi";
  bad.Finalize();
  pods[2].pod = std::make_shared<const Pod>(bad);
  auto rejected = ApplyUsageModel(pods, UsageModel::kNone, 42);
  REQUIRE_FALSE(rejected.ok());
  CHECK(std::string(rejected.status().message())
            .find("pod jhub/bad: annotation nbsched.io/usage-cpu-milli") != std::string::npos);
  CHECK(ParseUsageModel("busy").status().message() ==
        "--usage-model must be none or notebook (got \"busy\")");
}

// The usage-aware policy of bench/fig7.sh: usage balance on CPU, limits risk as a tie-break.
const std::string kUsageAwarePath = kSourceDir + "/examples/policies/usage-aware.yaml";

TEST_CASE("simulate --usage-model notebook is deterministic and writes the usage columns",
          "[simulate][usage]") {
  TempDir dir{"nbsched-usage"};
  auto run = [&](const std::string& out, const std::string& seed) {
    return Simulate({"--cluster", kSourceDir + "/examples/fig7-cluster.json", "--workload",
                     kSourceDir + "/examples/fig7-notebooks.json", "--policy", kUsageAwarePath,
                     "--policy", kSourceDir + "/examples/policies/least-requested.yaml",
                     "--usage-model", "notebook", "--seed", seed, "--out", dir.File(out)});
  };
  REQUIRE(run("a", "42") == 0);
  REQUIRE(run("b", "42") == 0);
  REQUIRE(run("c", "7") == 0);
  for (const char* file : {"steps.csv", "nodes.csv", "summary.csv"}) {
    CHECK(ReadFile(dir.File("a/") + file) == ReadFile(dir.File("b/") + file));
  }
  CHECK(ReadFile(dir.File("a/nodes.csv")) != ReadFile(dir.File("c/nodes.csv")));
  const std::string nodes = ReadFile(dir.File("a/nodes.csv"));
  CHECK(nodes.starts_with(
      "policy,seed,step,node,cpu_frac,memory_frac,gpu_frac,cpu_used_frac,memory_used_frac,"
      "cpu_limit_frac,memory_limit_frac\n"));
  // Requests differ from usage: at the last step some worker uses less than it requests.
  bool differs = false;
  std::istringstream in(nodes);
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) {
    const auto c = CsvCells(line);
    differs = differs || std::abs(std::stod(c[4]) - std::stod(c[7])) > 0.05;
  }
  CHECK(differs);
  CHECK(Simulate({"--cluster", kSourceDir + "/examples/fig7-cluster.json", "--workload",
                  kSourceDir + "/examples/fig7-notebooks.json", "--policy", kUsageAwarePath,
                  "--usage-model", "peak", "--out", dir.File("d")}) == 2);
}

struct Fig7Result {
  double worst_gap_after_4 = 0;  // max over steps 5.. of |cpu_used w1 − w2|, percentage points
  double max_limit_ratio = 0;    // at the last step, max over workers and cpu/memory
  int64_t placed = 0;
  std::string nodes;  // nodes.csv rows
};

const std::string kNotebooks = "/examples/fig7-notebooks.json";
const std::string kProfiles = "/examples/fig7-profiles.json";

Fig7Result RunFig7(const std::string& policy_yaml, uint64_t seed,
                   const std::string& workload = kNotebooks) {
  auto cluster = LoadCluster(kSourceDir + "/examples/fig7-cluster.json", false);
  auto w = LoadWorkload(kSourceDir + workload, false);
  REQUIRE(cluster.ok());
  REQUIRE(w.ok());
  auto policy = config::LoadPolicy(policy_yaml, "p.yaml", framework::Registry::Default(), 1);
  REQUIRE(policy.ok());
  RunConfig config;
  config.policy_name = "p";
  config.seed = seed;
  config.policy = SimulationPolicy(**policy, seed, *w);
  config.per_node = true;
  auto sequence = ApplyUsageModel(InOrderSequence(*w), UsageModel::kNotebook, seed);
  REQUIRE(sequence.ok());
  const RunResult r = RunReplay(*cluster, *sequence, config);
  std::map<int, std::map<std::string, std::vector<std::string>>> rows;
  std::istringstream in(r.nodes);
  for (std::string line; std::getline(in, line);) {
    auto c = CsvCells(line);
    rows[std::stoi(c[2])][c[3]] = c;
  }
  Fig7Result out;
  out.placed = r.pods_placed;
  out.nodes = r.nodes;
  for (const auto& [step, nodes] : rows) {
    if (step <= 4) continue;
    const double gap =
        100 * std::abs(std::stod(nodes.at("worker-1")[7]) - std::stod(nodes.at("worker-2")[7]));
    out.worst_gap_after_4 = std::max(out.worst_gap_after_4, gap);
  }
  for (const char* worker : {"worker-1", "worker-2"}) {
    const auto& c = rows.rbegin()->second.at(worker);
    out.max_limit_ratio = std::max({out.max_limit_ratio, std::stod(c[9]), std::stod(c[10])});
  }
  return out;
}

TEST_CASE("Fig. 7 on usage: usage-aware placement balances measured CPU better",
          "[simulate][usage]") {
  const std::string request_balanced =
      ReadFile(kSourceDir + "/examples/policies/least-requested.yaml");
  const std::string usage_aware = ReadFile(kUsageAwarePath);
  // The seed of bench/fig7.sh (docs/fig7.md). Measured: request-balanced's workers drift 53.0
  // points apart after the 4th pod, usage-aware's at most 18.4; both place 14 of 20.
  const Fig7Result lr = RunFig7(request_balanced, 42);
  const Fig7Result ua = RunFig7(usage_aware, 42);
  CHECK(lr.placed == 14);
  CHECK(ua.placed == 14);
  CHECK(lr.worst_gap_after_4 > 10);
  CHECK(ua.worst_gap_after_4 < lr.worst_gap_after_4 / 2);
  CHECK(ua.max_limit_ratio <= lr.max_limit_ratio);
  // Over seeds 1..100 (measured: mean worst gap 24.7 vs 20.3 points; within 10 points at every
  // step after the 4th: 17 vs 22 seeds). A busy notebook at its 1-CPU limit is 25 points of a
  // 4-CPU worker, so no placement keeps every seed within 10 points.
  double lr_sum = 0, ua_sum = 0;
  int lr_ok = 0, ua_ok = 0;
  for (uint64_t seed = 1; seed <= 100; ++seed) {
    const Fig7Result a = RunFig7(request_balanced, seed);
    const Fig7Result b = RunFig7(usage_aware, seed);
    lr_sum += a.worst_gap_after_4;
    ua_sum += b.worst_gap_after_4;
    lr_ok += a.worst_gap_after_4 <= 10;
    ua_ok += b.worst_gap_after_4 <= 10;
  }
  CHECK(ua_sum < lr_sum * 0.9);
  CHECK(ua_ok > lr_ok);
}

fig7::OracleWorker Worker(int64_t cpu) { return {cpu, 8LL << 30, 110, 0, 0, 0, 0}; }

TEST_CASE("The Fig. 7 oracle finds the least largest usage gap under the policies' fit rule",
          "[simulate][usage]") {
  // Two 100m notebooks then a 300m one on two 4-CPU workers. Balancing each step (A, B, then
  // either) ends |400 − 100|/4000 = 7.5 points apart; stacking the two small ones (A, A: 5
  // points) leaves room for the big one on B (2.5 points), so every step stays within 5.
  const std::vector<fig7::OraclePod> pods = {
      {500, 1 << 30, 100}, {500, 1 << 30, 100}, {500, 1 << 30, 300}};
  const fig7::OracleResult all = fig7::Oracle(pods, Worker(4000), Worker(4000), 0);
  CHECK(all.best_gap == Catch::Detail::Approx(5.0));
  CHECK(all.assignment == std::vector<int>{0, 0, 1});
  CHECK(all.placed == 3);
  // Only the last step counts: A, A, B ends |200 − 300|/4000 = 2.5 points apart.
  CHECK(fig7::Oracle(pods, Worker(4000), Worker(4000), 2).best_gap == Catch::Detail::Approx(2.5));
  // Requests decide where a pod may go: with room for two 500m pods per worker the fifth pod
  // (a busy one) fits neither worker and stays unplaced, so it cannot widen the gap.
  const std::vector<fig7::OraclePod> five = {{500, 1 << 30, 0},
                                             {500, 1 << 30, 0},
                                             {500, 1 << 30, 0},
                                             {500, 1 << 30, 0},
                                             {500, 1 << 30, 900}};
  const fig7::OracleResult full = fig7::Oracle(five, Worker(1000), Worker(1000), 0);
  CHECK(full.best_gap == Catch::Detail::Approx(0.0));
  CHECK(full.placed == 4);
  CHECK(full.assignment[4] == -1);
  // The Σ limits oracle: limits 3, 2, 2, 1 CPU on two 4-CPU workers end at best 4 / 4 (3 + 1
  // and 2 + 2): the largest ratio is 1.0 (the memory limits are 0).
  std::vector<fig7::OraclePod> limited = {
      {500, 0, 0, 3000, 0}, {500, 0, 0, 2000, 0}, {500, 0, 0, 2000, 0}, {500, 0, 0, 1000, 0}};
  const fig7::OracleResult packed = fig7::LimitOracle(limited, Worker(4000), Worker(4000));
  CHECK(packed.best_gap == Catch::Detail::Approx(1.0));
  CHECK(packed.assignment == std::vector<int>{0, 1, 1, 0});
  // A busy pod that fits only on one worker must go there: 900/1000 = 90 points.
  const std::vector<fig7::OraclePod> forced = {{500, 1 << 30, 0}, {500, 1 << 30, 900}};
  CHECK(fig7::Oracle(forced, Worker(500), Worker(1000), 0).best_gap == Catch::Detail::Approx(90.0));
}

double OracleGap(uint64_t seed, const std::string& workload) {
  auto cluster = LoadCluster(kSourceDir + "/examples/fig7-cluster.json", false);
  auto w = LoadWorkload(kSourceDir + workload, false);
  REQUIRE(cluster.ok());
  REQUIRE(w.ok());
  auto sequence = ApplyUsageModel(InOrderSequence(*w), UsageModel::kNotebook, seed);
  REQUIRE(sequence.ok());
  return fig7::Oracle(fig7::PodsOf(*sequence), fig7::WorkerOf(*cluster, "worker-1"),
                      fig7::WorkerOf(*cluster, "worker-2"), 4)
      .best_gap;
}

TEST_CASE("Fig. 7 structural facts: oracle, usage-aware and request-balanced (bench/fig7.sh)",
          "[simulate][usage]") {
  const std::string request_balanced =
      ReadFile(kSourceDir + "/examples/policies/least-requested.yaml");
  const std::string usage_aware = ReadFile(kUsageAwarePath);
  // nodes.csv rounds cpu_used_frac to 4 decimals: 0.01 points.
  constexpr double kRounding = 0.011;
  for (const std::string& workload : {kNotebooks, kProfiles}) {
    INFO(workload);
    const Fig7Result lr = RunFig7(request_balanced, 42, workload);
    const Fig7Result ua = RunFig7(usage_aware, 42, workload);
    const double oracle = OracleGap(42, workload);
    if (workload == kNotebooks) CHECK(ua.worst_gap_after_4 <= lr.worst_gap_after_4);
    CHECK(oracle <= ua.worst_gap_after_4 + kRounding);
    CHECK(oracle <= lr.worst_gap_after_4 + kRounding);
    CHECK(RunFig7(usage_aware, 42, workload).nodes == ua.nodes);  // deterministic
    CHECK(OracleGap(42, workload) == oracle);
  }
  // Issue 19's 10-point bar is out of reach on seed 42 for any placement (docs/fig7.md; measured:
  // the oracle's least largest gap is 14.4 points on identical notebooks, 19.9 on profiles).
  CHECK(OracleGap(42, kNotebooks) > 10);
  // Mixed profiles (docs/fig7.md): the limits differ, so usage-aware placement ends with a lower
  // largest Σ limits / allocatable (measured 2.275 against 2.525, both placing 16 pods).
  const Fig7Result lr = RunFig7(request_balanced, 42, kProfiles);
  const Fig7Result ua = RunFig7(usage_aware, 42, kProfiles);
  CHECK(ua.placed == lr.placed);
  CHECK(ua.max_limit_ratio < lr.max_limit_ratio);
  // ... which is the least any placement achieves there (measured 2.275; nodes.csv: 4 decimals).
  auto cluster = LoadCluster(kSourceDir + "/examples/fig7-cluster.json", false);
  auto w = LoadWorkload(kSourceDir + kProfiles, false);
  REQUIRE(cluster.ok());
  REQUIRE(w.ok());
  auto sequence = ApplyUsageModel(InOrderSequence(*w), UsageModel::kNotebook, 42);
  REQUIRE(sequence.ok());
  const double least_limits =
      fig7::LimitOracle(fig7::PodsOf(*sequence), fig7::WorkerOf(*cluster, "worker-1"),
                        fig7::WorkerOf(*cluster, "worker-2"))
          .best_gap;
  CHECK(least_limits <= ua.max_limit_ratio + 0.0001);
  CHECK(least_limits < lr.max_limit_ratio);
  // The oracle bounds every online policy from below on every seed.
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    INFO("seed " << seed);
    const double oracle = OracleGap(seed, kNotebooks);
    CHECK(oracle <= RunFig7(usage_aware, seed).worst_gap_after_4 + kRounding);
    CHECK(oracle <= RunFig7(request_balanced, seed).worst_gap_after_4 + kRounding);
  }
}

}  // namespace
}  // namespace nbsched::simulate
