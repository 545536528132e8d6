#include "priorities/gpu_headroom_priority.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "tests/testing/builders.h"

namespace nbsched::priorities {
namespace {

using testing::MakeNode;
using testing::MakePod;

// 8 CPUs, 32 GiB, 2 GPUs (sharing advertised); `pods` running.
NodeInfo GpuNode(std::vector<Pod> pods = {}) {
  return MakeNode("g").Alloc("8", "32Gi").Gpus(2).Res("nbsched.io/gpu-milli", "2000").Info(pods);
}

// The same node with a 6-CPU CPU-only pod: cpu_left 2000.
NodeInfo CpuShortNode() { return GpuNode({MakePod().Name("cpu-hog").Req("6", "1Gi").Obj()}); }

Pod Share(int milli, const std::string& cpu = "") {
  return MakePod().Req(cpu, "").Res("nbsched.io/gpu-milli", std::to_string(milli)).Obj();
}

TEST_CASE("GPUHeadroomPriority scores the drop of GPU stranded behind CPU and memory",
          "[priorities][gpu_headroom_priority]") {
  struct Row {
    std::string name;
    GPUHeadroomPriority plugin;
    Pod pod;
    NodeInfo node;
    int64_t want;
  };
  // cpuPerGpu 4000: a free node (L 2000, cpu 8000) reaches 1000·8000/4000 = 2000: H = 0.
  const GPUHeadroomPriority p4000(4000);
  const std::vector<Row> rows = {
      // cpu 7000 → reaches 1750 < L 2000: H 0 → 250, Δ −250 → ⌊100·σ(−0.25)⌋ = ⌊43.78⌋.
      {"CPU-only pod eats headroom", p4000, MakePod().Req("1", "1Gi").Obj(), GpuNode(), 43},
      // cpu 3000 → 750: H 1250, Δ −1250 → ⌊22.27⌋.
      {"big CPU-only pod strands more", p4000, MakePod().Req("5", "1Gi").Obj(), GpuNode(), 22},
      // 1 GPU + 2 CPUs: L 1000, cpu 6000 → 1500 ≥ L: H stays 0 → σ(0) = 50.
      {"GPU pod with its share of CPU", p4000, MakePod().Req("2", "1Gi").Gpus(1).Obj(), GpuNode(),
       50},
      // CPU-short node: L 2000, cpu 2000 → 500: H 1500. 1 GPU + 1 CPU: L 1000, cpu 1000 → 250:
      // H 750; Δ +750 → ⌊67.92⌋.
      {"GPU pod uses stranded GPU", p4000, MakePod().Req("1", "1Gi").Gpus(1).Obj(), CpuShortNode(),
       67},
      // A 500 share without CPU there: L 1500, reach 500: H 1000; Δ +500 → ⌊62.25⌋.
      {"CPU-less share uses stranded GPU", p4000, Share(500), CpuShortNode(), 62},
      // memoryPerGpu 8 GiB: 28 GiB CPU-only pod leaves 4 GiB → 500 (cpu 7000 → 1750): H 1500;
      // Δ −1500 → ⌊18.24⌋.
      {"memory-heavy pod strands GPU", GPUHeadroomPriority(4000, 8192),
       MakePod().Req("1", "28Gi").Obj(), GpuNode(), 18},
      // Memory left out (memoryPerGpu 0): the same pod is only the 1-CPU case → 43.
      {"memory ignored by default", p4000, MakePod().Req("1", "28Gi").Obj(), GpuNode(), 43},
      // scale 2000: Δ −1250 / 2000 → ⌊100·σ(−0.625)⌋ = ⌊34.86⌋.
      {"coarser scale", GPUHeadroomPriority(4000, 0, 2000), MakePod().Req("5", "1Gi").Obj(),
       GpuNode(), 34},
      // Default cpuPerGpu 10800: a free node reaches 1000·8000/10800 = 740.7 of L 2000, H 1259.3;
      // a 1-GPU pod without CPU: L 1000, H 259.3; Δ +1000 → ⌊100·σ(1)⌋ = ⌊73.11⌋.
      {"default cpuPerGpu", GPUHeadroomPriority(), MakePod().Gpus(1).Obj(), GpuNode(), 73},
      {"node without GPUs", p4000, MakePod().Req("1", "1Gi").Obj(),
       MakeNode("cpu").Alloc("8", "32Gi").Info(), 50},
      {"does not fit CPU", p4000, MakePod().Req("9", "1Gi").Obj(), GpuNode(), 0},
      {"does not fit memory", p4000, MakePod().Req("1", "33Gi").Obj(), GpuNode(), 0},
      {"does not fit GPU", p4000, MakePod().Gpus(3).Obj(), GpuNode(), 0},
  };
  const CycleState state;
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) { CHECK(row.plugin.Score(state, row.pod, row.node) == row.want); }
  }
}

