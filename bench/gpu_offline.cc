// How much is there to win (issue 18): for the pods that arrive in `nbsched simulate
// --arrival-scale X --seed S` (the very same sequence, simulate::ArrivalSequence), the best
// OFFLINE packing found by first-fit / best-fit decreasing under a few orderings, and a CPLEX-LP
// file of an upper bound for glpsol (bench/gpu-bound.sh).
//
// The bound: maximise Σ d_s·x_{s,t} over x_{s,t} ≥ 0 = pods of shape s (cpu, memory, k GPUs of
// m milli, allowed models) on nodes of type t (cpu, memory, G, model; n_t nodes) with
//   Σ_t x_{s,t} ≤ count_s;  x_{s,t} = 0 when one pod of s fits no node of t alone;
//   per type: Σ c_s x ≤ n_t·C_t, Σ mem_s x ≤ n_t·M_t, Σ d_s x ≤ 1000·n_t·G_t;
//   per type, per GPU: whole GPUs used + sharing pods with m > 500 ≤ n_t·G_t (no GPU holds two
//     pods above half, nor a share beside a whole-GPU pod);
//   per type, per node: pods with k > G_t/2, c > C_t/2 or mem > M_t/2 ≤ n_t each (two never
//     share a node).
// Every packing of the pods satisfies these, so the optimum bounds any policy's allocation, online
// or offline. It relaxes: nodes of one type pooled into one bin per resource (no per-node
// packing beyond the half cuts), the per-GPU packing of shares beyond the 500 cut (e.g. three
// 400-milli pods could share 1200 milli of two GPUs), arrival order, and (LP) integrality; with
// --mip the counts are integers (a tighter bound when glpsol proves it optimal).
//
// usage: nbsched_gpu_offline --cluster NODES.csv --workload PODS.csv --seed S
//            [--arrival-scale 1.3] [--lp FILE] [--mip]
// prints: seed,pods_arrived,arrived_gpu_pct,offline_gpu_pct,offline_rule,offline_placed
// (pods_arrived: the prefix of the sequence whose GPU demand stays within X·C)

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "scheduler/model/gpu.h"
#include "scheduler/simulate/inputs.h"
#include "scheduler/simulate/replay.h"

