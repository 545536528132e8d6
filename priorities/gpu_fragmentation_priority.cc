#include "priorities/gpu_fragmentation_priority.h"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>
#include <unordered_map>
#include <utility>

#include "absl/status/status.h"
#include "scheduler/model/gpu.h"
#include "scheduler/model/text.h"

namespace nbsched::priorities {
namespace {

constexpr std::string_view kWorkloadKey = "workload";
constexpr std::string_view kShapesKey = "shapes";
constexpr std::string_view kCoverageKey = "coverage";
constexpr std::string_view kScaleKey = "scale";
constexpr std::string_view kStateKey = "GPUFragmentationPriority/M";

uint64_t NextWorkloadId() {
  static std::atomic<uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

std::vector<std::string> NormaliseModels(std::vector<std::string> models) {
  std::erase_if(models, [](const std::string& m) { return m.empty(); });
  std::sort(models.begin(), models.end());
  models.erase(std::unique(models.begin(), models.end()), models.end());
  return models;
}

std::vector<std::string> SplitModels(std::string_view spec) {
  std::vector<std::string> out;
  for (std::string_view part : Split(spec, '|')) {
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    while (!part.empty() && part.back() == ' ') part.remove_suffix(1);
    out.emplace_back(part);
  }
  return NormaliseModels(std::move(out));
}

bool ModelAllowed(const TaskShape& shape, std::string_view model) {
  if (shape.models.empty()) return true;
  for (const std::string& m : shape.models) {
    if (m == model) return true;
  }
  return false;
}

// The per-node values F_n(M) needs, per shape of M: whether the shape can use the node's GPUs
// at all, how many GPUs have f ≥ m, and Σ f over the GPUs with f < m. A placement changes a
// few GPUs, so F after it is O(|M|) from these instead of O(|M|·G).
struct NodeFrag {
  uint64_t m_id = 0;
  const Node* node = nullptr;
  int64_t cpu_left = 0;
  std::vector<int32_t> free;
  int64_t idle = 0;
  std::vector<uint8_t> eligible;
  std::vector<int32_t> count_ge;
  std::vector<int64_t> sum_lt;
  double before = 0;
};

struct GpuChange {
  int32_t old_free;
  int32_t new_free;
};

double FragAfter(const TargetWorkload& m, const NodeFrag& nf, int64_t cpu_left,
                 std::span<const GpuChange> changes) {
  int64_t idle = nf.idle;
  for (const GpuChange& c : changes) idle += c.new_free - c.old_free;
  double total = 0;
  for (size_t i = 0; i < m.shapes.size(); ++i) {
    const TaskShape& s = m.shapes[i].shape;
    int64_t f = idle;
    if (nf.eligible[i]) {
      int64_t count = nf.count_ge[i];
      int64_t sum = nf.sum_lt[i];
      for (const GpuChange& c : changes) {
        if (c.old_free >= s.gpu_milli) {
          --count;
        } else {
          sum -= c.old_free;
        }
        if (c.new_free >= s.gpu_milli) {
          ++count;
        } else {
          sum += c.new_free;
        }
      }
      if (count >= s.num_gpu && cpu_left >= s.milli_cpu) f = sum;
    }
    total += m.shapes[i].p * static_cast<double>(f);
  }
  return total;
}

void Fill(const TargetWorkload& m, const NodeInfo& node, int64_t cpu_left, NodeFrag& nf) {
  const std::vector<int32_t>& free = node.gpus().free_milli();
  const std::string_view model = node.gpu_model();
  nf.m_id = m.id;
  nf.node = &node.node();
  nf.cpu_left = cpu_left;
  nf.free = free;
  nf.idle = node.gpus().idle_milli();
  const size_t n = m.shapes.size();
  nf.eligible.assign(n, 0);
  nf.count_ge.assign(n, 0);
  nf.sum_lt.assign(n, 0);
  for (size_t i = 0; i < n; ++i) {
    const TaskShape& s = m.shapes[i].shape;
    // k = 0, no GPU, or a model the task may not use: the node's idle GPU is all fragment.
    if (s.num_gpu == 0 || free.empty() || !ModelAllowed(s, model)) continue;
    nf.eligible[i] = 1;
    for (int32_t f : free) {
      if (f >= s.gpu_milli) {
        ++nf.count_ge[i];
      } else {
        nf.sum_lt[i] += f;
      }
    }
  }
  nf.before = FragAfter(m, nf, cpu_left, {});
}

int64_t CpuLeft(const NodeInfo& node) {
  return node.allocatable().milli_cpu - node.requested().milli_cpu;
}

// Per-thread memo of NodeFrag by NodeInfo address, validated by content, so a stale address
// (a freed NodeInfo whose memory was reused) can never give a wrong value.
const NodeFrag& CachedFrag(const TargetWorkload& m, const NodeInfo& node) {
  thread_local std::unordered_map<const NodeInfo*, NodeFrag> cache;
  if (cache.size() > (1u << 14)) cache.clear();  // bounds memory: ~16k nodes × |M| values
  const int64_t cpu_left = CpuLeft(node);
  NodeFrag& nf = cache[&node];
  if (nf.m_id != m.id || nf.node != &node.node() || nf.cpu_left != cpu_left ||
      nf.free != node.gpus().free_milli()) {
    Fill(m, node, cpu_left, nf);
  }
  return nf;
}

int64_t ScoreOf(double before, double after, double scale) {
  const double sigma = 1.0 / (1.0 + std::exp(-(before - after) / scale));
  return static_cast<int64_t>(100.0 * sigma);  // σ first, then ×100, truncated (§4)
}

absl::Status ParseShape(std::string_view text, WeightedShape& out) {
  // "cpu_milli/gpu_milli/num_gpu/spec=weight", spec may be empty or "A|B".
  const size_t eq = text.rfind('=');
  const std::vector<std::string_view> parts =
      Split(text.substr(0, eq == std::string_view::npos ? text.size() : eq), '/');
  auto bad = [&] {
    return absl::InvalidArgumentError(Cat(GPUFragmentationPriority::kName, ": bad shape \"", text,
                                          "\" (want \"cpu_milli/gpu_milli/num_gpu/spec=weight\")"));
  };
  if (eq == std::string_view::npos || parts.size() < 3 || parts.size() > 4) return bad();
  auto parse_int = [](std::string_view s, int64_t& v) {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    return ec == std::errc() && p == s.data() + s.size() && v >= 0;
  };
  int64_t cpu = 0, milli = 0, count = 0;
  if (!parse_int(parts[0], cpu) || !parse_int(parts[1], milli) || !parse_int(parts[2], count))
    return bad();
  const std::string_view weight_text = text.substr(eq + 1);
  double weight = 0;
  auto [p, ec] =
      std::from_chars(weight_text.data(), weight_text.data() + weight_text.size(), weight);
  if (ec != std::errc() || p != weight_text.data() + weight_text.size() || !(weight > 0))
    return bad();
  if (count == 0) milli = 0;
  if (count > 0 && (milli < 1 || milli > kMilliPerGpu || (count > 1 && milli < kMilliPerGpu)))
    return bad();
  out.shape.milli_cpu = cpu;
  out.shape.gpu_milli = static_cast<int32_t>(milli);
  out.shape.num_gpu = count;
  out.shape.models = parts.size() == 4 ? SplitModels(parts[3]) : std::vector<std::string>{};
  out.p = weight;
  return absl::OkStatus();
}

// Shapes of a trace pod CSV (columns by header: cpu_milli, num_gpu, gpu_milli, gpu_spec).
absl::StatusOr<std::vector<TaskShape>> ReadWorkloadCsv(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return absl::InvalidArgumentError(
        Cat(GPUFragmentationPriority::kName, ": cannot read workload \"", path, "\""));
  }
  std::string line;
  if (!std::getline(in, line)) {
    return absl::InvalidArgumentError(
        Cat(GPUFragmentationPriority::kName, ": ", path, ": empty file"));
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  const std::vector<std::string_view> header = Split(line, ',');
  auto column = [&](std::string_view name) -> int {
    auto it = std::find(header.begin(), header.end(), name);
    return it == header.end() ? -1 : static_cast<int>(it - header.begin());
  };
  const int cpu_col = column("cpu_milli"), count_col = column("num_gpu"),
            milli_col = column("gpu_milli"), spec_col = column("gpu_spec");
  if (cpu_col < 0 || count_col < 0 || milli_col < 0) {
    return absl::InvalidArgumentError(
        Cat(GPUFragmentationPriority::kName, ": ", path,
            ":1: header needs cpu_milli, num_gpu and gpu_milli columns"));
  }
  std::vector<TaskShape> shapes;
  int64_t line_no = 1;
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    const std::vector<std::string_view> cells = Split(line, ',');
    auto cell_int = [&](int col, int64_t& v) {
      if (col < 0 || static_cast<size_t>(col) >= cells.size()) return false;
      std::string_view s = cells[static_cast<size_t>(col)];
      auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
      return ec == std::errc() && p == s.data() + s.size() && v >= 0;
    };
    int64_t cpu = 0, count = 0, milli = 0;
    if (!cell_int(cpu_col, cpu) || !cell_int(count_col, count) || !cell_int(milli_col, milli) ||
        (count > 0 && (milli < 1 || milli > kMilliPerGpu || (count > 1 && milli < kMilliPerGpu)))) {
      return absl::InvalidArgumentError(
          Cat(GPUFragmentationPriority::kName, ": ", path, ":", line_no, ": bad pod row"));
    }
    TaskShape s;
    s.milli_cpu = cpu;
    s.num_gpu = count;
    s.gpu_milli = count == 0 ? 0 : static_cast<int32_t>(milli);
    if (spec_col >= 0 && static_cast<size_t>(spec_col) < cells.size() && count > 0) {
      s.models = SplitModels(cells[static_cast<size_t>(spec_col)]);
    }
    shapes.push_back(std::move(s));
  }
  return shapes;
}

}  // namespace

TaskShape PodTaskShape(const Pod& pod) {
  TaskShape s;
  s.milli_cpu = pod.request.milli_cpu;
  const GpuDemand demand = PodGpuDemand(pod);
  s.num_gpu = demand.count;
  s.gpu_milli = demand.none() ? 0 : demand.milli;
  if (demand.none()) return s;
  std::vector<std::string> models;
  if (auto it = pod.node_selector.find(kGpuProductLabel); it != pod.node_selector.end()) {
    models.push_back(it->second);
  }
  if (pod.node_affinity && pod.node_affinity->required) {
    for (const NodeSelectorTerm& term : *pod.node_affinity->required) {
      for (const NodeSelectorRequirement& r : term.match_expressions) {
        if (r.key == kGpuProductLabel && r.op == SelectorOp::kIn) {
          models.insert(models.end(), r.values.begin(), r.values.end());
        }
      }
    }
  }
  s.models = NormaliseModels(std::move(models));
  return s;
}

std::shared_ptr<const TargetWorkload> BuildTargetWorkload(std::span<const TaskShape> pods,
                                                          double coverage) {
  std::map<TaskShape, int64_t> counts;
  for (const TaskShape& s : pods) ++counts[s];
  std::vector<std::pair<TaskShape, int64_t>> order(counts.begin(), counts.end());
  std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
    if (a.second != b.second) return a.second > b.second;
    const TaskShape& x = a.first;
    const TaskShape& y = b.first;
    if (x.milli_cpu != y.milli_cpu) return x.milli_cpu > y.milli_cpu;
    if (x.gpu_milli != y.gpu_milli) return x.gpu_milli > y.gpu_milli;
    if (x.num_gpu != y.num_gpu) return x.num_gpu > y.num_gpu;
    return x.models < y.models;
  });
  auto m = std::make_shared<TargetWorkload>();
  m->total_pods = static_cast<int64_t>(pods.size());
  const double want = coverage * static_cast<double>(pods.size());
  for (auto& [shape, count] : order) {
    if (static_cast<double>(m->taken_pods) >= want) break;
    m->shapes.push_back({shape, count, 0});
    m->taken_pods += count;
  }
  for (WeightedShape& w : m->shapes) {
    w.p = static_cast<double>(w.count) / static_cast<double>(m->taken_pods);
  }
  m->id = NextWorkloadId();
  return m;
}

