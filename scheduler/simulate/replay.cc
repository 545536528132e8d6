#include "scheduler/simulate/replay.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <queue>
#include <set>
#include <sstream>
#include <unordered_map>

#include "scheduler/framework/runner.h"
#include "scheduler/model/gpu.h"

namespace nbsched::simulate {
namespace {

using priorities::GPUFragmentationPriority;

// Concatenates strings and numbers (absl::StrCat wants absl::string_view here).
template <typename... T>
std::string Cat(const T&... parts) {
  std::ostringstream out;
  (out << ... << parts);
  return out.str();
}

constexpr int64_t kMiB = 1024 * 1024;

// Plugins whose verdict on a node depends only on the node's content apart from its name (labels,
// taints, allocatable, conditions, pods' requests, ports, GPU shares) and whose normalisation is
// by the maximum: identical nodes get identical scores, and dropping duplicates changes nothing.
// Their PreFilter/PreScore read nothing from the snapshot while no pod has pod (anti-)affinity
// (and GPUFragmentationPriority has its M), so the snapshot is then brought up to date lazily.
constexpr std::string_view kClassSafeFilters[] = {
    "CheckNodeCondition",    "CheckNodeUnschedulable", "PodFitsResources",
    "PodFitsHost",           "PodFitsHostPorts",       "MatchNodeSelector",
    "NoDiskConflict",        "PodToleratesNodeTaints", "CheckNodeMemoryPressure",
    "CheckNodeDiskPressure", "CheckNodePIDPressure",   "MatchInterPodAffinity"};
constexpr std::string_view kClassSafeScores[] = {
    "LeastRequestedPriority",  "MostRequestedPriority",    "BalancedResourceAllocation",
    "GPUAwarePriority",        "GPUFragmentationPriority", "NodeAffinityPriority",
    "TaintTolerationPriority", "GPUHeadroomPriority"};

template <size_t N>
bool Contains(const std::string_view (&list)[N], std::string_view name) {
  return std::find(std::begin(list), std::end(list), name) != std::end(list);
}

bool HasPodAffinity(const Pod& pod) {
  return !pod.pod_affinity.empty() || !pod.pod_anti_affinity.empty();
}

// Pods whose ports or volumes make their node unlike any other for the filters.
bool Distinctive(const Pod& pod) {
  if (!PodHostPorts(pod).empty()) return true;
  for (const Volume& v : pod.volumes) {
    if (v.kind != Volume::Kind::kOther) return true;
  }
  return false;
}

void AppendInt(std::string& key, int64_t v) {
  key.append(reinterpret_cast<const char*>(&v), sizeof v);
}

// The Node object's content apart from its name.
std::string NodeTypeKey(const Node& n) {
  std::string key;
  for (const auto& [name, q] : n.allocatable_list) {
    key += name;
    key += '=';
    key += q.ToString();
    key += ';';
  }
  key += '|';
  for (const auto& [k, v] : n.labels) key += k + "=" + v + ";";
  key += '|';
  for (const Taint& t : n.taints) key += t.key + "=" + t.value + ":" + t.effect + ";";
  key += '|';
  for (const NodeCondition& c : n.conditions) key += c.type + "=" + c.status + ";";
  key += n.unschedulable ? "U" : "S";
  return key;
}

void AppendResources(std::string& key, const Resources& r) {
  AppendInt(key, r.milli_cpu);
  AppendInt(key, r.memory);
  AppendInt(key, r.ephemeral_storage);
  for (const auto& [name, v] : r.scalars) {
    key += name;
    AppendInt(key, v);
  }
  key += '|';
}

// Necessary conditions of PodFitsResources (its cpu, memory, pod-count and per-GPU checks, with
// the same guards): a node failing them fails the filter, so the runner need not see it.
bool MayFit(const Pod& pod, const GpuDemand& demand, const NodeInfo& node) {
  const Resources& alloc = node.allocatable();
  if (node.pod_count() + 1 > alloc.allowed_pods) return false;
  const Resources& want = pod.request;
  const Resources& used = node.requested();
  if (want.milli_cpu > 0 && want.milli_cpu > alloc.milli_cpu - used.milli_cpu) return false;
  if (want.memory > 0 && want.memory > alloc.memory - used.memory) return false;
  return demand.none() || node.gpus().Fits(demand);
}

void AppendDouble(std::string& out, double v, int decimals) {
  char buf[64];
  const int n = std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  out.append(buf, static_cast<size_t>(n));
}

class Replay {
 public:
  Replay(const Cluster& cluster, const RunConfig& config) : config_(config) {
    const framework::Policy& policy = *config.policy;
    prescreen_ = false;
    bool safe = true;
    for (const auto& f : policy.filters) {
      prescreen_ |= f->Name() == "PodFitsResources";
      safe &= Contains(kClassSafeFilters, f->Name());
    }
    for (const auto& s : policy.scorers) safe &= Contains(kClassSafeScores, s.plugin->Name());
    classes_enabled_ = safe && config.use_classes;

    // Slots in tie-break order (rank, then name), as the runner breaks ties.
    std::vector<std::pair<uint64_t, size_t>> order;
    for (size_t i = 0; i < cluster.nodes.size(); ++i) {
      order.push_back({framework::TieBreakRank(policy.tie_break_seed, cluster.nodes[i]->name), i});
    }
    std::sort(order.begin(), order.end(), [&](const auto& a, const auto& b) {
      if (a.first != b.first) return a.first < b.first;
      return cluster.nodes[a.second]->name < cluster.nodes[b.second]->name;
    });
    SnapshotBuilder builder;
    for (const auto& node : cluster.nodes) builder.AddNode(node);
    for (const auto& pod : cluster.running) {
      builder.AddPod(pod);
      affinity_pods_ += HasPodAffinity(*pod);
    }
    for (const auto& w : cluster.workloads) builder.AddWorkload(w);
    snapshot_ = std::move(builder).Build();
    std::unordered_map<std::string, int> types;
    slots_.resize(order.size());
    for (size_t pos = 0; pos < order.size(); ++pos) {
      const Node& node = *cluster.nodes[order[pos].second];
      Slot& slot = slots_[pos];
      slot.info = snapshot_->FindShared(node.name);
      slot.type = types.emplace(NodeTypeKey(node), static_cast<int>(types.size())).first->second;
      by_name_[node.name] = static_cast<int>(pos);
      Classify(static_cast<int>(pos));
    }
    // nodes.csv lists nodes in the cluster file's order.
    for (const auto& node : cluster.nodes) display_order_.push_back(by_name_[node->name]);
    capacity_ = cluster.gpu_capacity_milli;
    for (const auto& pod : cluster.running) allocated_ += PodGpuDemand(*pod).total_milli();
  }