namespace {

using nbsched::GpuDemand;
using nbsched::GpuSlots;
using nbsched::kMilliPerGpu;

struct PodShape {
  int64_t cpu = 0, mem = 0;
  GpuDemand gpu;
  std::set<std::string> models;  // empty = any
  auto Key() const { return std::tuple(cpu, mem, gpu.count, gpu.milli, models); }
};

struct NodeType {
  int64_t cpu = 0, mem = 0;
  int gpus = 0;
  std::string model;
  auto Key() const { return std::tuple(cpu, mem, gpus, model); }
};

PodShape ShapeOf(const nbsched::Pod& pod) {
  PodShape s;
  s.cpu = pod.request.milli_cpu;
  s.mem = pod.request.memory;
  s.gpu = nbsched::PodGpuDemand(pod);
  if (pod.node_affinity && pod.node_affinity->required) {
    for (const auto& term : *pod.node_affinity->required) {
      for (const auto& e : term.match_expressions) {
        if (e.key == nbsched::kGpuProductLabel) s.models.insert(e.values.begin(), e.values.end());
      }
    }
  }
  return s;
}

NodeType TypeOf(const nbsched::Node& node) {
  NodeType t;
  t.cpu = node.allocatable.milli_cpu;
  t.mem = node.allocatable.memory;
  t.gpus = static_cast<int>(node.allocatable.scalars.Get(nbsched::kResourceNvidiaGpu));
  if (auto it = node.labels.find(std::string(nbsched::kGpuProductLabel)); it != node.labels.end()) {
    t.model = it->second;
  }
  return t;
}

bool ModelOk(const PodShape& s, const NodeType& t) {
  return s.gpu.none() || s.models.empty() || s.models.count(t.model) > 0;
}

bool FitsEmpty(const PodShape& s, const NodeType& t) {
  return s.cpu <= t.cpu && s.mem <= t.mem && s.gpu.count <= t.gpus && ModelOk(s, t);
}

struct NodeState {
  const NodeType* type;
  int64_t cpu_left, mem_left;
  GpuSlots gpus;
};

// Packs the GPU pods in `order` (CPU-only pods add no GPU allocation and are left out); returns
// the GPU milli placed and the pods placed.
std::pair<int64_t, int64_t> Pack(const std::vector<const PodShape*>& order,
                                 const std::vector<NodeType>& node_types, bool best_fit) {
  std::vector<NodeState> nodes;
  for (const NodeType& t : node_types) nodes.push_back({&t, t.cpu, t.mem, GpuSlots(t.gpus)});
  int64_t placed_milli = 0, placed = 0;
  for (const PodShape* s : order) {
    int best = -1;
    int64_t best_key = 0;
    for (size_t i = 0; i < nodes.size(); ++i) {
      NodeState& n = nodes[i];
      if (s->cpu > n.cpu_left || s->mem > n.mem_left || !ModelOk(*s, *n.type) ||
          !n.gpus.Fits(s->gpu)) {
        continue;
      }
      if (!best_fit) {
        best = static_cast<int>(i);
        break;
      }
      // Best fit: the least idle GPU left, then the least CPU left.
      const int64_t key =
          (n.gpus.idle_milli() - s->gpu.total_milli()) * 1'000'000'000 + (n.cpu_left - s->cpu);
      if (best < 0 || key < best_key) {
        best = static_cast<int>(i);
        best_key = key;
      }
    }
    if (best < 0) continue;
    NodeState& n = nodes[static_cast<size_t>(best)];
    n.cpu_left -= s->cpu;
    n.mem_left -= s->mem;
    n.gpus.Take(s->gpu, n.gpus.Choose(s->gpu));
    placed_milli += s->gpu.total_milli();
    ++placed;
  }
  return {placed_milli, placed};
}

// The order as a trace pod list (no times: `nbsched simulate` replays it once, in order, with
// no deletions), so that any policy can pack the same pods offline.
void WriteOrder(const std::string& path, const std::vector<const PodShape*>& order) {
  std::ofstream out(path);
  out << "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec\n";
  char name[32];
  for (size_t i = 0; i < order.size(); ++i) {
    const PodShape& p = *order[i];
    std::snprintf(name, sizeof name, "pod-%06zu", i);
    std::string spec;
    for (const std::string& m : p.models) spec += (spec.empty() ? "" : "|") + m;
    out << name << ',' << p.cpu << ',' << p.mem / (1024 * 1024) << ',' << p.gpu.count << ','
        << p.gpu.milli << ',' << spec << '\n';
  }
}

std::string Num(int64_t v) { return std::to_string(v); }

}  // namespace

