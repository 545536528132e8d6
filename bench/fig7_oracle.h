#pragma once

// Issue 19's Done-when asks that a policy keep the two Fig. 7 workers' CPU usage within 10
// percentage points of each other at every step after the 4th pod. This is the OFFLINE ORACLE
// for that bar: for one replay's arrival sequence (each pod's requests, limits and expected usage,
// as `nbsched simulate --usage-model notebook --seed S` draws them), it enumerates every
// assignment of the pods to the two workers that a scheduler could make, one pod at a time in
// arrival order, and returns the least achievable "largest |cpu_used_frac(w1) − cpu_used_frac(w2)|
// over the steps after the `after`-th pod" (percentage points, as docs/fig7.md measures it).
//
// The rules are the policies' rules: a pod goes to a worker where its requests fit
// (PodFitsResources: cpu, memory and pod count against allocatable, minus the requests already
// there) and is left unplaced only when it fits neither, so the oracle cannot dodge a busy
// notebook by refusing it. It knows every pod's usage in advance (the online policies only see
// the past), so its value bounds any online policy from below: when the oracle's gap exceeds
// 10 points on a seed, no scheduler meets the bar on that seed.
//
// Exhaustive depth-first search with branch and bound (a branch stops once its worst gap reaches
// the best complete one; identical workers are tried once). 20 pods: at most 2^20 leaves.
// LimitOracle does the same for the least largest Σ limits / allocatable after the last pod.
// Header-only (bench/fig7_oracle.cc and tests/simulate/usage_simulate_test.cc include it).

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "scheduler/simulate/inputs.h"

namespace nbsched::fig7 {

struct OraclePod {
  int64_t cpu_request = 0, memory_request = 0;  // effective requests (millicores, bytes)
  int64_t cpu_usage = 0;                        // expected usage (millicores)
  int64_t cpu_limit = 0, memory_limit = 0;      // Pod::limits (millicores, bytes)
};

struct OracleWorker {
  int64_t cpu_alloc = 0, memory_alloc = 0, pods_alloc = 0;
  int64_t cpu_requested = 0, memory_requested = 0, pods = 0;  // already running
  int64_t cpu_used = 0;                                       // the running pods' expected usage
  int64_t cpu_limits = 0, memory_limits = 0;                  // the running pods' Pod::limits
};

struct OracleResult {
  double best_gap = 0;          // percentage points
  std::vector<int> assignment;  // per pod: 0 or 1 (worker), -1 unplaced
  int64_t placed = 0;
  int64_t leaves = 0;  // complete assignments reached (search effort)
};

namespace internal {

struct Search {
  const std::vector<OraclePod>* pods;
  int after;
  OracleWorker w[2];
  std::vector<int> current, best_assignment;
  double best = std::numeric_limits<double>::infinity();
  int64_t leaves = 0;

  double Gap() const {
    return 100.0 * std::abs(static_cast<double>(w[0].cpu_used) / w[0].cpu_alloc -
                            static_cast<double>(w[1].cpu_used) / w[1].cpu_alloc);
  }
  static bool Fits(const OracleWorker& n, const OraclePod& p) {
    return n.cpu_requested + p.cpu_request <= n.cpu_alloc &&
           n.memory_requested + p.memory_request <= n.memory_alloc && n.pods + 1 <= n.pods_alloc;
  }
  // Runs `p` on `w` (limits too: Same ignores them, the gap search does not read them).
  static void Place(OracleWorker& w, const OraclePod& p) {
    w.cpu_requested += p.cpu_request;
    w.memory_requested += p.memory_request;
    w.pods += 1;
    w.cpu_used += p.cpu_usage;
    w.cpu_limits += p.cpu_limit;
    w.memory_limits += p.memory_limit;
  }
  static bool Same(const OracleWorker& a, const OracleWorker& b) {
    return a.cpu_alloc == b.cpu_alloc && a.memory_alloc == b.memory_alloc &&
           a.pods_alloc == b.pods_alloc && a.cpu_requested == b.cpu_requested &&
           a.memory_requested == b.memory_requested && a.pods == b.pods && a.cpu_used == b.cpu_used;
  }
  // Pods [i, n) still to place; `worst` = the largest gap over the steps done after `after`.
  void Run(size_t i, double worst) {
    if (worst >= best) return;
    if (i == pods->size()) {
      ++leaves;
      best = worst;
      best_assignment = current;
      return;
    }
    const OraclePod& p = (*pods)[i];
    const bool counts = static_cast<int>(i) + 1 > after;  // step i+1 is after the `after`-th pod
    bool any = false;
    for (int k = 0; k < 2; ++k) {
      if (k == 1 && Same(w[0], w[1])) break;  // mirror image of k == 0
      if (!Fits(w[k], p)) continue;
      any = true;
      OracleWorker saved = w[k];
      Place(w[k], p);
      current[i] = k;
      Run(i + 1, counts ? std::max(worst, Gap()) : worst);
      w[k] = saved;
    }
    if (!any) {
      current[i] = -1;
      Run(i + 1, counts ? std::max(worst, Gap()) : worst);
    }
  }
};

// The same enumeration for the other Done-when figure: the least achievable largest Σ limits /
// allocatable (cpu or memory, either worker) once every pod has arrived. Limits only grow, so a
// branch stops once its largest ratio reaches the best complete one.
struct LimitSearch {
  const std::vector<OraclePod>* pods;
  OracleWorker w[2];
  std::vector<int> current, best_assignment;
  double best = std::numeric_limits<double>::infinity();

