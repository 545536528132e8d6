#include "scheduler/simulate/simulate_main.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "scheduler/config/policy_loader.h"
#include "scheduler/framework/registry.h"
#include "scheduler/simulate/merge.h"
#include "scheduler/simulate/replay.h"
#include "scheduler/simulate/sweep.h"
#include "scheduler/simulate/usage_model.h"

namespace nbsched::simulate {
namespace {

constexpr std::string_view kUsage =
    R"(usage: nbsched simulate --cluster FILE --workload FILE --policy FILE [--policy FILE]...
                        [--out DIR] [--seed N]... [--arrival-scale X]
                        [--progress auto|always|never] [--per-node] [--skip-bad-rows]
                        [--threads N] [--usage-model none|notebook] [--sweep FILE]...
                        [--shard I/N] [--time-scale X] [--node-scale X]
       nbsched simulate merge --out DIR SHARD_DIR...

  --cluster FILE        a snapshot List JSON, or a node CSV (sn,cpu_milli,memory_mib,gpu,model)
  --workload FILE       a Pod List JSON (optional annotations nbsched.io/arrival-seconds and
                        nbsched.io/duration-seconds), or a trace pod CSV (openb_pod_list_*.csv)
  --policy FILE         a policy.yaml; repeat to compare (name = file base name)
  --out DIR             output directory (default ./sim-out)
  --seed N              tie-break and shuffle seed; repeat for several runs (default 42)
  --arrival-scale X     the FGD paper's replay: shuffle, inflate to X times the GPU capacity,
                        one pod at a time, no deletions (default: replay once in order, with
                        deletions where durations are given)
  --progress MODE       progress bar on stderr: auto (when a terminal), always, never
  --per-node            write nodes.csv for any cluster size (always written up to 50 nodes)
  --skip-bad-rows       skip malformed trace rows (counted on stderr) instead of failing
  --threads N           parallel runs (default: number of cores)
  --usage-model MODEL   none (default): a pod uses what its nbsched.io/usage-* annotations
                        say, else its requests; notebook: draw the missing annotations from a
                        seeded notebook activity model (seed = the run's --seed)
  --sweep FILE          policies x argument grids (YAML); each point is a policy named
                        NAME[key=value;...], run after the --policy files
  --shard I/N           only the runs (policy x seed, policy-major) whose index is I mod N;
                        also writes shard.txt for `nbsched simulate merge`
  --time-scale X        multiply the workload's arrival times by X (durations kept)
  --node-scale X        keep an evenly spaced fraction X (0 < X <= 1) of the cluster's nodes

Writes steps.csv, alloc_grid.csv, summary.csv (and nodes.csv) to DIR; timing.csv holds the
seconds per run (the only file that varies between identical runs).
)";

int UsageError(const std::string& message) {
  std::cerr << "nbsched simulate: " << message << "\n";
  return 2;
}

struct Flags {
  std::string cluster, workload, out = "sim-out", progress = "auto";
  std::vector<std::string> policies;
  std::vector<uint64_t> seeds;
  std::optional<double> arrival_scale, time_scale, node_scale;
  std::vector<std::string> sweeps;
  std::optional<ShardSpec> shard;
  bool per_node = false, skip_bad_rows = false, help = false;
  int threads = 0;
  UsageModel usage_model = UsageModel::kNone;
};

// Returns an exit code on error.
std::optional<int> ParseFlags(int argc, char** argv, Flags& f) {
  for (int i = 2; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      f.help = true;
      continue;
    }
    if (!arg.starts_with("--")) return UsageError("unexpected argument \"" + arg + "\"");
    std::string name = arg.substr(2);
    std::optional<std::string> value;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    if (name == "per-node" || name == "skip-bad-rows") {
      if (value) return UsageError("flag --" + name + " takes no value");
      (name == "per-node" ? f.per_node : f.skip_bad_rows) = true;
      continue;
    }
    static const std::vector<std::string> kWithValue = {
        "cluster", "workload", "policy", "out",        "seed",       "arrival-scale", "progress",
        "threads", "sweep",    "shard",  "time-scale", "node-scale", "usage-model"};
    if (std::find(kWithValue.begin(), kWithValue.end(), name) == kWithValue.end()) {
      return UsageError("unknown flag --" + name);
    }
    if (!value) {
      if (i + 1 >= argc) return UsageError("flag --" + name + " needs a value");
      value = argv[++i];
    }
    const std::string& v = *value;
    if (name == "cluster") {
      f.cluster = v;
    } else if (name == "workload") {
      f.workload = v;
    } else if (name == "policy") {
      f.policies.push_back(v);
    } else if (name == "out") {
      f.out = v;
    } else if (name == "progress") {
      if (v != "auto" && v != "always" && v != "never") {
        return UsageError("flag --progress must be auto, always or never (got \"" + v + "\")");
      }
      f.progress = v;
    } else if (name == "seed") {
      uint64_t seed = 0;
      auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), seed);
      if (v.empty() || ec != std::errc() || p != v.data() + v.size()) {
        return UsageError("flag --seed needs a non-negative integer (got \"" + v + "\")");
      }
      f.seeds.push_back(seed);
    } else if (name == "threads") {
      int n = 0;
      auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
      if (v.empty() || ec != std::errc() || p != v.data() + v.size() || n < 1) {
        return UsageError("flag --threads needs a positive integer (got \"" + v + "\")");
      }
      f.threads = n;
    } else if (name == "usage-model") {
      auto model = ParseUsageModel(v);
      if (!model.ok()) return UsageError(std::string(model.status().message()));
      f.usage_model = *model;
    } else if (name == "sweep") {
      f.sweeps.push_back(v);
    } else if (name == "shard") {
      f.shard = ParseShard(v);
      if (!f.shard) return UsageError("flag --shard needs I/N with 0 <= I < N (got \"" + v + "\")");
    } else if (name == "time-scale" || name == "node-scale") {
      double x = 0;
      auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
      if (v.empty() || ec != std::errc() || p != v.data() + v.size() || !(x > 0) ||
          (name == "node-scale" && x > 1)) {
        return UsageError("flag --" + name + " needs a number in " +
                          (name == "node-scale" ? "(0, 1]" : "(0, inf)") + " (got \"" + v + "\")");
      }
      (name == "time-scale" ? f.time_scale : f.node_scale) = x;
    } else if (name == "arrival-scale") {
      double x = 0;
      auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
      if (v.empty() || ec != std::errc() || p != v.data() + v.size() || !(x > 0)) {
        return UsageError("flag --arrival-scale needs a positive number (got \"" + v + "\")");
      }
      f.arrival_scale = x;
    }
  }
  return std::nullopt;
}

