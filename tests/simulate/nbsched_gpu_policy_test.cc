// examples/policies/nbsched-gpu.yaml in the server's decision path: with `selection:
// best-in-filter`, the runner given every node and the full snapshot (what /filter, /prioritize
// and gRPC Filter do) picks exactly the node the simulator picks, pod by pod, on a short replay.

#include <stdlib.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "scheduler/config/policy_loader.h"
#include "scheduler/framework/registry.h"
#include "scheduler/framework/runner.h"
#include "scheduler/simulate/inputs.h"
#include "scheduler/simulate/replay.h"
#include "tests/testing/files.h"

namespace nbsched::simulate {
namespace {

using testing::CsvCells;
using testing::Lines;
using testing::ReadFile;
using testing::TempDir;
using testing::WriteFile;

namespace fs = std::filesystem;

// The trace beside the repository; env NBSCHED_TRACE_DIR overrides it (a git worktree has no
// ../shared of its own).
const std::string kTraceDir =
    getenv("NBSCHED_TRACE_DIR") != nullptr ? getenv("NBSCHED_TRACE_DIR") : NBSCHED_TRACE_DIR;
const std::string kSourceDir = NBSCHED_SOURCE_DIR;

// The header and the first `n` data rows of a trace file, written to `path`.
void WriteHead(const std::string& from, int n, const std::string& path) {
  std::istringstream in(ReadFile(from));
  std::ofstream out(path, std::ios::binary);
  std::string line;
  for (int i = 0; i <= n && std::getline(in, line); ++i) out << line << "\n";
}

TEST_CASE("nbsched-gpu.yaml: the server's best-in-filter takes the simulator's decisions",
          "[simulate][nbsched_gpu]") {
  const std::string file = kSourceDir + "/examples/policies/nbsched-gpu.yaml";
  auto loaded = config::LoadPolicy(ReadFile(file), file, framework::Registry::Default(), 1);
  REQUIRE(loaded.ok());
  REQUIRE((*loaded)->selection == framework::Selection::kBestInFilter);
  std::vector<std::string> scorers;
  for (const auto& s : (*loaded)->scorers) scorers.emplace_back(s.plugin->Name());
  CHECK(scorers == std::vector<std::string>{"GPUFragmentationPriority", "GPUHeadroomPriority"});

  // 40 GPU nodes (174 GPUs) and 300 pods of the default list, inflated to 130 % of the GPUs:
  // the cluster fills, CPU runs short on some nodes and pods fail, so both scores decide.
  TempDir dir{"nbsched-gpu"};
  WriteHead(kTraceDir + "/openb_node_list_gpu_node.csv", 40, dir.File("nodes.csv"));
  WriteHead(kTraceDir + "/openb_pod_list_default.csv", 300, dir.File("pods.csv"));
  auto cluster = LoadCluster(dir.File("nodes.csv"), false);
  auto w = LoadWorkload(dir.File("pods.csv"), false);
  INFO(cluster.status().ToString() << " " << w.status().ToString());
  REQUIRE(cluster.ok());
  REQUIRE(w.ok());
  for (const uint64_t seed : {42u, 43u}) {
    DYNAMIC_SECTION("seed " << seed) {
      const auto policy = SimulationPolicy(**loaded, seed, *w);
      int64_t steps = 0, mismatches = 0, placed = 0, failed = 0;
      RunConfig config;
      config.policy_name = "nbsched-gpu";
      config.policy = policy;
      config.observer = [&](const Snapshot& before, const Pod& pod, const std::string& chosen) {
        std::vector<std::string> names;
        for (const auto& n : before.nodes()) names.push_back(n->name());
        const framework::Decision d =
            framework::Schedule(*policy, before, pod, framework::ResolveNames(before, names));
        const std::string server = d.best < 0 ? "" : d.nodes[d.best].node->name();
        ++steps;
        mismatches += server != chosen;
        (chosen.empty() ? failed : placed) += 1;
      };
      const auto sequence = ArrivalSequence(*w, cluster->gpu_capacity_milli, 1.3, seed);
      static_cast<void>(RunReplay(*cluster, sequence, config));
      CHECK(steps == static_cast<int64_t>(sequence.size()));
      CHECK(mismatches == 0);
      CHECK(placed > 0);
      CHECK(failed > 0);  // the replay reached the full cluster, where the choices are hardest
    }
  }
}

}  // namespace
}  // namespace nbsched::simulate
