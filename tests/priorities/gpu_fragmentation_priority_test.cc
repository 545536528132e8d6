#include "priorities/gpu_fragmentation_priority.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "tests/testing/builders.h"

namespace nbsched::priorities {
namespace {

using testing::MakeNode;
using testing::MakePod;

// gpu-replay.md §3's worked example: M = {s1 (2000, 0, 0) p 0.2; s2 (4000, 500, 1) p 0.5;
// s3 (4000, 1000, 1) p 0.3}.
std::shared_ptr<const TargetWorkload> WorkedM() {
  return TargetWorkloadFromWeights(
      {{{2000, 0, 0, {}}, 0, 0.2}, {{4000, 500, 1, {}}, 0, 0.5}, {{4000, 1000, 1, {}}, 0, 0.3}});
}

// A share of `milli` held on GPU `gpu` (no CPU request, so cpu_left stays 8000).
Pod Share(int milli, int gpu) {
  return MakePod()
      .Name("share-" + std::to_string(gpu))
      .Res("nbsched.io/gpu-milli", std::to_string(milli))
      .Annotation("nbsched.io/gpu-index", std::to_string(gpu))
      .Obj();
}

// The incoming pod: c = 2000, m = 250.
Pod Incoming() { return MakePod().Req("2", "1Gi").Res("nbsched.io/gpu-milli", "250").Obj(); }

NodeInfo NodeA(std::vector<Pod> extra = {}) {
  std::vector<Pod> pods = {Share(700, 1)};  // f = (1000, 300)
  pods.insert(pods.end(), extra.begin(), extra.end());
  return MakeNode("a").Alloc("8", "32Gi").Gpus(2).Res("nbsched.io/gpu-milli", "2000").Info(pods);
}

NodeInfo NodeB(std::vector<Pod> extra = {}) {
  return MakeNode("b").Alloc("8", "32Gi").Gpus(2).Res("nbsched.io/gpu-milli", "2000").Info(extra);
}

Pod Placed(int gpu) {
  Pod p = Incoming();
  p.annotations["nbsched.io/gpu-index"] = std::to_string(gpu);
  return p;
}

TEST_CASE("GPUFragmentationPriority reproduces the worked example",
          "[priorities][gpu_fragmentation_priority]") {
  const auto m = WorkedM();
  struct Row {
    std::string name;
    NodeInfo node;
    double want;
  };
  const std::vector<Row> rows = {
      // 0.2·1300 + 0.5·300 + 0.3·300 = 260 + 150 + 90.
      {"A now", NodeA(), 500},
      // (750, 300), cpu 6000: 0.2·1050 + 0.5·300 + 0.3·1050 (no free GPU).
      {"A, pod on GPU0", NodeA({Placed(0)}), 675},
      // (1000, 50): 0.2·1050 + 0.5·50 + 0.3·50.
      {"A, pod on GPU1", NodeA({Placed(1)}), 250},
      // (1000, 1000): 0.2·2000 + 0 + 0.
      {"B now", NodeB(), 400},
      // (750, 1000): 0.2·1750 + 0.5·0 + 0.3·750.
      {"B, pod on GPU0", NodeB({Placed(0)}), 575},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) { CHECK(NodeFragmentation(*m, row.node) == Approx(row.want)); }
  }