// A one-line bar on stderr, redrawn a few times a second once the run has taken a second.
class Progress {
 public:
  Progress(bool enabled, int64_t total, const std::atomic<int64_t>& done)
      : enabled_(enabled), total_(total), done_(done) {
    if (enabled_) thread_ = std::thread([this] { Loop(); });
  }
  ~Progress() { Stop(); }
  void Stop() {
    if (!thread_.joinable()) return;
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
    if (shown_) {
      Draw();
      std::fputc('\n', stderr);
    }
  }

 private:
  void Loop() {
    std::unique_lock<std::mutex> lock(mu_);
    while (!cv_.wait_for(lock, std::chrono::milliseconds(200), [this] { return stop_; })) {
      if (Elapsed() < 1.0) continue;
      shown_ = true;
      Draw();
    }
  }
  double Elapsed() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }
  void Draw() const {
    const int64_t done = std::min(done_.load(std::memory_order_relaxed), total_);
    const double frac = total_ > 0 ? static_cast<double>(done) / static_cast<double>(total_) : 1;
    constexpr int kWidth = 40;
    const int filled = static_cast<int>(frac * kWidth);
    std::string bar(static_cast<size_t>(filled), '#');
    bar.append(static_cast<size_t>(kWidth - filled), '.');
    std::fprintf(stderr, "\rsimulate [%s] %3d%% %lld/%lld pods %.1fs", bar.c_str(),
                 static_cast<int>(frac * 100), static_cast<long long>(done),
                 static_cast<long long>(total_), Elapsed());
    std::fflush(stderr);
  }

  const bool enabled_;
  const int64_t total_;
  const std::atomic<int64_t>& done_;
  const std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool shown_ = false;
  std::thread thread_;
};

bool WriteFile(const std::filesystem::path& path, const std::string& header,
               const std::vector<RunResult>& runs, std::string RunResult::*part) {
  std::ofstream out(path, std::ios::binary);
  if (!out) return false;
  out << header << '\n';
  for (const RunResult& r : runs) out << r.*part;
  return static_cast<bool>(out);
}

}  // namespace