std::shared_ptr<const TargetWorkload> TargetWorkloadFromWeights(std::vector<WeightedShape> shapes) {
  auto m = std::make_shared<TargetWorkload>();
  double sum = 0;
  for (const WeightedShape& w : shapes) sum += w.p;
  for (WeightedShape& w : shapes) {
    if (sum > 0) w.p /= sum;
    m->taken_pods += w.count;
  }
  m->total_pods = m->taken_pods;
  m->shapes = std::move(shapes);
  m->id = NextWorkloadId();
  return m;
}

int64_t ShapeFragmentation(const TaskShape& shape, int64_t cpu_left, std::string_view model,
                           std::span<const int32_t> free_milli) {
  int64_t idle = 0;
  for (int32_t f : free_milli) idle += f;
  if (shape.num_gpu == 0 || free_milli.empty() || !ModelAllowed(shape, model)) return idle;
  int64_t count = 0;
  int64_t sum = 0;
  for (int32_t f : free_milli) {
    if (f >= shape.gpu_milli) {
      ++count;
    } else {
      sum += f;
    }
  }
  if (count < shape.num_gpu || cpu_left < shape.milli_cpu) return idle;
  return sum;
}

double NodeFragmentation(const TargetWorkload& m, const NodeInfo& node) {
  return CachedFrag(m, node).before;
}