int main(int argc, char** argv) {
  std::string cluster_path, workload_path, lp_path, orders_dir;
  uint64_t seed = 42;
  double scale = 1.3;
  bool mip = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << "nbsched_gpu_offline: " << a << " needs a value\n";
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--cluster") {
      cluster_path = value();
    } else if (a == "--workload") {
      workload_path = value();
    } else if (a == "--seed") {
      seed = std::stoull(value());
    } else if (a == "--arrival-scale") {
      scale = std::stod(value());
    } else if (a == "--lp") {
      lp_path = value();
    } else if (a == "--orders") {
      orders_dir = value();
    } else if (a == "--mip") {
      mip = true;
    } else {
      std::cerr << "nbsched_gpu_offline: unknown argument " << a << "\n";
      return 2;
    }
  }
  if (cluster_path.empty() || workload_path.empty()) {
    std::cerr << "usage: nbsched_gpu_offline --cluster FILE --workload FILE --seed S "
                 "[--arrival-scale X] [--lp FILE] [--mip]\n";
    return 2;
  }
  auto cluster = nbsched::simulate::LoadCluster(cluster_path, false);
  if (!cluster.ok()) {
    std::cerr << cluster.status().message() << "\n";
    return 1;
  }
  auto workload = nbsched::simulate::LoadWorkload(workload_path, false);
  if (!workload.ok()) {
    std::cerr << workload.status().message() << "\n";
    return 1;
  }
  const auto sequence =
      nbsched::simulate::ArrivalSequence(*workload, cluster->gpu_capacity_milli, scale, seed);
  const double capacity = static_cast<double>(cluster->gpu_capacity_milli);

  std::vector<PodShape> pods;
  int64_t arrived_milli = 0;
  size_t arrived_pods = 0;
  for (const auto& sp : sequence) {
    // The pods arrived by `scale`·C (alloc_grid's column): a list that alone exceeds it
    // (multigpu50: 183 %) is cut there, as the grid's column 130 is read mid-replay.
    if (static_cast<double>(arrived_milli + sp.gpu_milli) > scale * capacity) break;
    pods.push_back(ShapeOf(*sp.pod));
    arrived_milli += sp.gpu_milli;
    ++arrived_pods;
  }
  std::vector<NodeType> node_types;
  for (const auto& n : cluster->nodes) node_types.push_back(TypeOf(*n));

  // Offline packings: orderings × first / best fit; the best wins.
  std::vector<const PodShape*> gpu_pods;
  for (const PodShape& p : pods) {
    if (!p.gpu.none()) gpu_pods.push_back(&p);
  }
  struct Ordering {
    std::string name;
    std::function<bool(const PodShape*, const PodShape*)> less;
  };
  auto by_gpu = [](const PodShape* a, const PodShape* b) {
    return a->gpu.total_milli() > b->gpu.total_milli();
  };
  auto ratio = [](const PodShape* a) {
    return static_cast<double>(a->cpu) / static_cast<double>(a->gpu.total_milli());
  };
  const std::vector<Ordering> orderings = {
      {"gpu-desc/cpu-desc",
       [&](auto* a, auto* b) { return by_gpu(a, b) || (!by_gpu(b, a) && a->cpu > b->cpu); }},
      {"gpu-desc/cpu-asc",
       [&](auto* a, auto* b) { return by_gpu(a, b) || (!by_gpu(b, a) && a->cpu < b->cpu); }},
      {"spec-first/gpu-desc/cpu-desc",
       [&](auto* a, auto* b) {
         const bool sa = !a->models.empty(), sb = !b->models.empty();
         if (sa != sb) return sa;
         return by_gpu(a, b) || (!by_gpu(b, a) && a->cpu > b->cpu);
       }},
      {"cpu-per-gpu-asc", [&](auto* a, auto* b) { return ratio(a) < ratio(b); }},
      {"whole-first/cpu-per-gpu-asc/share-desc",
       [&](auto* a, auto* b) {
         if (a->gpu.shared() != b->gpu.shared()) return !a->gpu.shared();
         if (!a->gpu.shared()) return ratio(a) < ratio(b);
         return a->gpu.milli > b->gpu.milli || (a->gpu.milli == b->gpu.milli && a->cpu < b->cpu);
       }},
      {"whole-first/gpu-desc/cpu-asc/share-desc",
       [&](auto* a, auto* b) {
         if (a->gpu.shared() != b->gpu.shared()) return !a->gpu.shared();
         if (a->gpu.total_milli() != b->gpu.total_milli()) return by_gpu(a, b);
         return a->cpu < b->cpu;
       }},
  };
  int64_t best_milli = -1, best_placed = 0;
  std::string best_rule;
  for (size_t k = 0; k <= orderings.size(); ++k) {
    // The last ordering: the GPU pods in arrival order.
    std::vector<const PodShape*> order = gpu_pods;
    const Ordering o = k < orderings.size() ? orderings[k] : Ordering{"arrival", nullptr};
    if (o.less) std::stable_sort(order.begin(), order.end(), o.less);
    if (!orders_dir.empty()) {
      std::string file = o.name;
      std::replace(file.begin(), file.end(), '/', '+');
      WriteOrder(orders_dir + "/" + file + ".csv", order);
    }
    for (bool best_fit : {false, true}) {
      const auto [milli, placed] = Pack(order, node_types, best_fit);
      if (milli > best_milli) {
        best_milli = milli;
        best_placed = placed;
        best_rule = (best_fit ? "bfd:" : "ffd:") + o.name;
      }
    }
  }

  if (!lp_path.empty()) {
    std::map<decltype(PodShape().Key()), std::pair<PodShape, int64_t>> shapes;
    for (const PodShape& p : pods) {
      if (p.gpu.none()) continue;  // no GPU to win
      auto& e = shapes[p.Key()];
      e.first = p;
      ++e.second;
    }
    std::map<decltype(NodeType().Key()), std::pair<NodeType, int64_t>> types;
    for (const NodeType& t : node_types) {
      auto& e = types[t.Key()];
      e.first = t;
      ++e.second;
    }
    std::vector<std::pair<PodShape, int64_t>> S;
    for (auto& [k, v] : shapes) S.push_back(v);
    std::vector<std::pair<NodeType, int64_t>> T;
    for (auto& [k, v] : types) T.push_back(v);
    auto var = [](size_t s, size_t t) { return "x" + std::to_string(s) + "_" + std::to_string(t); };
    std::ofstream lp(lp_path);
    lp << "\\ upper bound of GPU allocation, seed " << seed << ", " << S.size() << " pod shapes x "
       << T.size() << " node types\nMaximize\n obj:";
    for (size_t s = 0; s < S.size(); ++s) {
      for (size_t t = 0; t < T.size(); ++t) {
        if (FitsEmpty(S[s].first, T[t].first)) {
          lp << " + " << S[s].first.gpu.total_milli() << " " << var(s, t) << "\n";
        }
      }
    }
    lp << "Subject To\n";
    for (size_t s = 0; s < S.size(); ++s) {
      std::string row;
      for (size_t t = 0; t < T.size(); ++t) {
        if (FitsEmpty(S[s].first, T[t].first)) row += " + " + var(s, t);
      }
      if (!row.empty()) lp << " count" << s << ":" << row << " <= " << S[s].second << "\n";
    }
    for (size_t t = 0; t < T.size(); ++t) {
      const NodeType& nt = T[t].first;
      const int64_t n = T[t].second;
      std::string cpu, mem, gpu, slots, big, half_cpu, half_mem;
      for (size_t s = 0; s < S.size(); ++s) {
        const PodShape& ps = S[s].first;
        if (!FitsEmpty(ps, nt)) continue;
        const std::string v = var(s, t);
        if (ps.cpu > 0) cpu += " + " + Num(ps.cpu) + " " + v;
        if (ps.mem > 0) mem += " + " + Num(ps.mem / (1024 * 1024)) + " " + v;
        gpu += " + " + Num(ps.gpu.total_milli()) + " " + v;
        if (!ps.gpu.shared()) {
          slots += " + " + Num(ps.gpu.count) + " " + v;
        } else if (ps.gpu.milli > kMilliPerGpu / 2) {
          slots += " + " + v;
        }
        if (2 * ps.gpu.count > nt.gpus && !ps.gpu.shared()) big += " + " + v;
        if (2 * ps.cpu > nt.cpu) half_cpu += " + " + v;
        if (2 * ps.mem > nt.mem) half_mem += " + " + v;
      }
      auto row = [&](const std::string& name, const std::string& sum, int64_t rhs) {
        if (!sum.empty()) lp << " " << name << t << ":" << sum << " <= " << rhs << "\n";
      };
      // Memory in MiB, rounded down per pod (a relaxation) to keep coefficients small.
      row("cpu", cpu, n * nt.cpu);
      row("mem", mem, n * (nt.mem / (1024 * 1024)));
      row("gpu", gpu, n * nt.gpus * kMilliPerGpu);
      row("slots", slots, n * nt.gpus);
      row("big", big, n);
      row("halfcpu", half_cpu, n);
      row("halfmem", half_mem, n);
    }
    if (mip) {
      lp << "General\n";
      for (size_t s = 0; s < S.size(); ++s) {
        for (size_t t = 0; t < T.size(); ++t) {
          if (FitsEmpty(S[s].first, T[t].first)) lp << " " << var(s, t) << "\n";
        }
      }
    }
    lp << "End\n";
  }

  std::printf("%llu,%zu,%.4f,%.4f,%s,%lld\n", static_cast<unsigned long long>(seed), arrived_pods,
              100.0 * static_cast<double>(arrived_milli) / capacity,
              100.0 * static_cast<double>(best_milli) / capacity, best_rule.c_str(),
              static_cast<long long>(best_placed));
  return 0;
}
