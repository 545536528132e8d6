#include "scheduler/simulate/inputs.h"

#include <charconv>
#include <fstream>
#include <sstream>

#include "scheduler/codec/k8s_json.h"
#include "scheduler/model/gpu.h"
#include "scheduler/model/text.h"

namespace nbsched::simulate {
namespace {

constexpr int64_t kMiB = 1024 * 1024;

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::InvalidArgumentError(path + ": cannot open");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

bool LooksLikeJson(const std::string& text) {
  for (char c : text) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    return c == '{' || c == '[';
  }
  return false;
}

// A CSV file with a header; cells split on ',' (the trace has no quoted cells).
class CsvReader {
 public:
  CsvReader(std::string path, const std::string& text) : path_(std::move(path)), in_(text) {}

  absl::Status ReadHeader() {
    std::string line;
    if (!std::getline(in_, line)) return absl::InvalidArgumentError(path_ + ":1: empty file");
    line_no_ = 1;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    for (std::string_view h : Split(line, ',')) header_.emplace_back(h);
    return absl::OkStatus();
  }
  int Column(std::string_view name) const {
    for (size_t i = 0; i < header_.size(); ++i) {
      if (header_[i] == name) return static_cast<int>(i);
    }
    return -1;
  }
  /// Next non-empty row; false at the end.
  bool Next() {
    std::string line;
    while (std::getline(in_, line)) {
      ++line_no_;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.empty()) continue;
      line_ = std::move(line);
      cells_ = Split(line_, ',');
      return true;
    }
    return false;
  }
  size_t header_size() const { return header_.size(); }
  size_t cell_count() const { return cells_.size(); }
  std::string_view Cell(int col) const {
    if (col < 0 || static_cast<size_t>(col) >= cells_.size()) return {};
    return cells_[static_cast<size_t>(col)];
  }
  /// A non-negative integer cell.
  bool Int(int col, int64_t& v) const {
    const std::string_view s = Cell(col);
    if (s.empty()) return false;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    return ec == std::errc() && p == s.data() + s.size() && v >= 0;
  }
  /// An optional non-negative number; empty → `absent`.
  bool Number(int col, double& v, double absent) const {
    const std::string_view s = Cell(col);
    if (s.empty()) {
      v = absent;
      return true;
    }
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    return ec == std::errc() && p == s.data() + s.size() && v >= 0;
  }
  absl::Status Bad(std::string_view why) const {
    return absl::InvalidArgumentError(Cat(path_, ":", line_no_, ": ", why));
  }
  int64_t line_no() const { return line_no_; }

 private:
  std::string path_;
  std::istringstream in_;
  std::vector<std::string> header_;
  std::string line_;
  std::vector<std::string_view> cells_;
  int64_t line_no_ = 0;
};

std::vector<std::string> SplitSpec(std::string_view spec) {
  std::vector<std::string> out;
  for (std::string_view part : Split(spec, '|')) {
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    while (!part.empty() && part.back() == ' ') part.remove_suffix(1);
    if (part.empty()) continue;
    if (std::find(out.begin(), out.end(), part) == out.end()) out.emplace_back(part);
  }
  return out;
}

absl::StatusOr<Cluster> ClusterFromCsv(const std::string& path, const std::string& text,
                                       bool skip_bad_rows) {
  CsvReader csv(path, text);
  if (auto s = csv.ReadHeader(); !s.ok()) return s;
  const int name_col = csv.Column("sn"), cpu_col = csv.Column("cpu_milli"),
            mem_col = csv.Column("memory_mib"), gpu_col = csv.Column("gpu"),
            model_col = csv.Column("model");
  if (name_col < 0 || cpu_col < 0 || mem_col < 0 || gpu_col < 0) {
    return absl::InvalidArgumentError(
        path + ":1: a node CSV needs the columns sn,cpu_milli,memory_mib,gpu[,model]");
  }
  Cluster cluster;
  while (csv.Next()) {
    int64_t cpu = 0, mem = 0, gpus = 0;
    const bool ok = csv.cell_count() == csv.header_size() && !csv.Cell(name_col).empty() &&
                    csv.Int(cpu_col, cpu) && csv.Int(mem_col, mem) && csv.Int(gpu_col, gpus) &&
                    gpus <= 4096;
    if (!ok) {
      if (!skip_bad_rows) return csv.Bad("bad node row");
      ++cluster.skipped_rows;
      continue;
    }
    cluster.nodes.push_back(TraceNode(std::string(csv.Cell(name_col)), cpu, mem, gpus,
                                      std::string(csv.Cell(model_col))));
    cluster.gpu_capacity_milli += gpus * kMilliPerGpu;
  }
  return cluster;
}