absl::StatusOr<std::unique_ptr<const ScorePlugin>> GPUFragmentationPriority::Create(
    const PluginArgs& args) {
  double coverage = 0.95;
  double scale = 1000;
  std::shared_ptr<const TargetWorkload> workload;
  for (const auto& [key, values] : args) {
    if (key == kScaleKey) {
      const std::string& v = values.size() == 1 ? values[0] : std::string();
      auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), scale);
      if (v.empty() || ec != std::errc() || p != v.data() + v.size() || !(scale > 0)) {
        return absl::InvalidArgumentError(
            Cat(kName, ": scale must be one positive number (got \"", v, "\")"));
      }
    } else if (key == kCoverageKey) {
      if (values.size() != 1) {
        return absl::InvalidArgumentError(Cat(kName, ": coverage takes one value"));
      }
      const std::string& v = values[0];
      auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), coverage);
      if (ec != std::errc() || p != v.data() + v.size() || !(coverage > 0 && coverage <= 1)) {
        return absl::InvalidArgumentError(
            Cat(kName, ": coverage must be a number in (0, 1] (got \"", v, "\")"));
      }
    } else if (key != kWorkloadKey && key != kShapesKey) {
      return absl::InvalidArgumentError(
          Cat(kName, ": unknown arg \"", key, "\" (want workload, shapes, coverage or scale)"));
    }
  }
  if (args.contains(kWorkloadKey) && args.contains(kShapesKey)) {
    return absl::InvalidArgumentError(Cat(kName, ": give either workload or shapes, not both"));
  }
  if (auto it = args.find(kWorkloadKey); it != args.end()) {
    if (it->second.size() != 1) {
      return absl::InvalidArgumentError(Cat(kName, ": workload takes one file"));
    }
    auto shapes = ReadWorkloadCsv(it->second[0]);
    if (!shapes.ok()) return shapes.status();
    workload = BuildTargetWorkload(*shapes, coverage);
  }
  if (auto it = args.find(kShapesKey); it != args.end()) {
    std::vector<WeightedShape> shapes;
    for (const std::string& text : it->second) {
      WeightedShape w;
      if (auto s = ParseShape(text, w); !s.ok()) return s;
      shapes.push_back(std::move(w));
    }
    if (shapes.empty()) {
      return absl::InvalidArgumentError(Cat(kName, ": shapes must list a shape"));
    }
    workload = TargetWorkloadFromWeights(std::move(shapes));
  }
  return std::make_unique<const GPUFragmentationPriority>(std::move(workload), coverage, scale);
}