  RunResult Run(const std::vector<SimPod>& sequence) {
    const auto start = std::chrono::steady_clock::now();
    RunResult out;
    const std::string prefix = config_.policy_name + "," + std::to_string(config_.seed) + ",";
    std::vector<std::pair<double, double>> grid_steps;
    grid_steps.reserve(sequence.size());
    // Pending deletions: (time, sequence index).
    std::priority_queue<std::pair<double, size_t>, std::vector<std::pair<double, size_t>>,
                        std::greater<>>
        deletions;
    std::vector<int> placed_on(sequence.size(), -1);
    if (config_.per_node) WriteNodes(out.nodes, prefix, 0);
    int64_t arrived = 0;
    double first_gpu_failure = -1;
    // Time-averaged allocation over the arrival window: with churn, the integral of the
    // allocated GPU over [first arrival, last arrival] in the pods' own times; else one time
    // unit per arrival (the mean of the steps' alloc_gpu_pct).
    double area = 0, first_time = 0, last_time = 0;
    auto advance = [&](double t) {
      if (t > last_time) {
        area += static_cast<double>(allocated_) * (t - last_time);
        last_time = t;
      }
    };
    for (size_t i = 0; i < sequence.size(); ++i) {
      const SimPod& sp = sequence[i];
      const double now = config_.churn ? std::max(sp.arrival, 0.0) : static_cast<double>(i);
      if (i == 0) first_time = last_time = now;
      if (config_.churn) {
        while (!deletions.empty() && deletions.top().first <= sp.arrival) {
          const size_t j = deletions.top().second;
          advance(deletions.top().first);
          deletions.pop();
          Remove(placed_on[j], sequence[j]);
        }
      }
      advance(now);
      arrived += sp.gpu_milli;
      const int slot = Decide(*sp.pod);
      ++out.pods_arrived;
      if (slot >= 0) {
        Place(slot, sp);
        placed_on[i] = slot;
        ++out.pods_placed;
        if (config_.churn && sp.duration >= 0) deletions.push({sp.arrival + sp.duration, i});
      } else {
        ++out.failed[static_cast<int>(sp.pod_class)];
        if (sp.pod_class != PodClass::kCpuOnly && first_gpu_failure < 0) {
          first_gpu_failure = Pct(allocated_);
        }
      }
      const double arrived_pct = Pct(arrived);
      const double alloc_pct = Pct(allocated_);
      grid_steps.push_back({arrived_pct, alloc_pct});
      std::string& s = out.steps;
      s += prefix;
      s += std::to_string(i + 1);
      s += ',';
      s += sp.pod->name;
      s += ',';
      if (slot >= 0) s += slots_[static_cast<size_t>(slot)].info->name();
      s += slot >= 0 ? ",1," : ",0,";
      s += std::to_string(sp.pod->request.milli_cpu);
      s += ',';
      s += std::to_string(sp.pod->request.memory / kMiB);
      s += ',';
      s += std::to_string(sp.gpu_milli);
      s += ',';
      AppendDouble(s, arrived_pct, 4);
      s += ',';
      AppendDouble(s, alloc_pct, 4);
      s += '\n';
      if (config_.per_node) WriteNodes(out.nodes, prefix, static_cast<int64_t>(i + 1));
      if (config_.progress != nullptr) config_.progress->fetch_add(1, std::memory_order_relaxed);
    }

    out.grid = prefix + std::to_string(capacity_);
    for (double v : AllocGrid(grid_steps)) {
      out.grid += ',';
      if (!std::isnan(v)) AppendDouble(out.grid, v, 2);
    }
    out.grid += '\n';

    double frag = 0;
    if (config_.frag_target != nullptr) {
      for (const Slot& slot : slots_) {
        frag += priorities::NodeFragmentation(*config_.frag_target, *slot.info);
      }
    }
    const int64_t failed = out.pods_arrived - out.pods_placed;
    const double final_alloc = Pct(allocated_);
    std::string& r = out.summary;
    r = prefix;
    r += Cat(out.pods_arrived, ",", out.pods_placed, ",", failed, ",",
             out.failed[1] + out.failed[2], ",");
    AppendDouble(r, Pct(arrived), 4);
    r += ',';
    AppendDouble(r, final_alloc, 4);
    r += ',';
    AppendDouble(r, first_gpu_failure < 0 ? final_alloc : first_gpu_failure, 4);
    r += ',';
    AppendDouble(r, capacity_ > 0 ? 100.0 * frag / static_cast<double>(capacity_) : 0.0, 4);
    r += Cat(",", out.failed[0], ",", out.failed[1], ",", out.failed[2], ",");
    if (!config_.churn) advance(static_cast<double>(sequence.size()));  // the last step's unit
    const double window = last_time - first_time;
    AppendDouble(r,
                 window > 0 && capacity_ > 0
                     ? 100.0 * area / window / static_cast<double>(capacity_)
                     : final_alloc,
                 4);
    r += "\n";
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return out;
  }