int RunSimulate(int argc, char** argv) {
  if (argc >= 3 && std::string_view(argv[2]) == "merge") return RunMerge(argc, argv);
  Flags flags;
  if (auto code = ParseFlags(argc, argv, flags)) return *code;
  if (flags.help) {
    std::cout << kUsage;
    return 0;
  }
  if (flags.cluster.empty()) return UsageError("needs --cluster FILE");
  if (flags.workload.empty()) return UsageError("needs --workload FILE");
  if (flags.policies.empty() && flags.sweeps.empty()) {
    return UsageError("needs at least one --policy FILE or --sweep FILE");
  }
  if (flags.seeds.empty()) flags.seeds.push_back(42);

  auto cluster = LoadCluster(flags.cluster, flags.skip_bad_rows);
  if (!cluster.ok()) {
    std::cerr << "nbsched simulate: " << cluster.status().message() << "\n";
    return 1;
  }
  auto workload = LoadWorkload(flags.workload, flags.skip_bad_rows);
  if (!workload.ok()) {
    std::cerr << "nbsched simulate: " << workload.status().message() << "\n";
    return 1;
  }
  if (flags.node_scale) ScaleNodes(*cluster, *flags.node_scale);
  if (flags.time_scale) ScaleArrivalTimes(*workload, *flags.time_scale);
  if (cluster->skipped_rows > 0) {
    std::cerr << "nbsched simulate: skipped " << cluster->skipped_rows << " bad rows in "
              << flags.cluster << "\n";
  }
  if (workload->skipped_rows > 0) {
    std::cerr << "nbsched simulate: skipped " << workload->skipped_rows << " bad rows in "
              << flags.workload << "\n";
  }

  struct NamedPolicy {
    std::string name;
    std::shared_ptr<const framework::Policy> policy;
  };
  std::vector<NamedPolicy> policies;
  for (const std::string& path : flags.policies) {
    auto policy = config::LoadPolicyFile(path, framework::Registry::Default(), 1);
    if (!policy.ok()) {
      std::cerr << "nbsched simulate: " << policy.status().message() << "\n";
      return 1;
    }
    const std::string name = std::filesystem::path(path).stem().string();
    for (const NamedPolicy& p : policies) {
      if (p.name == name) return UsageError("two policies are named \"" + name + "\"");
    }
    policies.push_back({name, *policy});
  }
  std::string points_yaml;  // the sweep points' policies, for the shards' fingerprint
  for (const std::string& path : flags.sweeps) {
    auto points = LoadSweepFile(path, framework::Registry::Default());
    if (!points.ok()) {
      std::cerr << "nbsched simulate: " << points.status().message() << "\n";
      return 1;
    }
    for (SweepPoint& point : *points) {
      for (const NamedPolicy& p : policies) {
        if (p.name == point.name) {
          return UsageError("two policies are named \"" + point.name + "\"");
        }
      }
      points_yaml += point.name + "\n" + point.yaml;
      policies.push_back({point.name, point.policy});
    }
  }

  // One pod sequence per seed, shared by every policy.
  std::vector<std::vector<SimPod>> sequences;
  bool churn = false;
  for (uint64_t seed : flags.seeds) {
    if (flags.arrival_scale) {
      sequences.push_back(
          ArrivalSequence(*workload, cluster->gpu_capacity_milli, *flags.arrival_scale, seed));
    } else {
      sequences.push_back(InOrderSequence(*workload));
    }
    auto with_usage = ApplyUsageModel(std::move(sequences.back()), flags.usage_model, seed);
    if (!with_usage.ok()) {
      std::cerr << "nbsched simulate: " << flags.workload << ": " << with_usage.status().message()
                << "\n";
      return 1;
    }
    sequences.back() = std::move(*with_usage);
  }
  if (!flags.arrival_scale) {
    for (const SimPod& p : workload->pods) churn |= p.duration >= 0;
  }
  const auto frag_target = WorkloadTarget(*workload);

  std::atomic<int64_t> done{0};
  std::vector<RunConfig> configs;
  std::vector<size_t> sequence_of;
  int64_t total = 0;
  const ShardSpec shard = flags.shard.value_or(ShardSpec{});
  int64_t run_index = -1;
  std::vector<int64_t> run_indices;  // of the selected runs, in the sweep's order
  for (const NamedPolicy& p : policies) {
    for (size_t s = 0; s < flags.seeds.size(); ++s) {
      if (!InShard(shard, ++run_index)) continue;
      run_indices.push_back(run_index);
      RunConfig c;
      c.policy_name = p.name;
      c.policy = SimulationPolicy(*p.policy, flags.seeds[s], *workload);
      c.seed = flags.seeds[s];
      c.churn = churn;
      c.per_node = flags.per_node || cluster->nodes.size() <= 50;
      c.frag_target = frag_target.get();
      c.progress = &done;
      configs.push_back(std::move(c));
      sequence_of.push_back(s);
      total += static_cast<int64_t>(sequences[s].size());
    }
  }

  std::vector<RunResult> results(configs.size());
  const bool show = flags.progress == "always" || (flags.progress == "auto" && isatty(2));
  Progress progress(show, total, done);
  const auto wall_start = std::chrono::steady_clock::now();
  const int threads = std::max(
      1, std::min<int>(flags.threads > 0 ? flags.threads
                                         : static_cast<int>(std::thread::hardware_concurrency()),
                       static_cast<int>(configs.size())));
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i = next.fetch_add(1); i < configs.size(); i = next.fetch_add(1)) {
      results[i] = RunReplay(*cluster, sequences[sequence_of[i]], configs[i]);
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (std::thread& t : pool) t.join();
  progress.Stop();
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();

  const std::filesystem::path out(flags.out);
  std::error_code ec;
  std::filesystem::create_directories(out, ec);
  bool ok = !ec;
  ok = ok && WriteFile(out / "steps.csv", std::string(kStepsHeader), results, &RunResult::steps);
  ok = ok && WriteFile(out / "alloc_grid.csv", GridHeader(), results, &RunResult::grid);
  ok = ok &&
       WriteFile(out / "summary.csv", std::string(kSummaryHeader), results, &RunResult::summary);
  if (ok && (flags.per_node || cluster->nodes.size() <= 50)) {
    ok = WriteFile(out / "nodes.csv", std::string(kNodesHeader), results, &RunResult::nodes);
  }
  if (ok && !flags.shard) {
    std::filesystem::remove(out / kShardManifest, ec);  // a stale one would mislead a merge
  }
  if (ok && flags.shard) {
    // The manifest `simulate merge` reads: which runs this shard holds and how many lines
    // each wrote to each file.
    const bool nodes = flags.per_node || cluster->nodes.size() <= 50;
    std::vector<std::pair<std::string, std::string RunResult::*>> files = {
        {"steps.csv", &RunResult::steps},
        {"alloc_grid.csv", &RunResult::grid},
        {"summary.csv", &RunResult::summary}};
    if (nodes) files.push_back({"nodes.csv", &RunResult::nodes});
    std::ofstream m(out / kShardManifest);
    m << kShardMagic << "\nsweep " << HashHex(SweepFingerprint(argc, argv) + points_yaml)
      << "\nshard " << shard.index << ' ' << shard.count << "\nruns " << run_index + 1 << '\n';
    for (const auto& f : files) m << "file " << f.first << '\n';
    m << "file timing.csv\n";
    for (size_t i = 0; i < results.size(); ++i) {
      m << "run " << run_indices[i];
      for (const auto& f : files) {
        const std::string& text = results[i].*(f.second);
        m << ' ' << std::count(text.begin(), text.end(), '\n');
      }
      m << " 1\n";
    }
    ok = static_cast<bool>(m);
  }
  if (ok) {
    std::ofstream timing(out / "timing.csv");
    timing << "policy,seed,pods,seconds\n";
    for (size_t i = 0; i < results.size(); ++i) {
      timing << configs[i].policy_name << ',' << configs[i].seed << ',' << results[i].pods_arrived
             << ',' << results[i].seconds << '\n';
    }
    ok = static_cast<bool>(timing);
  }
  if (!ok) {
    std::cerr << "nbsched simulate: cannot write to " << flags.out << "\n";
    return 1;
  }
  double run_seconds = 0;
  for (const RunResult& r : results) run_seconds += r.seconds;
  std::fprintf(stderr,
               "nbsched simulate: %zu runs (%zu policies x %zu seeds) on %d threads, %.3f s per "
               "run, %.2f s wall; wrote %s\n",
               results.size(), policies.size(), flags.seeds.size(), threads,
               results.empty() ? 0.0 : run_seconds / static_cast<double>(results.size()), wall,
               flags.out.c_str());
  return 0;
}

}  // namespace nbsched::simulate