  static double Ratio(const OracleWorker& n) {
    return std::max(static_cast<double>(n.cpu_limits) / n.cpu_alloc,
                    static_cast<double>(n.memory_limits) / n.memory_alloc);
  }
  void Run(size_t i) {
    const double worst = std::max(Ratio(w[0]), Ratio(w[1]));
    if (worst >= best) return;
    if (i == pods->size()) {
      best = worst;
      best_assignment = current;
      return;
    }
    const OraclePod& p = (*pods)[i];
    bool any = false;
    for (int k = 0; k < 2; ++k) {
      if (k == 1 && Search::Same(w[0], w[1]) && w[0].cpu_limits == w[1].cpu_limits &&
          w[0].memory_limits == w[1].memory_limits) {
        break;
      }
      if (!Search::Fits(w[k], p)) continue;
      any = true;
      OracleWorker saved = w[k];
      Search::Place(w[k], p);
      current[i] = k;
      Run(i + 1);
      w[k] = saved;
    }
    if (!any) {
      current[i] = -1;
      Run(i + 1);
    }
  }
};

}  // namespace internal

/// The least achievable largest CPU-usage gap (points) over steps after+1 .. pods.size().
inline OracleResult Oracle(const std::vector<OraclePod>& pods, const OracleWorker& w1,
                           const OracleWorker& w2, int after) {
  internal::Search s;
  s.pods = &pods;
  s.after = after;
  s.w[0] = w1;
  s.w[1] = w2;
  s.current.assign(pods.size(), -1);
  s.Run(0, 0.0);
  OracleResult r;
  r.best_gap = s.best;
  r.assignment = s.best_assignment;
  r.leaves = s.leaves;
  r.placed = std::count_if(r.assignment.begin(), r.assignment.end(), [](int a) { return a >= 0; });
  return r;
}

/// The least achievable largest Σ limits / allocatable after the last pod (best_gap holds it, as
/// a ratio; assignment and placed as for Oracle).
inline OracleResult LimitOracle(const std::vector<OraclePod>& pods, const OracleWorker& w1,
                                const OracleWorker& w2) {
  internal::LimitSearch s;
  s.pods = &pods;
  s.w[0] = w1;
  s.w[1] = w2;
  s.current.assign(pods.size(), -1);
  s.Run(0);
  OracleResult r;
  r.best_gap = s.best;
  r.assignment = s.best_assignment;
  r.placed = std::count_if(r.assignment.begin(), r.assignment.end(), [](int a) { return a >= 0; });
  return r;
}

/// A worker of the cluster with the running pods bound to it (their usage: Pod::expected_usage).
inline OracleWorker WorkerOf(const simulate::Cluster& cluster, const std::string& name) {
  OracleWorker w;
  for (const auto& node : cluster.nodes) {
    if (node->name != name) continue;
    w.cpu_alloc = node->allocatable.milli_cpu;
    w.memory_alloc = node->allocatable.memory;
    w.pods_alloc = node->allocatable.allowed_pods;
  }
  for (const auto& pod : cluster.running) {
    if (pod->node_name != name) continue;
    w.cpu_requested += pod->request.milli_cpu;
    w.memory_requested += pod->request.memory;
    w.pods += 1;
    w.cpu_used += pod->expected_usage.milli_cpu;
    w.cpu_limits += pod->limits.milli_cpu;
    w.memory_limits += pod->limits.memory;
  }
  return w;
}

/// The arrival sequence as the oracle sees it (after ApplyUsageModel).
inline std::vector<OraclePod> PodsOf(const std::vector<simulate::SimPod>& sequence) {
  std::vector<OraclePod> out;
  for (const auto& sp : sequence) {
    out.push_back({sp.pod->request.milli_cpu, sp.pod->request.memory,
                   sp.pod->expected_usage.milli_cpu, sp.pod->limits.milli_cpu,
                   sp.pod->limits.memory});
  }
  return out;
}

}  // namespace nbsched::fig7
