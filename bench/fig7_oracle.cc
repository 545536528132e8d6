// Issue 19's offline oracle (bench/fig7_oracle.h) over seeds: for each seed, the very sequence
// `nbsched simulate --workload W --usage-model notebook --seed S` replays (InOrderSequence, then
// ApplyUsageModel), and the least largest CPU-usage gap between the two workers over the steps
// after the 4th pod that any placement could achieve.
//
// usage: nbsched_fig7_oracle --cluster C.json --workload W.json --seed S [--seed S2 ...]
//            [--workers worker-1,worker-2] [--after 4]
// prints: seed,oracle_gap,oracle_placed,leaves,oracle_limit_ratio,limit_oracle_placed
//   (gap in percentage points, 2 decimals; the least largest Σ limits / allocatable after the last
//   pod, 4 decimals, and the pods that placement places)

#include "bench/fig7_oracle.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "scheduler/simulate/inputs.h"
#include "scheduler/simulate/replay.h"
#include "scheduler/simulate/usage_model.h"

int main(int argc, char** argv) {
  std::string cluster_path, workload_path, workers = "worker-1,worker-2";
  std::vector<uint64_t> seeds;
  int after = 4;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (i + 1 >= argc) {
      std::fprintf(stderr, "fig7_oracle: %s needs a value\n", a.c_str());
      return 2;
    }
    const std::string v = argv[++i];
    if (a == "--cluster") {
      cluster_path = v;
    } else if (a == "--workload") {
      workload_path = v;
    } else if (a == "--seed") {
      seeds.push_back(std::strtoull(v.c_str(), nullptr, 10));
    } else if (a == "--workers") {
      workers = v;
    } else if (a == "--after") {
      after = std::atoi(v.c_str());
    } else {
      std::fprintf(stderr, "fig7_oracle: unknown flag %s\n", a.c_str());
      return 2;
    }
  }
  const size_t comma = workers.find(',');
  if (cluster_path.empty() || workload_path.empty() || seeds.empty() ||
      comma == std::string::npos) {
    std::fprintf(stderr,
                 "usage: nbsched_fig7_oracle --cluster C --workload W --seed S [--seed ...] "
                 "[--workers A,B] [--after 4]\n");
    return 2;
  }
  auto cluster = nbsched::simulate::LoadCluster(cluster_path, false);
  auto workload = nbsched::simulate::LoadWorkload(workload_path, false);
  if (!cluster.ok() || !workload.ok()) {
    std::fprintf(
        stderr, "fig7_oracle: %s\n",
        std::string((cluster.ok() ? workload.status() : cluster.status()).message()).c_str());
    return 1;
  }
  const auto w1 = nbsched::fig7::WorkerOf(*cluster, workers.substr(0, comma));
  const auto w2 = nbsched::fig7::WorkerOf(*cluster, workers.substr(comma + 1));
  if (w1.cpu_alloc <= 0 || w2.cpu_alloc <= 0) {
    std::fprintf(stderr, "fig7_oracle: no worker %s with allocatable cpu\n", workers.c_str());
    return 1;
  }
  std::printf("seed,oracle_gap,oracle_placed,leaves,oracle_limit_ratio,limit_oracle_placed\n");
  for (uint64_t seed : seeds) {
    auto sequence =
        nbsched::simulate::ApplyUsageModel(nbsched::simulate::InOrderSequence(*workload),
                                           nbsched::simulate::UsageModel::kNotebook, seed);
    if (!sequence.ok()) {
      std::fprintf(stderr, "fig7_oracle: %s\n", std::string(sequence.status().message()).c_str());
      return 1;
    }
    const auto pods = nbsched::fig7::PodsOf(*sequence);
    const auto r = nbsched::fig7::Oracle(pods, w1, w2, after);
    const auto l = nbsched::fig7::LimitOracle(pods, w1, w2);
    std::printf("%llu,%.2f,%lld,%lld,%.4f,%lld\n", static_cast<unsigned long long>(seed),
                r.best_gap, static_cast<long long>(r.placed), static_cast<long long>(r.leaves),
                l.best_gap, static_cast<long long>(l.placed));
  }
  return 0;
}