absl::StatusOr<Workload> WorkloadFromCsv(const std::string& path, const std::string& text,
                                         bool skip_bad_rows) {
  CsvReader csv(path, text);
  if (auto s = csv.ReadHeader(); !s.ok()) return s;
  const int name_col = csv.Column("name"), cpu_col = csv.Column("cpu_milli"),
            mem_col = csv.Column("memory_mib"), count_col = csv.Column("num_gpu"),
            milli_col = csv.Column("gpu_milli"), spec_col = csv.Column("gpu_spec"),
            created_col = csv.Column("creation_time"), deleted_col = csv.Column("deletion_time");
  if (name_col < 0 || cpu_col < 0 || mem_col < 0 || count_col < 0 || milli_col < 0) {
    return absl::InvalidArgumentError(
        path + ":1: a pod CSV needs the columns name,cpu_milli,memory_mib,num_gpu,gpu_milli");
  }
  Workload w;
  w.path = path;
  while (csv.Next()) {
    int64_t cpu = 0, mem = 0, count = 0, milli = 0;
    double created = -1, deleted = -1;
    std::string why;
    if (csv.cell_count() != csv.header_size()) {
      why = Cat("expected ", csv.header_size(), " cells, got ", csv.cell_count());
    } else if (csv.Cell(name_col).empty()) {
      why = "empty name";
    } else if (!csv.Int(cpu_col, cpu) || !csv.Int(mem_col, mem) || !csv.Int(count_col, count) ||
               !csv.Int(milli_col, milli)) {
      why = "cpu_milli, memory_mib, num_gpu and gpu_milli must be non-negative integers";
    } else if (count >= 1 && (milli < 1 || milli > kMilliPerGpu)) {
      why = Cat("gpu_milli ", milli, " outside 1..1000 for num_gpu ", count);
    } else if (count > 1 && milli < kMilliPerGpu) {
      why = Cat("num_gpu ", count, " with a share of ", milli, " (only 1 GPU may share)");
    } else if (!csv.Number(created_col, created, -1) || !csv.Number(deleted_col, deleted, -1)) {
      why = "creation_time and deletion_time must be non-negative numbers";
    }
    if (!why.empty()) {
      if (!skip_bad_rows) return csv.Bad("bad pod row: " + why);
      ++w.skipped_rows;
      continue;
    }
    SimPod p = TracePod(std::string(csv.Cell(name_col)), cpu, mem, count, milli,
                        count > 0 ? SplitSpec(csv.Cell(spec_col)) : std::vector<std::string>{});
    p.arrival = created;
    if (created >= 0 && deleted >= created) p.duration = deleted - created;
    w.pods.push_back(std::move(p));
  }
  return w;
}

bool ParseSeconds(const std::string& text, double& out) {
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && p == text.data() + text.size() && out >= 0;
}

}  // namespace

SimPod Classify(std::shared_ptr<const Pod> pod) {
  SimPod p;
  const GpuDemand demand = PodGpuDemand(*pod);
  p.gpu_milli = demand.total_milli();
  p.pod_class = demand.none()     ? PodClass::kCpuOnly
                : demand.shared() ? PodClass::kSharing
                                  : PodClass::kWhole;
  p.pod = std::move(pod);
  return p;
}

SimPod TracePod(const std::string& name, int64_t milli_cpu, int64_t memory_mib, int64_t num_gpu,
                int64_t gpu_milli, const std::vector<std::string>& models) {
  Pod pod;
  pod.name = name;
  pod.namespace_ = "default";
  pod.uid = name;
  pod.phase = "Pending";
  Container c;
  c.name = "main";
  c.requests[std::string(kResourceCpu)] = Quantity::FromMilli(milli_cpu);
  c.requests[std::string(kResourceMemory)] = Quantity::FromUnits(memory_mib * kMiB);
  if (num_gpu > 0 && gpu_milli >= kMilliPerGpu) {
    c.requests[std::string(kResourceNvidiaGpu)] = Quantity::FromUnits(num_gpu);
  } else if (num_gpu > 0) {
    c.requests[std::string(kResourceGpuMilli)] = Quantity::FromUnits(gpu_milli);
  }
  pod.containers.push_back(std::move(c));
  if (!models.empty()) {
    NodeSelectorTerm term;
    term.match_expressions.push_back({std::string(kGpuProductLabel), SelectorOp::kIn, models});
    pod.node_affinity.emplace();
    pod.node_affinity->required = std::vector<NodeSelectorTerm>{std::move(term)};
  }
  pod.Finalize();
  return Classify(std::make_shared<const Pod>(std::move(pod)));
}