 private:
  struct Slot {
    std::shared_ptr<const NodeInfo> info;
    int type = 0;
    int cls = -1;
  };
  struct Class {
    std::string key;
    std::set<int> members;  // slot positions: the first has the lowest tie-break rank
  };

  double Pct(int64_t milli) const {
    return capacity_ > 0 ? 100.0 * static_cast<double>(milli) / static_cast<double>(capacity_)
                         : 0.0;
  }

  std::string ClassKey(int pos) const {
    const Slot& slot = slots_[static_cast<size_t>(pos)];
    const NodeInfo& info = *slot.info;
    std::string key;
    AppendInt(key, slot.type);
    AppendInt(key, info.pod_count());
    AppendResources(key, info.requested());
    AppendResources(key, info.non_zero_requested());
    AppendResources(key, info.legacy_non_zero_requested());
    for (int32_t f : info.gpus().free_milli()) AppendInt(key, f);
    bool distinctive = !classes_enabled_;
    for (const auto& pod : info.pods()) distinctive = distinctive || Distinctive(*pod);
    if (distinctive) {
      key += "#";
      AppendInt(key, pos);
    }
    return key;
  }

  // (Re)files slot `pos` under the class of its current content.
  void Classify(int pos) {
    Slot& slot = slots_[static_cast<size_t>(pos)];
    if (slot.cls >= 0) {
      Class& old = classes_[static_cast<size_t>(slot.cls)];
      old.members.erase(pos);
      if (old.members.empty()) {
        class_index_.erase(old.key);
        free_classes_.push_back(slot.cls);
      }
    }
    std::string key = ClassKey(pos);
    auto it = class_index_.find(key);
    int cls;
    if (it != class_index_.end()) {
      cls = it->second;
    } else {
      if (free_classes_.empty()) {
        cls = static_cast<int>(classes_.size());
        classes_.emplace_back();
      } else {
        cls = free_classes_.back();
        free_classes_.pop_back();
      }
      classes_[static_cast<size_t>(cls)].key = key;
      class_index_.emplace(std::move(key), cls);
    }
    classes_[static_cast<size_t>(cls)].members.insert(pos);
    slot.cls = cls;
  }

