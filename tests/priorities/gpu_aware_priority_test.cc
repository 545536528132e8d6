#include "priorities/gpu_aware_priority.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "tests/priorities/score_testing.h"

namespace nbsched::priorities {
namespace {

using testing::Alice;
using testing::Cpu1;
using testing::Gpu1;
using testing::Gpu2;
using testing::InfoOf;
using testing::MakeNode;
using testing::MakePod;
using testing::NoRequests;

// A 4-GPU node whose running pods hold `used` GPUs.
NodeInfo GpuNode(int64_t used, const std::string& resource = "nvidia.com/gpu") {
  std::vector<Pod> pods;
  if (used > 0)
    pods.push_back(MakePod().Name("running").Req("1", "1Gi").Gpus(used, resource).Obj());
  return MakeNode("g" + std::to_string(used)).Alloc("16", "64Gi").Gpus(4, resource).Info(pods);
}

TEST_CASE("GPUAwarePriority keeps CPU pods off GPU nodes and packs GPU pods",
          "[priorities][gpu_aware_priority]") {
  struct Row {
    std::string name;
    std::vector<std::string> resources;
    Pod pod;
    NodeInfo node;
    int64_t want;
  };
  const std::vector<std::string> nvidia = {"nvidia.com/gpu"};
  const NodeInfo cpu_node = MakeNode("cpu").Alloc("16", "64Gi").Info();
  const Pod cpu_pod = MakePod().Req("1", "2Gi").Obj();
  const Pod one_gpu = MakePod().Req("1", "2Gi").Gpus(1).Obj();
  const std::vector<Row> rows = {
      {"CPU-only pod, CPU node", nvidia, cpu_pod, cpu_node, 100},
      {"CPU-only pod, GPU node", nvidia, cpu_pod, GpuNode(0), 0},
      {"CPU-only pod, GPU node with GPUs in use", nvidia, cpu_pod, GpuNode(3), 0},
      {"request-less pod, CPU node", nvidia, NoRequests(), cpu_node, 100},
      // (0 + 1)·100/4 = 25.
      {"1-GPU pod, 0 of 4 used", nvidia, one_gpu, GpuNode(0), 25},
      // (1 + 1)·100/4 = 50.
      {"1-GPU pod, 1 of 4 used", nvidia, one_gpu, GpuNode(1), 50},
      // (3 + 1)·100/4 = 100.
      {"1-GPU pod, 3 of 4 used", nvidia, one_gpu, GpuNode(3), 100},
      // (3 + 2)·100/4 = 125 → clamped to 100.
      {"2-GPU pod over capacity clamps", nvidia, MakePod().Gpus(2).Obj(), GpuNode(3), 100},
      // allocatable 0 → 0.
      {"GPU pod, CPU node", nvidia, one_gpu, cpu_node, 0},
      // Running example: gpu-1 (1 + 1)·100/4 = 50, gpu-2 (0 + 1)·100/4 = 25, cpu-1 no GPU → 0.
      {"running example gpu-1", nvidia, Alice(), InfoOf(Gpu1()), 50},
      {"running example gpu-2", nvidia, Alice(), InfoOf(Gpu2()), 25},
      {"running example cpu-1", nvidia, Alice(), InfoOf(Cpu1()), 0},
      // A limit-only GPU counts as a request (device plugins' rule): (0 + 1)·100/4 = 25.
      {"GPU given only as a limit", nvidia,
       MakePod()
           .Container(nbsched::testing::ContainerBuilder("nb").Limit("nvidia.com/gpu", "1").Obj())
           .Obj(),
       GpuNode(0), 25},
      // Other resource names are not GPUs unless configured: nvidia pod counts as CPU-only.
      {"unconfigured GPU name is ignored (pod)",
       {"amd.com/gpu"},
       one_gpu,
       GpuNode(0, "amd.com/gpu"),
       0},
      {"unconfigured GPU name is ignored (node)", {"amd.com/gpu"}, cpu_pod, GpuNode(0), 100},
      // (1 + 1)·100/4 = 50.
      {"configured amd.com/gpu",
       {"amd.com/gpu"},
       MakePod().Gpus(1, "amd.com/gpu").Obj(),
       GpuNode(1, "amd.com/gpu"),
       50},
      // Sums over the names: node 4 nvidia + 4 amd = 8, used 1 + pod 1 → 2·100/8 = 25.
      {"several names summed",
       {"nvidia.com/gpu", "amd.com/gpu"},
       one_gpu,
       MakeNode("mixed")
           .Alloc("16", "64Gi")
           .Gpus(4)
           .Gpus(4, "amd.com/gpu")
           .Info({MakePod().Gpus(1, "amd.com/gpu").Obj()}),
       25},
      // Fractional GPU shares as the configured resource: (500 + 250)·100/4000 = 18.
      {"gpu-milli",
       {"nbsched.io/gpu-milli"},
       MakePod().Res("nbsched.io/gpu-milli", "250").Obj(),
       MakeNode("shared")
           .Alloc("16", "64Gi")
           .Res("nbsched.io/gpu-milli", "4000")
           .Info({MakePod().Res("nbsched.io/gpu-milli", "500").Obj()}),
       18},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) {
      const GPUAwarePriority plugin(row.resources);
      CHECK(plugin.Score(CycleState(), row.pod, row.node) == row.want);
    }
  }
}

TEST_CASE("GPUAwarePriority needs no normalisation", "[priorities][gpu_aware_priority]") {
  const auto snapshot = nbsched::testing::MakeSnapshot({Cpu1(), Gpu1(), Gpu2()});
  const GPUAwarePriority plugin;
  CHECK(testing::RunScores(plugin, Alice(), *snapshot) == std::vector<int64_t>{0, 50, 25});
  CHECK(testing::RunScores(plugin, MakePod().Req("1", "1Gi").Obj(), *snapshot) ==
        std::vector<int64_t>{100, 0, 0});
}

TEST_CASE("GPUAwarePriority::Create validates its args", "[priorities][gpu_aware_priority]") {
  struct Row {
    std::string name;
    PluginArgs args;
    std::string want_error;  // empty: accepted
    int64_t want_amd = 0;    // score of a 1-amd.com/gpu pod on an empty 4-amd.com/gpu node
  };
  const std::vector<Row> rows = {
      // Default nvidia.com/gpu only: the amd pod counts as CPU-only on a GPU-less node → 100.
      {"default resources", {}, "", 100},
      // (0 + 1)·100/4 = 25.
      {"amd.com/gpu", {{"resources", {"amd.com/gpu"}}}, "", 25},
      {"two names", {{"resources", {"nvidia.com/gpu", "amd.com/gpu"}}}, "", 25},
      {"unknown key",
       {{"resource", {"amd.com/gpu"}}},
       "GPUAwarePriority: unknown arg \"resource\" (want resources)"},
      {"empty list",
       {{"resources", {}}},
       "GPUAwarePriority: resources must name at least one resource"},
      {"empty name", {{"resources", {""}}}, "GPUAwarePriority: empty resource name"},
      {"duplicate name",
       {{"resources", {"amd.com/gpu", "amd.com/gpu"}}},
       "GPUAwarePriority: duplicate resource \"amd.com/gpu\""},
  };
  const Pod amd_pod = MakePod().Gpus(1, "amd.com/gpu").Obj();
  const NodeInfo amd_node = MakeNode("amd").Alloc("8", "8Gi").Gpus(4, "amd.com/gpu").Info();
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) {
      auto plugin = GPUAwarePriority::Create(row.args);
      if (row.want_error.empty()) {
        REQUIRE(plugin.ok());
        CHECK((*plugin)->Name() == "GPUAwarePriority");
        CHECK((*plugin)->Score(CycleState(), amd_pod, amd_node) == row.want_amd);
      } else {
        REQUIRE_FALSE(plugin.ok());
        CHECK(plugin.status().code() == absl::StatusCode::kInvalidArgument);
        CHECK(std::string(plugin.status().message()) == row.want_error);
      }
    }
  }
}

}  // namespace
}  // namespace nbsched::priorities