std::shared_ptr<const Node> TraceNode(const std::string& name, int64_t milli_cpu,
                                      int64_t memory_mib, int64_t gpus, const std::string& model) {
  auto node = std::make_shared<Node>();
  node->name = name;
  if (!model.empty() && gpus > 0) node->labels[std::string(kGpuProductLabel)] = model;
  node->conditions.push_back({"Ready", "True"});
  ResourceList& alloc = node->allocatable_list;
  alloc[std::string(kResourceCpu)] = Quantity::FromMilli(milli_cpu);
  alloc[std::string(kResourceMemory)] = Quantity::FromUnits(memory_mib * kMiB);
  alloc[std::string(kResourcePods)] = Quantity::FromUnits(kTraceNodeMaxPods);
  if (gpus > 0) {
    alloc[std::string(kResourceNvidiaGpu)] = Quantity::FromUnits(gpus);
    alloc[std::string(kResourceGpuMilli)] = Quantity::FromUnits(gpus * kMilliPerGpu);
  }
  node->Finalize();
  return node;
}

absl::StatusOr<Cluster> LoadCluster(const std::string& path, bool skip_bad_rows) {
  auto text = ReadFile(path);
  if (!text.ok()) return text.status();
  if (!LooksLikeJson(*text)) {
    return ClusterFromCsv(path, *text, skip_bad_rows);
  }
  auto objects = codec::DecodeList(*text);
  if (!objects.ok()) {
    return absl::InvalidArgumentError(path + ": " + std::string(objects.status().message()));
  }
  Cluster cluster;
  cluster.nodes = std::move(objects->nodes);
  cluster.workloads = std::move(objects->workloads);
  for (auto& pod : objects->pods) {
    if (!pod->node_name.empty() && pod->IsActive()) cluster.running.push_back(std::move(pod));
  }
  for (const auto& node : cluster.nodes) {
    cluster.gpu_capacity_milli +=
        std::clamp<int64_t>(node->allocatable.scalars.Get(kResourceNvidiaGpu), 0, 4096) *
        kMilliPerGpu;
  }
  return cluster;
}

absl::StatusOr<Workload> LoadWorkload(const std::string& path, bool skip_bad_rows) {
  auto text = ReadFile(path);
  if (!text.ok()) return text.status();
  if (!LooksLikeJson(*text)) return WorkloadFromCsv(path, *text, skip_bad_rows);
  auto objects = codec::DecodeList(*text);
  if (!objects.ok()) {
    return absl::InvalidArgumentError(path + ": " + std::string(objects.status().message()));
  }
  Workload w;
  w.path = path;
  for (size_t i = 0; i < objects->pods.size(); ++i) {
    Pod pod = *objects->pods[i];
    pod.node_name.clear();
    pod.phase = "Pending";
    if (pod.uid.empty()) pod.uid = pod.namespace_ + "/" + pod.name;
    double arrival = -1, duration = -1;
    for (auto [key, out] :
         {std::pair{kArrivalAnnotation, &arrival}, std::pair{kDurationAnnotation, &duration}}) {
      auto it = pod.annotations.find(key);
      if (it == pod.annotations.end()) continue;
      if (!ParseSeconds(it->second, *out)) {
        const std::string why = Cat(path, ": items[", i, "] (pod ", pod.name, "): ", key,
                                    " must be a non-negative number of seconds");
        if (!skip_bad_rows) return absl::InvalidArgumentError(why);
        ++w.skipped_rows;
        arrival = -2;  // marks the pod skipped
        break;
      }
    }
    if (arrival == -2) continue;
    SimPod p = Classify(std::make_shared<const Pod>(std::move(pod)));
    p.arrival = arrival;
    p.duration = duration;
    w.pods.push_back(std::move(p));
  }
  return w;
}

}  // namespace nbsched::simulate
