// Sweeps beyond one machine (interfaces.md §12): --shard I/N run as real processes and merged
// back byte for byte in any order, merge's refusals, sweep files, the departures flags and the
// time-averaged allocation, and bench/sweep-job.yaml's Indexed Job.

#include "scheduler/simulate/sweep.h"

#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "scheduler/config/policy_loader.h"
#include "scheduler/framework/registry.h"
#include "scheduler/simulate/inputs.h"
#include "tests/testing/files.h"

extern char** environ;

namespace nbsched::simulate {
namespace {

using testing::CsvCells;
using testing::Lines;
using testing::ReadFile;
using testing::TempDir;
using testing::WriteFile;

namespace fs = std::filesystem;

const std::string kSourceDir = NBSCHED_SOURCE_DIR;
const std::string kBinary = NBSCHED_BINARY;

// A small cluster in the trace's node format: 30 nodes of four types (115 GPUs).
std::string SampleNodes() {
  const char* models[] = {"P100", "V100M16", "T4", "G2"};
  const int gpus[] = {2, 8, 4, 1};
  std::string out = "sn,cpu_milli,memory_mib,gpu,model\n";
  for (int i = 0; i < 30; ++i) {
    out += "node-" + std::to_string(i) + ",64000,262144," + std::to_string(gpus[i % 4]) + "," +
           models[i % 4] + "\n";
  }
  return out;
}

// 120 trace pods cycling through seven shapes (sharing, whole, multi-GPU, CPU-only, a gpu_spec).
std::string SamplePods() {
  const char* shapes[] = {"3152,8192,1,810,",     "11300,16384,1,1000,", "11908,8192,1,470,",
                          "12500,16384,0,0,",     "8000,32768,2,1000,",  "6000,32768,4,1000,",
                          "4000,4096,1,250,T4|G2"};
  std::string out =
      "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,"
      "deletion_time,scheduled_time\n";
  for (int i = 0; i < 120; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "pod-%04d", i);
    out += std::string(name) + "," + shapes[i % 7] + ",LS,Running," + std::to_string(10 * i) + "," +
           std::to_string(10 * i + 500) + "," + std::to_string(10 * i) + "\n";
  }
  return out;
}

// A started `nbsched` process with stderr in a file.
struct Process {
  pid_t pid = -1;
  std::string err_path;
};

Process Start(const std::vector<std::string>& args, const std::string& err_path) {
  std::vector<std::string> all = {kBinary};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  Process p;
  p.err_path = err_path;
  const int rc = posix_spawn(&p.pid, kBinary.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  REQUIRE(rc == 0);
  return p;
}

// Waits for the process (it ends by itself: every run is bounded); returns its exit code.
int Wait(const Process& p) {
  int status = 0;
  REQUIRE(waitpid(p.pid, &status, 0) == p.pid);
  REQUIRE(WIFEXITED(status));
  return WEXITSTATUS(status);
}

struct RunOutput {
  int code = -1;
  std::string err;
};

RunOutput Run(const std::vector<std::string>& args, const std::string& err_path) {
  const Process p = Start(args, err_path);
  RunOutput out;
  out.code = Wait(p);
  out.err = ReadFile(err_path);
  return out;
}

const std::vector<std::string> kFiles = {"steps.csv", "alloc_grid.csv", "summary.csv", "nodes.csv"};

// The sample (30 GPU nodes, 120 pods), two policies and a sweep file of two points,
// two seeds: 8 runs, 4 shards of 2 runs each, run as 4 processes at once; plus the unsharded
// run.
struct ShardRuns {
  TempDir dir{"nbsched-sweep"};
  std::vector<std::string> base;
  ShardRuns() {
    WriteFile(dir.File("nodes.csv"), SampleNodes());
    WriteFile(dir.File("pods.csv"), SamplePods());
    WriteFile(dir.File("sweep.yaml"),
              "points:\n"
              "  - base: " +
                  kSourceDir +
                  "/examples/policies/gpu-fragmentation.yaml\n"
                  "    name: fgd-lr\n"
                  "    grid:\n"
                  "      w: {set: LeastRequestedPriority.weight, values: [0, 3]}\n");
    base = {"simulate",
            "--cluster",
            dir.File("nodes.csv"),
            "--workload",
            dir.File("pods.csv"),
            "--policy",
            kSourceDir + "/examples/policies/gpu-fragmentation.yaml",
            "--policy",
            kSourceDir + "/examples/policies/most-requested.yaml",
            "--sweep",
            dir.File("sweep.yaml"),
            "--arrival-scale",
            "1.3",
            "--seed",
            "42",
            "--seed",
            "43",
            "--progress",
            "never",
            "--threads",
            "1"};
    std::vector<std::string> full = base;
    full.insert(full.end(), {"--out", dir.File("full")});
    std::vector<Process> procs;
    procs.push_back(Start(full, dir.File("full.err")));
    for (int i = 0; i < 4; ++i) {
      std::vector<std::string> args = base;
      args.insert(args.end(), {"--shard", std::to_string(i) + "/4", "--out", Shard(i)});
      procs.push_back(Start(args, dir.File("shard-" + std::to_string(i) + ".err")));
    }
    for (const Process& p : procs) {
      const int code = Wait(p);
      INFO(p.err_path << ": " << ReadFile(p.err_path));
      REQUIRE(code == 0);
    }
  }
  std::string Shard(int i) const { return dir.File("shard-" + std::to_string(i)); }
};

const ShardRuns& Shards() {
  static const ShardRuns runs;
  return runs;
}

TEST_CASE("4 shards run as 4 processes merge to the unsharded run's bytes, in any order",
          "[simulate][shard]") {
  const ShardRuns& s = Shards();
  struct Order {
    std::string name;
    std::vector<int> shards;
  };
  const std::vector<Order> orders = {{"in order", {0, 1, 2, 3}}, {"shuffled", {3, 1, 0, 2}}};
  for (const Order& order : orders) {
    DYNAMIC_SECTION(order.name) {
      const std::string out = s.dir.File("merged-" + std::to_string(order.shards[0]));
      std::vector<std::string> args = {"simulate", "merge", "--out", out};
      for (int i : order.shards) args.push_back(s.Shard(i));
      const RunOutput r = Run(args, s.dir.File("merge.err"));
      INFO(r.err);
      REQUIRE(r.code == 0);
      for (const std::string& file : kFiles) {
        INFO(file);
        const std::string want = ReadFile(s.dir.File("full/" + file));
        CHECK(Lines(want).size() > 1);
        CHECK(ReadFile(out + "/" + file) == want);
      }
      // timing.csv: the same runs in the same order (only the seconds differ).
      auto runs = [](const std::string& text) {
        std::vector<std::string> out;
        for (const std::string& line : Lines(text)) {
          const auto cells = CsvCells(line);
          out.push_back(cells[0] + "," + cells[1]);
        }
        return out;
      };
      CHECK(runs(ReadFile(out + "/timing.csv")) == runs(ReadFile(s.dir.File("full/timing.csv"))));
    }
  }
}

TEST_CASE("each shard holds exactly the runs whose index is I mod N", "[simulate][shard]") {
  const ShardRuns& s = Shards();
  // The unsharded summary's runs in the sweep's order (policy-major).
  const std::vector<std::string> all = Lines(ReadFile(s.dir.File("full/summary.csv")));
  REQUIRE(all.size() == 9);  // header + 4 policies x 2 seeds
  CHECK(CsvCells(all[5])[0] == "fgd-lr[w=0]");
  CHECK(CsvCells(all[7])[0] == "fgd-lr[w=3]");
  for (int i = 0; i < 4; ++i) {
    const std::vector<std::string> rows = Lines(ReadFile(s.Shard(i) + "/summary.csv"));
    REQUIRE(rows.size() == 3);
    CHECK(rows[1] == all[1 + static_cast<size_t>(i)]);
    CHECK(rows[2] == all[5 + static_cast<size_t>(i)]);
  }
}

TEST_CASE("merge refuses overlapping, missing and mismatched shards", "[simulate][shard]") {
  const ShardRuns& s = Shards();
  // Another sweep: one more seed.
  static const std::string other = [&] {
    std::vector<std::string> args = s.base;
    args.insert(args.end(), {"--seed", "44", "--shard", "2/4", "--out", s.dir.File("other-2")});
    REQUIRE(Run(args, s.dir.File("other.err")).code == 0);
    return s.dir.File("other-2");
  }();
  // A shard directory whose rows were cut.
  static const std::string cut = [&] {
    const std::string dir = s.dir.File("cut-1");
    fs::create_directories(dir);
    for (const auto& entry : fs::directory_iterator(s.Shard(1))) {
      fs::copy_file(entry.path(), dir + "/" + entry.path().filename().string(),
                    fs::copy_options::overwrite_existing);
    }
    const auto lines = Lines(ReadFile(dir + "/steps.csv"));
    std::string text;
    for (size_t i = 0; i + 1 < lines.size(); ++i) text += lines[i] + "\n";
    WriteFile(dir + "/steps.csv", text);
    return dir;
  }();
  struct Case {
    std::string name;
    std::vector<std::string> dirs;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"a shard twice",
       {s.Shard(0), s.Shard(1), s.Shard(1), s.Shard(2), s.Shard(3)},
       "shard 1/4 given twice"},
      {"a missing shard", {s.Shard(0), s.Shard(1), s.Shard(3)}, "shard 2/4 is missing"},
      {"another sweep", {s.Shard(0), s.Shard(1), other, s.Shard(3)}, "of another sweep"},
      {"not a shard", {s.Shard(0), s.dir.File("full")}, "shard.txt: missing"},
      {"rows cut", {s.Shard(0), cut, s.Shard(2), s.Shard(3)}, "fewer rows than"},
  };
  for (const Case& c : cases) {
    DYNAMIC_SECTION(c.name) {
      std::vector<std::string> args = {"simulate", "merge", "--out", s.dir.File("bad")};
      args.insert(args.end(), c.dirs.begin(), c.dirs.end());
      const RunOutput r = Run(args, s.dir.File("bad.err"));
      INFO(r.err);
      CHECK(r.code == 1);
      CHECK(r.err.find(c.message) != std::string::npos);
    }
  }
}

TEST_CASE("an unsharded run over a shard's directory leaves no stale shard.txt",
          "[simulate][shard]") {
  const ShardRuns& s = Shards();
  const std::string dir = s.dir.File("stale");
  fs::create_directories(dir);
  fs::copy_file(s.Shard(0) + "/shard.txt", dir + "/shard.txt");
  std::vector<std::string> args = s.base;
  args.insert(args.end(), {"--out", dir});
  REQUIRE(Run(args, s.dir.File("stale.err")).code == 0);
  CHECK(!fs::exists(dir + "/shard.txt"));
  CHECK(ReadFile(dir + "/summary.csv") == ReadFile(s.dir.File("full/summary.csv")));
}

TEST_CASE("a shard is I/N with 0 <= I < N", "[simulate][shard]") {
  struct Case {
    std::string text;
    bool ok;
    int64_t index, count;
  };
  const std::vector<Case> cases = {
      {"0/1", true, 0, 1},   {"3/4", true, 3, 4}, {"4/4", false, 0, 0}, {"1/0", false, 0, 0},
      {"-1/4", false, 0, 0}, {"1", false, 0, 0},  {"a/4", false, 0, 0}, {"1/4x", false, 0, 0},
  };
  for (const Case& c : cases) {
    DYNAMIC_SECTION(c.text) {
      const auto spec = ParseShard(c.text);
      REQUIRE(spec.has_value() == c.ok);
      if (c.ok) {
        CHECK(spec->index == c.index);
        CHECK(spec->count == c.count);
      }
    }
  }
  // The flag itself: a usage error (exit 2).
  TempDir dir{"nbsched-sweep"};
  const RunOutput r =
      Run({"simulate", "--cluster", "x", "--workload", "y", "--policy", "z", "--shard", "4/4"},
          dir.File("err"));
  CHECK(r.code == 2);
  CHECK(r.err.find("--shard needs I/N") != std::string::npos);
}

// ---- sweep files ----

struct SweepFixture {
  TempDir dir{"nbsched-sweep"};
  SweepFixture() {
    WriteFile(dir.File("base.yaml"),
              "predicates: [PodFitsResources]\n"
              "priorities:\n"
              "  - {name: GPUFragmentationPriority, weight: 1}\n");
  }
  absl::StatusOr<std::vector<SweepPoint>> Load(const std::string& text) const {
    WriteFile(dir.File("sweep.yaml"), text);
    return LoadSweepFile(dir.File("sweep.yaml"), framework::Registry::Default());
  }
};

int64_t Weight(const framework::Policy& p, const std::string& plugin) {
  for (const auto& s : p.scorers) {
    if (s.plugin->Name() == plugin) return s.weight;
  }
  return -1;
}

TEST_CASE("a sweep file expands to named points with the grid's values set", "[simulate][sweep]") {
  const SweepFixture f;
  auto points = f.Load(
      "points:\n"
      "  - base: base.yaml\n"
      "    name: blend\n"
      "    grid:\n"
      "      w: {set: LeastRequestedPriority.weight, values: [0, 2]}\n"
      "      f: {set: GPUFragmentationPriority.weight, values: [5, 7, 9]}\n"
      "  - base: base.yaml\n");
  REQUIRE(points.ok());
  struct Want {
    std::string name;
    int64_t lr, fgd;
  };
  const std::vector<Want> want = {
      {"blend[w=0;f=5]", 0, 5}, {"blend[w=0;f=7]", 0, 7}, {"blend[w=0;f=9]", 0, 9},
      {"blend[w=2;f=5]", 2, 5}, {"blend[w=2;f=7]", 2, 7}, {"blend[w=2;f=9]", 2, 9},
      {"base", -1, 1},
  };
  REQUIRE(points->size() == want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    DYNAMIC_SECTION(want[i].name) {
      const SweepPoint& p = (*points)[i];
      CHECK(p.name == want[i].name);
      CHECK(Weight(*p.policy, "LeastRequestedPriority") == want[i].lr);
      CHECK(Weight(*p.policy, "GPUFragmentationPriority") == want[i].fgd);
    }
  }
}

TEST_CASE("a sweep file's plugin args reach the plugin", "[simulate][sweep]") {
  const SweepFixture f;
  // An arg the plugin rejects shows that it was passed.
  auto bad = f.Load(
      "points:\n"
      "  - base: base.yaml\n"
      "    grid:\n"
      "      scale: {set: GPUFragmentationPriority.args.scale, values: [-5]}\n");
  REQUIRE(!bad.ok());
  CHECK(std::string(bad.status().message()).find("scale") != std::string::npos);
  auto good = f.Load(
      "points:\n"
      "  - base: base.yaml\n"
      "    grid:\n"
      "      scale: {set: GPUFragmentationPriority.args.scale, values: [2000]}\n");
  REQUIRE(good.ok());
  CHECK((*good)[0].name == "base[scale=2000]");
  CHECK((*good)[0].yaml.find("scale: 2000") != std::string::npos);
}

TEST_CASE("bad sweep files are rejected with the problem named", "[simulate][sweep]") {
  const SweepFixture f;
  struct Case {
    std::string name, text, message;
  };
  const std::vector<Case> cases = {
      {"no points", "other: 1\n", "needs a non-empty list \"points\""},
      {"unknown point key", "points:\n  - {base: base.yaml, bogus: 1}\n", "unknown key \"bogus\""},
      {"no base", "points:\n  - {name: x}\n", "needs base: FILE"},
      {"missing base", "points:\n  - {base: nope.yaml}\n", "cannot read base policy"},
      {"bad target", "points:\n  - base: base.yaml\n    grid: {x: {set: Foo, values: [1]}}\n",
       "must be PLUGIN.weight or PLUGIN.args.KEY"},
      {"args of an absent plugin",
       "points:\n  - base: base.yaml\n    grid: {x: {set: LeastRequestedPriority.args.a, "
       "values: [1]}}\n",
       "has no priority LeastRequestedPriority"},
      {"no values", "points:\n  - base: base.yaml\n    grid: {x: {set: A.weight, values: []}}\n",
       "has no values"},
      {"unknown plugin",
       "points:\n  - base: base.yaml\n    grid: {x: {set: NoSuchPriority.weight, values: [1]}}\n",
       "NoSuchPriority"},
      {"bad weight",
       "points:\n  - base: base.yaml\n    grid: {x: {set: LeastRequestedPriority.weight, "
       "values: [2000]}}\n",
       "weight"},
      {"duplicate names", "points:\n  - {base: base.yaml}\n  - {base: base.yaml}\n",
       "two points are named \"base\""},
      {"comma in a name", "points:\n  - {base: base.yaml, name: \"a,b\"}\n", "may not"},
      {"YAML error", "points: [\n", "sweep.yaml:"},
  };
  for (const Case& c : cases) {
    DYNAMIC_SECTION(c.name) {
      auto points = f.Load(c.text);
      REQUIRE(!points.ok());
      INFO(points.status().message());
      CHECK(std::string(points.status().message()).find(c.message) != std::string::npos);
    }
  }
}

// ---- departures: --time-scale, --node-scale, time_avg_alloc_gpu_pct ----

TEST_CASE("node scaling keeps an evenly spaced fraction of the nodes", "[simulate][departures]") {
  Cluster c;
  for (int i = 0; i < 10; ++i) {
    c.nodes.push_back(TraceNode("n" + std::to_string(i), 1000, 1024, i % 2 == 0 ? 2 : 1, "T4"));
  }
  struct Case {
    double fraction;
    std::vector<std::string> kept;
    int64_t capacity;
  };
  const std::vector<Case> cases = {
      {1.0, {"n0", "n1", "n2", "n3", "n4", "n5", "n6", "n7", "n8", "n9"}, 15000},
      {0.5, {"n1", "n3", "n5", "n7", "n9"}, 5000},
      {0.3, {"n3", "n6", "n9"}, 4000},
      {0.05, {}, 0},
  };
  for (const Case& k : cases) {
    DYNAMIC_SECTION(k.fraction) {
      Cluster copy = c;
      ScaleNodes(copy, k.fraction);
      std::vector<std::string> names;
      for (const auto& n : copy.nodes) names.push_back(n->name);
      CHECK(names == k.kept);
      CHECK(copy.gpu_capacity_milli == k.capacity);
    }
  }
}

// One node with 2 GPUs; A (1 GPU, t 0..10), B (1 GPU, t 5..105), C (CPU only, t 20).
struct DeparturesFixture {
  TempDir dir{"nbsched-sweep"};
  DeparturesFixture() {
    WriteFile(dir.File("nodes.csv"), "sn,cpu_milli,memory_mib,gpu,model\nn0,64000,262144,2,T4\n");
    WriteFile(dir.File("pods.csv"),
              "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,"
              "deletion_time,scheduled_time\n"
              "a,1000,1024,1,1000,,LS,Running,0,10,0\n"
              "b,1000,1024,1,1000,,LS,Running,5,105,5\n"
              "c,1000,1024,0,0,,LS,Running,20,30,20\n");
  }
  // The summary row of one run of least-requested with `extra` flags.
  std::vector<std::string> Summary(const std::vector<std::string>& extra) const {
    std::vector<std::string> args = {"simulate",
                                     "--cluster",
                                     dir.File("nodes.csv"),
                                     "--workload",
                                     dir.File("pods.csv"),
                                     "--policy",
                                     kSourceDir + "/examples/policies/least-requested.yaml",
                                     "--out",
                                     dir.File("out"),
                                     "--progress",
                                     "never"};
    args.insert(args.end(), extra.begin(), extra.end());
    const RunOutput r = Run(args, dir.File("err"));
    INFO(r.err);
    REQUIRE(r.code == 0);
    const auto lines = Lines(ReadFile(dir.File("out/summary.csv")));
    REQUIRE(lines.size() == 2);
    REQUIRE(CsvCells(lines[0]).back() == "time_avg_alloc_gpu_pct");
    return CsvCells(lines[1]);
  }
};

TEST_CASE("time_avg_alloc_gpu_pct integrates the allocation over the arrival window",
          "[simulate][departures]") {
  const DeparturesFixture f;
  struct Case {
    std::string name;
    std::vector<std::string> flags;
    std::string time_avg, final_alloc;
  };
  // Window [0, 20]: 1 GPU on [0,5), 2 on [5,10), 1 on [10,20] → 25 GPU·s / 20 s / 2 GPUs.
  // --time-scale 0.5: arrivals 0, 2.5, 10, durations kept: 1 GPU on [0,2.5), 2 on [2.5,10]
  // (A leaves at 10, when C arrives) → 17.5 / 10 / 2.
  const std::vector<Case> cases = {
      {"trace times", {}, "62.5000", "50.0000"},
      {"time-scale 0.5", {"--time-scale", "0.5"}, "87.5000", "50.0000"},
  };
  for (const Case& c : cases) {
    DYNAMIC_SECTION(c.name) {
      const auto row = f.Summary(c.flags);
      CHECK(row.back() == c.time_avg);
      CHECK(row[7] == c.final_alloc);  // alloc_gpu_pct
    }
  }
  SECTION("without churn: the mean of the steps' alloc_gpu_pct") {
    const auto row = f.Summary({"--arrival-scale", "1.0", "--seed", "3"});
    double sum = 0;
    int steps = 0;
    for (const std::string& line : Lines(ReadFile(f.dir.File("out/steps.csv")))) {
      if (steps++ == 0) continue;  // header
      sum += std::stod(CsvCells(line)[10]);
    }
    REQUIRE(steps > 3);
    CHECK(std::stod(row.back()) == Approx(sum / (steps - 1)).margin(1e-3));
    CHECK(std::stod(row.back()) < std::stod(row[7]));  // it rose from 50 % to 100 %
  }
}

// ---- bench/sweep-job.yaml ----

TEST_CASE("bench/sweep-job.yaml: an Indexed Job of N shards on a PVC, and a merge of all N",
          "[simulate][job]") {
  std::vector<YAML::Node> docs = YAML::LoadAllFromFile(kSourceDir + "/bench/sweep-job.yaml");
  std::map<std::string, std::vector<YAML::Node>> by_kind;
  for (const YAML::Node& d : docs) by_kind[d["kind"].as<std::string>()].push_back(d);
  REQUIRE(by_kind["PersistentVolumeClaim"].size() == 1);
  REQUIRE(by_kind["Job"].size() == 2);
  REQUIRE(by_kind["ConfigMap"].size() == 1);
  const std::string claim =
      by_kind["PersistentVolumeClaim"][0]["metadata"]["name"].as<std::string>();

  auto indexed = [](const YAML::Node& job) {
    const YAML::Node mode = job["spec"]["completionMode"];
    return mode.IsDefined() && mode.as<std::string>() == "Indexed";
  };
  const std::vector<YAML::Node>& jobs = by_kind["Job"];
  REQUIRE(indexed(jobs[0]) != indexed(jobs[1]));  // one Indexed Job of shards, one merge
  const YAML::Node shards = indexed(jobs[0]) ? jobs[0] : jobs[1];
  const YAML::Node merge = indexed(jobs[0]) ? jobs[1] : jobs[0];
  const int64_t n = shards["spec"]["completions"].as<int64_t>();
  CHECK(n >= 2);
  CHECK(shards["spec"]["parallelism"].as<int64_t>() == n);
  CHECK(merge["spec"]["suspend"].as<bool>());  // resumed after the shards complete

  // The mount path of the claim in a pod template, and its one container's args.
  auto mount_of_claim = [&](const YAML::Node& job) {
    const YAML::Node spec = job["spec"]["template"]["spec"];
    std::string volume;
    for (const YAML::Node& v : spec["volumes"]) {
      if (v["persistentVolumeClaim"] &&
          v["persistentVolumeClaim"]["claimName"].as<std::string>() == claim) {
        volume = v["name"].as<std::string>();
      }
    }
    REQUIRE(!volume.empty());
    REQUIRE(spec["containers"].size() == 1);
    for (const YAML::Node& m : spec["containers"][0]["volumeMounts"]) {
      if (m["name"].as<std::string>() == volume) return m["mountPath"].as<std::string>();
    }
    FAIL("the claim is not mounted");
    return std::string();
  };
  auto args_of = [](const YAML::Node& job) {
    const YAML::Node c = job["spec"]["template"]["spec"]["containers"][0];
    CHECK(c["image"].as<std::string>().find("nbsched") != std::string::npos);
    CHECK(!c["command"]);  // the image's entrypoint, /usr/local/bin/nbsched
    CHECK(job["spec"]["template"]["spec"]["securityContext"]["runAsUser"].as<int64_t>() == 65532);
    return c["args"].as<std::vector<std::string>>();
  };
  const std::string shard_mount = mount_of_claim(shards);
  const std::string merge_mount = mount_of_claim(merge);
  const std::vector<std::string> shard_args = args_of(shards);
  const std::vector<std::string> merge_args = args_of(merge);
  REQUIRE(shard_args.size() > 2);
  CHECK(shard_args[0] == "simulate");
  REQUIRE(merge_args.size() > 4);
  CHECK(merge_args[0] == "simulate");
  CHECK(merge_args[1] == "merge");

  auto value_after = [](const std::vector<std::string>& args, const std::string& flag) {
    auto it = std::find(args.begin(), args.end(), flag);
    REQUIRE(it != args.end());
    REQUIRE(it + 1 != args.end());
    return *(it + 1);
  };
  auto expand = [](std::string s, int64_t index) {
    const std::string var = "$(JOB_COMPLETION_INDEX)";
    for (size_t at; (at = s.find(var)) != std::string::npos;) {
      s.replace(at, var.size(), std::to_string(index));
    }
    return s;
  };
  // Every index is one distinct shard I/N, writing its own directory on the claim; the merge
  // reads exactly those N directories and writes elsewhere on the claim.
  std::set<int64_t> shard_indices;
  std::set<std::string> out_dirs;
  for (int64_t i = 0; i < n; ++i) {
    const auto spec = ParseShard(expand(value_after(shard_args, "--shard"), i));
    REQUIRE(spec.has_value());
    CHECK(spec->count == n);
    CHECK(spec->index == i);
    shard_indices.insert(spec->index);
    const std::string out = expand(value_after(shard_args, "--out"), i);
    CHECK(out.starts_with(shard_mount + "/"));
    out_dirs.insert(out);
  }
  CHECK(static_cast<int64_t>(shard_indices.size()) == n);
  CHECK(static_cast<int64_t>(out_dirs.size()) == n);
  const std::string merged = value_after(merge_args, "--out");
  CHECK(merged.starts_with(merge_mount + "/"));
  CHECK(out_dirs.count(merged) == 0);
  std::set<std::string> inputs;
  for (size_t i = 2; i < merge_args.size(); ++i) {
    if (merge_args[i] == "--out") {
      ++i;
      continue;
    }
    inputs.insert(merge_args[i]);
  }
  CHECK(inputs == out_dirs);
  CHECK(static_cast<int64_t>(merge_args.size()) == 4 + n);  // no repeated directory

  // The ConfigMap's policies and sweep file load, as the pods will read them.
  TempDir dir{"nbsched-sweep"};
  const YAML::Node data = by_kind["ConfigMap"][0]["data"];
  for (const auto& kv : data)
    WriteFile(dir.File(kv.first.as<std::string>()), kv.second.as<std::string>());
  for (size_t i = 0; i + 1 < shard_args.size(); ++i) {
    const std::string& flag = shard_args[i];
    if (flag != "--policy" && flag != "--sweep") continue;
    const std::string name = fs::path(shard_args[i + 1]).filename().string();
    INFO(name);
    REQUIRE(data[name]);
    if (flag == "--policy") {
      CHECK(config::LoadPolicyFile(dir.File(name), framework::Registry::Default(), 1).ok());
    } else {
      auto points = LoadSweepFile(dir.File(name), framework::Registry::Default());
      INFO(points.status().message());
      CHECK(points.ok());
    }
  }
}

}  // namespace
}  // namespace nbsched::simulate