  const GPUFragmentationPriority plugin(m);
  const CycleState state;
  const NodeInfo a = NodeA();
  const NodeInfo b = NodeB();
  SECTION("node A scores 56 and the pod takes GPU1") {
    // Δ = 500 − 250 = +250: ⌊100·σ(0.25)⌋ = ⌊56.22⌋.
    CHECK(plugin.Score(state, Incoming(), a) == 56);
    CHECK(plugin.PreferredGpus(state, Incoming(), a) == std::vector<int>{1});
    const FgdEvaluation e = plugin.Evaluate(*m, Incoming(), a);
    CHECK(e.before == Approx(500));
    CHECK(e.after == Approx(250));
  }
  SECTION("node B scores 45 on GPU0 (GPU1 the same)") {
    // Δ = 400 − 575 = −175: ⌊100·σ(−0.175)⌋ = ⌊45.64⌋.
    CHECK(plugin.Score(state, Incoming(), b) == 45);
    CHECK(plugin.PreferredGpus(state, Incoming(), b) == std::vector<int>{0});
  }
  SECTION("A with GPU1 full: only GPU0, Δ = 500 − 675 = −175 → 45") {
    const NodeInfo a_full = NodeA({Share(300, 1)});  // f = (1000, 0): F = 0.2·1000 + 0 + 0 = 200
    const FgdEvaluation e = plugin.Evaluate(*m, Incoming(), a_full);
    // After (750, 0), cpu 6000: 0.2·750 + 0.5·0 + 0.3·750 = 375; Δ = 200 − 375 = −175.
    CHECK(e.score == 45);
    CHECK(e.gpus == std::vector<int>{0});
  }
}

TEST_CASE("GPUFragmentationPriority whole-GPU and CPU-only pods",
          "[priorities][gpu_fragmentation_priority]") {
  const auto m = WorkedM();
  const GPUFragmentationPriority plugin(m);
  const CycleState state;
  struct Row {
    std::string name;
    Pod pod;
    NodeInfo node;
    int64_t want_score;
    std::vector<int> want_gpus;
  };
  const std::vector<Row> rows = {
      // CPU-only 1000m on B: F stays 400 (s2, s3 still fit with cpu 7000) → σ(0) = 0.5 → 50.
      {"CPU-only, no change", MakePod().Req("1", "1Gi").Obj(), NodeB(), 50, {}},
      // CPU-only 5000m on B: cpu_left 3000 < 4000, s2 and s3 no longer fit: F = 0.2·2000 +
      // 0.5·2000 + 0.3·2000 = 2000; Δ = −1600 → ⌊100·σ(−1.6)⌋ = ⌊16.80⌋.
      {"CPU-only strands the GPUs", MakePod().Req("5", "1Gi").Obj(), NodeB(), 16, {}},
      // 1 whole GPU on A takes GPU0 (the lowest fully free): (0, 300), cpu 8000 → F = 0.2·300 +
      // 0.5·300 + 0.3·300 = 300; Δ = 500 − 300 = 200 → ⌊100·σ(0.2)⌋ = ⌊54.98⌋.
      {"whole GPU on A", MakePod().Gpus(1).Obj(), NodeA(), 54, {0}},
      // 2 whole GPUs on A: only one fully free → does not fit: 0.
      {"two whole GPUs do not fit A", MakePod().Gpus(2).Obj(), NodeA(), 0, {}},
      // A 600 share never fits the 300 remnant: GPU0 → (400, 300): F = 0.2·700 + 0.5·700 +
      // 0.3·700 = 700 (no GPU ≥ 500, none ≥ 1000); Δ = −200 → ⌊100·σ(−0.2)⌋ = ⌊45.02⌋.
      {"600 share takes GPU0",
       MakePod().Res("nbsched.io/gpu-milli", "600").Obj(),
       NodeA(),
       45,
       {0}},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) {
      const FgdEvaluation e = plugin.Evaluate(*m, row.pod, row.node);
      CHECK(e.score == row.want_score);
      CHECK(e.gpus == row.want_gpus);
      CHECK(plugin.Score(state, row.pod, row.node) == row.want_score);
    }
  }
}