  // The slot the runner picks, or -1.
  int Decide(const Pod& pod) {
    const GpuDemand demand = PodGpuDemand(pod);
    const bool by_class =
        classes_enabled_ && affinity_pods_ == 0 && !HasPodAffinity(pod) && pod.node_name.empty();
    candidates_.nodes.clear();
    candidate_slots_.clear();
    auto consider = [&](int pos) {
      const NodeInfo& info = *slots_[static_cast<size_t>(pos)].info;
      if (prescreen_ && !MayFit(pod, demand, info)) return;
      candidates_.nodes.push_back(&info);
      candidate_slots_.push_back(pos);
    };
    if (by_class) {
      for (const Class& c : classes_) {
        if (!c.members.empty()) consider(*c.members.begin());
      }
    } else {
      for (size_t pos = 0; pos < slots_.size(); ++pos) consider(static_cast<int>(pos));
    }
    if (!by_class || config_.observer) RefreshSnapshot();
    int chosen = -1;
    if (!candidates_.nodes.empty()) {
      const framework::Decision d =
          framework::Schedule(*config_.policy, *snapshot_, pod, candidates_, {.score = true});
      if (d.best >= 0) chosen = candidate_slots_[static_cast<size_t>(d.best)];
    }
    if (config_.observer) {
      config_.observer(*snapshot_, pod,
                       chosen >= 0 ? slots_[static_cast<size_t>(chosen)].info->name() : "");
    }
    return chosen;
  }

  // The GPUs the pod gets on the chosen node: a scorer's preference (FGD's GPU), else the
  // default rule.
  std::vector<int> ChooseGpus(const Pod& pod, const NodeInfo& info) const {
    const GpuDemand demand = PodGpuDemand(pod);
    if (demand.none() || info.gpus().gpu_count() == 0) return {};
    const NodeInfo* one[] = {&info};
    for (const framework::WeightedScorer& s : config_.policy->scorers) {
      if (s.weight == 0) continue;
      CycleState state;
      s.plugin->PreScore(state, pod, *snapshot_, one);  // snapshot stale only for class-safe
      std::vector<int> gpus = s.plugin->PreferredGpus(state, pod, info);
      if (!gpus.empty() && info.gpus().CanTake(demand, gpus)) return gpus;
    }
    return info.gpus().Choose(demand);
  }

  void Place(int pos, const SimPod& sp) {
    Slot& slot = slots_[static_cast<size_t>(pos)];
    Pod placed = *sp.pod;
    placed.node_name = slot.info->name();
    const std::vector<int> gpus = ChooseGpus(placed, *slot.info);
    if (!gpus.empty()) placed.annotations[std::string(kGpuIndexAnnotation)] = FormatGpuIndex(gpus);
    affinity_pods_ += HasPodAffinity(placed);
    slot.info = slot.info->WithPod(std::make_shared<const Pod>(std::move(placed)));
    MarkDirty(pos);
    allocated_ += sp.gpu_milli;
    Classify(pos);
  }