void GPUFragmentationPriority::PreScore(CycleState& state, const Pod&, const Snapshot& snapshot,
                                        std::span<const NodeInfo* const>) const {
  if (workload_ != nullptr) return;
  // No M configured: the shapes of the live pods stand for the workload.
  std::vector<TaskShape> shapes;
  shapes.reserve(snapshot.pod_count());
  for (const auto& node : snapshot.nodes()) {
    for (const auto& pod : node->pods()) shapes.push_back(PodTaskShape(*pod));
  }
  state.Write(kStateKey, BuildTargetWorkload(shapes, coverage_));
}

const TargetWorkload* GPUFragmentationPriority::WorkloadFor(const CycleState& state) const {
  if (workload_ != nullptr) return workload_.get();
  const auto* m = state.Read<std::shared_ptr<const TargetWorkload>>(kStateKey);
  return m == nullptr ? nullptr : m->get();
}

FgdEvaluation GPUFragmentationPriority::Evaluate(const TargetWorkload& m, const Pod& pod,
                                                 const NodeInfo& node) const {
  FgdEvaluation out;
  const GpuDemand demand = PodGpuDemand(pod);
  const GpuSlots& slots = node.gpus();
  const NodeFrag& nf = CachedFrag(m, node);
  out.before = nf.before;
  const int64_t cpu_after = nf.cpu_left - pod.request.milli_cpu;
  if (cpu_after < 0 || !slots.Fits(demand) || (!demand.none() && slots.gpu_count() == 0)) {
    out.after = out.before;
    return out;  // does not fit: score 0, no GPU
  }
  out.fits = true;
  if (demand.none()) {
    out.after = FragAfter(m, nf, cpu_after, {});
    out.score = ScoreOf(out.before, out.after, scale_);
    return out;
  }
  if (!demand.shared()) {
    out.gpus = slots.Choose(demand);  // the k lowest-index fully free GPUs
    std::vector<GpuChange> changes;
    for (int g : out.gpus) changes.push_back({slots.free(g), slots.free(g) - demand.milli});
    out.after = FragAfter(m, nf, cpu_after, changes);
    out.score = ScoreOf(out.before, out.after, scale_);
    return out;
  }
  // A share: try every GPU with room; the best score wins, the lowest index among equals. GPUs
  // with the same free share give the same node state, so each value is tried once.
  const std::vector<int32_t>& free = slots.free_milli();
  out.score = -1;
  for (size_t g = 0; g < free.size(); ++g) {
    const int32_t f = free[g];
    if (f < demand.milli) continue;
    if (std::find(free.begin(), free.begin() + static_cast<std::ptrdiff_t>(g), f) !=
        free.begin() + static_cast<std::ptrdiff_t>(g)) {
      continue;
    }
    const GpuChange change{f, f - demand.milli};
    const double after = FragAfter(m, nf, cpu_after, std::span<const GpuChange>(&change, 1));
    const int64_t score = ScoreOf(out.before, after, scale_);
    if (score > out.score) {
      out.score = score;
      out.after = after;
      out.gpus = {static_cast<int>(g)};
    }
  }
  return out;
}

int64_t GPUFragmentationPriority::Score(const CycleState& state, const Pod& pod,
                                        const NodeInfo& node) const {
  const TargetWorkload* m = WorkloadFor(state);
  if (m == nullptr) return kMaxNodeScore / 2;
  return Evaluate(*m, pod, node).score;
}

std::vector<int> GPUFragmentationPriority::PreferredGpus(const CycleState& state, const Pod& pod,
                                                         const NodeInfo& node) const {
  const TargetWorkload* m = WorkloadFor(state);
  if (m == nullptr) return {};
  return Evaluate(*m, pod, node).gpus;
}

void GPUFragmentationPriority::Explain(
    const CycleState& state, const Pod& pod, const NodeInfo& node,
    std::vector<std::pair<std::string, int64_t>>& details) const {
  const TargetWorkload* m = WorkloadFor(state);
  if (m == nullptr) return;
  const FgdEvaluation e = Evaluate(*m, pod, node);
  details.emplace_back("fragmentationBefore", std::llround(e.before));
  details.emplace_back("fragmentationAfter", std::llround(e.after));
  if (!e.gpus.empty()) details.emplace_back("gpuIndex", e.gpus.front());
}

}  // namespace nbsched::priorities