TEST_CASE("GPUFragmentationPriority args", "[priorities][gpu_fragmentation_priority]") {
  struct Row {
    std::string name;
    PluginArgs args;
    bool ok;
  };
  const std::vector<Row> rows = {
      {"none: M from live pods", {}, true},
      {"explicit shapes",
       {{"shapes", {"2000/0/0/=0.2", "4000/500/1/=0.5", "4000/1000/1/T4|G2=3"}}},
       true},
      {"coverage", {{"coverage", {"0.9"}}}, true},
      {"scale", {{"scale", {"2000"}}}, true},
      {"scale must be positive", {{"scale", {"0"}}}, false},
      {"coverage out of range", {{"coverage", {"1.5"}}}, false},
      {"bad shape", {{"shapes", {"4000/500"}}}, false},
      {"multi-GPU share is not a shape", {{"shapes", {"4000/500/2/=1"}}}, false},
      {"unknown key", {{"form", {"x"}}}, false},
      {"missing workload file", {{"workload", {"/nonexistent/pods.csv"}}}, false},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) { CHECK(GPUFragmentationPriority::Create(row.args).ok() == row.ok); }
  }
}

TEST_CASE("GPUFragmentationPriority without M takes the live pods' shapes",
          "[priorities][gpu_fragmentation_priority]") {
  // One running pod of shape (2000, 500, 1): M = {that shape, p 1}. On a free 2-GPU node, a
  // 500 share leaves (500, 1000): the shape still fits, F = 0 before and after → 50.
  const Pod running = MakePod().Name("r").Req("2", "1Gi").Res("nbsched.io/gpu-milli", "500").Obj();
  const auto snapshot =
      testing::MakeSnapshot({{MakeNode("n").Alloc("8", "32Gi").Gpus(2).Obj(), {running}},
                             {MakeNode("free").Alloc("8", "32Gi").Gpus(2).Obj(), {}}});
  const GPUFragmentationPriority plugin;
  CycleState state;
  plugin.PreScore(state, running, *snapshot, {});
  CHECK(plugin.Score(state, running, *snapshot->Find("free")) == 50);
  // On n (f = (500, 1000)), GPU0 → (0, 1000): F 0 → 0 → 50, GPU0 is the lowest index.
  CHECK(plugin.PreferredGpus(state, running, *snapshot->Find("n")) == std::vector<int>{0});
}

TEST_CASE("M of the default trace list", "[priorities][gpu_fragmentation_priority]") {
  auto plugin = GPUFragmentationPriority::Create(
      {{"workload", {std::string(NBSCHED_TRACE_DIR) + "/openb_pod_list_default.csv"}}});
  REQUIRE(plugin.ok());
  const auto& m = *dynamic_cast<const GPUFragmentationPriority&>(**plugin).workload();
  // 91 shapes; 35 taken, covering 7,766 of 8,152 pods (95.26 %).
  CHECK(m.shapes.size() == 35);
  CHECK(m.taken_pods == 7766);
  CHECK(m.total_pods == 8152);
  struct Row {
    std::string name;
    size_t index;
    TaskShape shape;
    double p;
  };
  const std::vector<Row> rows = {
      {"(3152, 810, 1): 1047/7766", 0, {3152, 810, 1, {}}, 0.1348},
      {"(11300, 1000, 1)", 1, {11300, 1000, 1, {}}, 0.1125},
      {"(11400, 1000, 1)", 2, {11400, 1000, 1, {}}, 0.0771},
      {"(3152, 1000, 1)", 3, {3152, 1000, 1, {}}, 0.0605},
      {"(11908, 470, 1)", 4, {11908, 470, 1, {}}, 0.0500},
      {"CPU-only (12500, 0, 0)", 5, {12500, 0, 0, {}}, 0.0471},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) {
      REQUIRE(row.index < m.shapes.size());
      CHECK(m.shapes[row.index].shape == row.shape);
      CHECK(m.shapes[row.index].p == Approx(row.p).margin(0.00005));
    }
  }
  CHECK(m.shapes[0].count == 1047);
  for (const WeightedShape& w : m.shapes) CHECK(w.shape.num_gpu <= 1);  // no multi-GPU shape
}

}  // namespace
}  // namespace nbsched::priorities