  void Remove(int pos, const SimPod& sp) {
    if (pos < 0) return;
    Slot& slot = slots_[static_cast<size_t>(pos)];
    std::vector<std::shared_ptr<const Pod>> pods;
    for (const auto& p : slot.info->pods()) {
      if (p->uid != sp.pod->uid) pods.push_back(p);
    }
    affinity_pods_ -= HasPodAffinity(*sp.pod);
    slot.info = std::make_shared<const NodeInfo>(slot.info->node_ptr(), std::move(pods));
    MarkDirty(pos);
    allocated_ -= sp.gpu_milli;
    Classify(pos);
  }

  // Snapshot::WithNodeInfo costs O(nodes + pods); it is applied only when the runner's plugins
  // may read the snapshot (see kClassSafeScores).
  void MarkDirty(int pos) {
    if (std::find(dirty_.begin(), dirty_.end(), pos) == dirty_.end()) dirty_.push_back(pos);
  }
  void RefreshSnapshot() {
    for (int pos : dirty_)
      snapshot_ = snapshot_->WithNodeInfo(slots_[static_cast<size_t>(pos)].info);
    dirty_.clear();
  }

  void WriteNodes(std::string& out, const std::string& prefix, int64_t step) const {
    for (int pos : display_order_) {
      const NodeInfo& info = *slots_[static_cast<size_t>(pos)].info;
      auto frac = [](int64_t used, int64_t total) {
        return total > 0 ? static_cast<double>(used) / static_cast<double>(total) : 0.0;
      };
      const int64_t gpu_total = int64_t{kMilliPerGpu} * info.gpus().gpu_count();
      out += prefix;
      out += std::to_string(step);
      out += ',';
      out += info.name();
      out += ',';
      AppendDouble(out, frac(info.requested().milli_cpu, info.allocatable().milli_cpu), 4);
      out += ',';
      AppendDouble(out, frac(info.requested().memory, info.allocatable().memory), 4);
      out += ',';
      AppendDouble(out, frac(gpu_total - info.gpus().idle_milli(), gpu_total), 4);
      out += ',';  // interfaces.md §11: the placed pods' usage (usage_model.h)
      AppendDouble(out, frac(info.expected_usage().milli_cpu, info.allocatable().milli_cpu), 4);
      out += ',';
      AppendDouble(out, frac(info.expected_usage().memory, info.allocatable().memory), 4);
      out += ',';  // Σ limits / allocatable (OvercommitRiskPriority's ratio before a pod)
      AppendDouble(out, frac(info.limits().milli_cpu, info.allocatable().milli_cpu), 4);
      out += ',';
      AppendDouble(out, frac(info.limits().memory, info.allocatable().memory), 4);
      out += '\n';
    }
  }

  const RunConfig& config_;
  bool prescreen_ = false;
  bool classes_enabled_ = false;
  int64_t affinity_pods_ = 0;
  std::shared_ptr<const Snapshot> snapshot_;
  std::vector<Slot> slots_;
  std::unordered_map<std::string, int> by_name_;
  std::vector<int> display_order_;
  std::vector<Class> classes_;
  std::unordered_map<std::string, int> class_index_;
  std::vector<int> free_classes_;
  framework::Candidates candidates_;
  std::vector<int> candidate_slots_;
  std::vector<int> dirty_;  // slots changed since snapshot_ was last brought up to date
  int64_t capacity_ = 0;
  int64_t allocated_ = 0;
};

SimPod CopyAs(const SimPod& original, std::string name) {
  SimPod copy = original;
  Pod pod = *original.pod;
  pod.uid = name;
  pod.name = std::move(name);
  copy.pod = std::make_shared<const Pod>(std::move(pod));
  return copy;
}

}  // namespace

std::vector<SimPod> ArrivalSequence(const Workload& workload, int64_t capacity_milli, double scale,
                                    uint64_t seed) {
  std::vector<SimPod> sorted = workload.pods;
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const SimPod& a, const SimPod& b) { return a.pod->name < b.pod->name; });
  Rng rng(seed);
  std::vector<SimPod> out = sorted;
  for (size_t i = out.size(); i > 1; --i) {  // Fisher–Yates
    const size_t j = static_cast<size_t>(rng.Uniform(i));
    std::swap(out[i - 1], out[j]);
  }
  int64_t demand = 0;
  for (const SimPod& p : out) demand += p.gpu_milli;
  const double limit = scale * static_cast<double>(capacity_milli);
  // A list without GPU demand would never reach the limit: copies stop at 100× its size.
  const size_t max_copies = 100 * sorted.size();
  for (size_t copies = 0; !sorted.empty() && copies < max_copies; ++copies) {
    const SimPod& drawn = sorted[static_cast<size_t>(rng.Uniform(sorted.size()))];
    if (static_cast<double>(demand + drawn.gpu_milli) > limit) break;
    out.push_back(CopyAs(drawn, drawn.pod->name + "-tuned-" + std::to_string(copies + 1)));
    demand += drawn.gpu_milli;
  }
  return out;
}