TEST_CASE("GPUHeadroomPriority stranded GPU", "[priorities][gpu_headroom_priority]") {
  struct Row {
    std::string name;
    int64_t idle, cpu_left, mem_left_mib;
    double want;
  };
  const GPUHeadroomPriority plugin(4000, 8192);
  const std::vector<Row> rows = {
      {"all reachable", 2000, 8000, 32768, 0},
      // CPU binds: 2000 − 1000·2000/4000.
      {"CPU binds", 2000, 2000, 32768, 1500},
      // memory binds: 2000 − 1000·4096/8192.
      {"memory binds", 2000, 8000, 4096, 1500},
      {"negative CPU left counts as none", 1000, -5, 32768, 1000},
      {"no idle GPU", 0, 0, 0, 0},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) {
      CHECK(plugin.Stranded(row.idle, row.cpu_left, row.mem_left_mib * 1024 * 1024) ==
            Approx(row.want));
    }
  }
}

TEST_CASE("GPUHeadroomPriority args", "[priorities][gpu_headroom_priority]") {
  struct Row {
    std::string name;
    PluginArgs args;
    bool ok;
  };
  const std::vector<Row> rows = {
      {"defaults", {}, true},
      {"all set",
       {{"cpuPerGpu", {"12000"}}, {"memoryPerGpu", {"41000"}}, {"scale", {"500"}}},
       true},
      {"memory off", {{"memoryPerGpu", {"0"}}}, true},
      {"cpuPerGpu zero", {{"cpuPerGpu", {"0"}}}, false},
      {"cpuPerGpu not a number", {{"cpuPerGpu", {"lots"}}}, false},
      {"cpuPerGpu list", {{"cpuPerGpu", {"1", "2"}}}, false},
      {"memoryPerGpu negative", {{"memoryPerGpu", {"-1"}}}, false},
      {"scale zero", {{"scale", {"0"}}}, false},
      {"scale trailing junk", {{"scale", {"10x"}}}, false},
      {"unknown key", {{"form", {"x"}}}, false},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) {
      const auto plugin = GPUHeadroomPriority::Create(row.args);
      CHECK(plugin.ok() == row.ok);
      if (!row.ok) CHECK(std::string(plugin.status().message()).find("GPUHeadroomPriority") == 0);
    }
  }
}

TEST_CASE("GPUHeadroomPriority args reach the score", "[priorities][gpu_headroom_priority]") {
  // cpuPerGpu 4000 from the args: the 5-CPU pod of the table scores 22 (default 10800 would
  // give: H 1259.3 → 2000 − 1000·3000/10800 = 1722.2, Δ −463 → ⌊38.63⌋).
  const auto plugin = GPUHeadroomPriority::Create({{"cpuPerGpu", {"4000"}}});
  REQUIRE(plugin.ok());
  CHECK((*plugin)->Score(CycleState(), MakePod().Req("5", "1Gi").Obj(), GpuNode()) == 22);
  CHECK(GPUHeadroomPriority().Score(CycleState(), MakePod().Req("5", "1Gi").Obj(), GpuNode()) ==
        38);
}

}  // namespace
}  // namespace nbsched::priorities