std::vector<SimPod> InOrderSequence(const Workload& workload) {
  std::vector<SimPod> out = workload.pods;
  double last = 0;
  for (SimPod& p : out) {
    if (p.arrival < 0) {
      p.arrival = last;
    } else {
      last = p.arrival;
    }
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const SimPod& a, const SimPod& b) { return a.arrival < b.arrival; });
  return out;
}

std::shared_ptr<const priorities::TargetWorkload> WorkloadTarget(const Workload& workload,
                                                                 double coverage) {
  std::vector<priorities::TaskShape> shapes;
  shapes.reserve(workload.pods.size());
  for (const SimPod& p : workload.pods) shapes.push_back(priorities::PodTaskShape(*p.pod));
  return priorities::BuildTargetWorkload(shapes, coverage);
}

std::shared_ptr<const framework::Policy> SimulationPolicy(const framework::Policy& policy,
                                                          uint64_t seed, const Workload& workload) {
  auto out = std::make_shared<framework::Policy>(policy);
  out->selection = framework::Selection::kBestInFilter;
  out->tie_break_seed = seed;
  for (framework::WeightedScorer& s : out->scorers) {
    const auto* fgd = dynamic_cast<const GPUFragmentationPriority*>(s.plugin.get());
    if (fgd != nullptr && !fgd->has_explicit_workload()) {
      s.plugin = fgd->WithTargetWorkload(WorkloadTarget(workload, fgd->coverage()));
    }
  }
  return out;
}

RunResult RunReplay(const Cluster& cluster, const std::vector<SimPod>& sequence,
                    const RunConfig& config) {
  Replay replay(cluster, config);
  return replay.Run(sequence);
}

std::vector<double> AllocGrid(const std::vector<std::pair<double, double>>& steps) {
  constexpr int kColumns = 131;
  std::vector<double> sum(kColumns, 0);
  std::vector<int64_t> count(kColumns, 0);
  for (const auto& [arrived, alloc] : steps) {
    const double x = std::nearbyint(arrived);  // halves to even (default rounding mode)
    if (x < 0 || x >= kColumns) continue;
    sum[static_cast<size_t>(x)] += std::nearbyint(alloc * 100) / 100;
    ++count[static_cast<size_t>(x)];
  }
  std::vector<double> out(kColumns, std::numeric_limits<double>::quiet_NaN());
  for (int x = 0; x < kColumns; ++x) {
    const auto ux = static_cast<size_t>(x);
    if (count[ux] > 0) {
      out[ux] = sum[ux] / static_cast<double>(count[ux]);
      continue;
    }
    double s = 0;
    int64_t n = 0;
    for (int nb : {x - 1, x + 1}) {
      if (nb < 0 || nb >= kColumns) continue;
      s += sum[static_cast<size_t>(nb)];
      n += count[static_cast<size_t>(nb)];
    }
    if (n > 0) out[ux] = s / static_cast<double>(n);
  }
  return out;
}

std::string GridHeader() {
  std::string h = "policy,seed,total_gpu_milli";
  for (int x = 0; x <= 130; ++x) h += "," + std::to_string(x);
  return h;
}

}  // namespace nbsched::simulate
