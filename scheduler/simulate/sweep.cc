#include "scheduler/simulate/sweep.h"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <unordered_set>

#include "absl/status/status.h"
#include "scheduler/config/policy_loader.h"
#include "scheduler/model/gpu.h"

namespace nbsched::simulate {
namespace {

uint64_t Fnv(std::string_view bytes, uint64_t h = 0xcbf29ce484222325ULL) {
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

std::string Hex(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

std::optional<std::string> ReadWholeFile(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

absl::Status SweepError(const std::string& path, const YAML::Node& at, const std::string& what) {
  std::string where = path;
  if (at.IsDefined() && at.Mark().line >= 0) where += ":" + std::to_string(at.Mark().line + 1);
  return absl::InvalidArgumentError(where + ": " + what);
}

struct Axis {
  std::string key;     // the short name in the point's name
  std::string plugin;  // priority name
  std::string arg;     // empty = the weight
  std::vector<std::string> values;
};

// Sets one axis's value in a copy of the base policy's YAML.
absl::Status Apply(YAML::Node& root, const Axis& axis, const std::string& value) {
  if (!root["priorities"].IsDefined() || root["priorities"].IsNull()) {
    root["priorities"] = YAML::Node(YAML::NodeType::Sequence);
  }
  YAML::Node priorities = root["priorities"];
  if (!priorities.IsSequence()) return absl::InvalidArgumentError("priorities is not a list");
  size_t found = priorities.size();
  for (size_t i = 0; i < priorities.size(); ++i) {
    const YAML::Node p = priorities[i];
    if (p.IsMap() && (p["name"].IsDefined() && p["name"].IsScalar()) &&
        p["name"].Scalar() == axis.plugin) {
      found = i;
      break;
    }
  }
  if (found == priorities.size()) {
    if (!axis.arg.empty()) {
      return absl::InvalidArgumentError("the base policy has no priority " + axis.plugin +
                                        " to set args." + axis.arg + " on");
    }
    YAML::Node added(YAML::NodeType::Map);
    added["name"] = axis.plugin;
    added["weight"] = value;
    priorities.push_back(added);
    return absl::OkStatus();
  }
  YAML::Node entry = priorities[found];
  if (axis.arg.empty()) {
    entry["weight"] = value;
  } else {
    entry["args"][axis.arg] = value;
  }
  return absl::OkStatus();
}

}  // namespace

std::optional<ShardSpec> ParseShard(std::string_view text) {
  const size_t slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto number = [](std::string_view s) -> std::optional<int64_t> {
    int64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc() || p != s.data() + s.size() || v < 0) return std::nullopt;
    return v;
  };
  const auto i = number(text.substr(0, slash));
  const auto n = number(text.substr(slash + 1));
  if (!i || !n || *n < 1 || *i >= *n) return std::nullopt;
  return ShardSpec{*i, *n};
}

std::string HashHex(std::string_view bytes) { return Hex(Fnv(bytes)); }

std::string SweepFingerprint(int argc, char** argv) {
  static const std::set<std::string> kSkipped = {"shard", "out", "threads", "progress"};
  uint64_t h = Fnv("nbsched simulate");
  for (int i = 2; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.starts_with("--")) {
      const std::string name =
          arg.substr(2, arg.find('=') == std::string::npos ? std::string::npos : arg.find('=') - 2);
      if (kSkipped.count(name) > 0) {
        if (arg.find('=') == std::string::npos) ++i;  // its value is the next argument
        continue;
      }
      if (const size_t eq = arg.find('='); eq != std::string::npos) {
        h = Fnv(std::string_view("\0", 1), Fnv(arg.substr(0, eq), h));
        const std::string value = arg.substr(eq + 1);
        const auto content = ReadWholeFile(value);
        h = Fnv(content ? "file:" + HashHex(*content) : value, h);
        continue;
      }
    }
    const auto content = ReadWholeFile(arg);
    h = Fnv(std::string_view("\0", 1), Fnv(content ? "file:" + HashHex(*content) : arg, h));
  }
  return Hex(h);
}

absl::StatusOr<std::vector<SweepPoint>> LoadSweepFile(const std::string& path,
                                                      const framework::Registry& registry) {
  const auto text = ReadWholeFile(path);
  if (!text) return absl::InvalidArgumentError(path + ": cannot read the sweep file");
  YAML::Node root;
  try {
    root = YAML::Load(*text);
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(path + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  if (!root.IsMap() || !(root["points"].IsDefined() && root["points"].IsSequence()) ||
      root["points"].size() == 0) {
    return SweepError(path, root, "a sweep file needs a non-empty list \"points\"");
  }
  for (const auto& kv : root) {
    if (kv.first.Scalar() != "points") {
      return SweepError(path, kv.first, "unknown key \"" + kv.first.Scalar() + "\" (want points)");
    }
  }
  const std::filesystem::path dir = std::filesystem::path(path).parent_path();
  std::vector<SweepPoint> out;
  std::unordered_set<std::string> names;
  for (const YAML::Node& point : root["points"]) {
    if (!point.IsMap()) return SweepError(path, point, "a point must be a mapping (base, grid)");
    for (const auto& kv : point) {
      const std::string k = kv.first.Scalar();
      if (k != "base" && k != "name" && k != "grid") {
        return SweepError(path, kv.first, "unknown key \"" + k + "\" (want base, name, grid)");
      }
    }
    if (!(point["base"].IsDefined() && point["base"].IsScalar()))
      return SweepError(path, point, "a point needs base: FILE");
    std::filesystem::path base = point["base"].Scalar();
    if (base.is_relative()) base = dir / base;
    const auto base_text = ReadWholeFile(base);
    if (!base_text) {
      return SweepError(path, point["base"], "cannot read base policy " + base.string());
    }
    YAML::Node base_root;
    try {
      base_root = YAML::Load(*base_text);
    } catch (const YAML::Exception& e) {
      return absl::InvalidArgumentError(base.string() + ":" + std::to_string(e.mark.line + 1) +
                                        ": " + e.msg);
    }
    if (!base_root.IsMap()) return SweepError(path, point["base"], "the base is not a policy");
    std::string name = (point["name"].IsDefined() && point["name"].IsScalar())
                           ? point["name"].Scalar()
                           : base.stem().string();
    if (name.empty() || name.find_first_of(",\n\"[];=") != std::string::npos) {
      return SweepError(path, point, "a point's name may not be empty or hold , \" [ ] ; =");
    }

    std::vector<Axis> axes;
    const YAML::Node grid = point["grid"];
    if (grid.IsDefined() && !grid.IsNull()) {
      if (!grid.IsMap()) return SweepError(path, grid, "grid must be a mapping KEY: {set, values}");
      for (const auto& kv : grid) {
        Axis axis;
        axis.key = kv.first.Scalar();
        std::string target;
        YAML::Node values;
        if (kv.second.IsSequence()) {  // shorthand: the key is the target
          target = axis.key;
          values = kv.second;
        } else if (kv.second.IsMap() &&
                   (kv.second["set"].IsDefined() && kv.second["set"].IsScalar()) &&
                   (kv.second["values"].IsDefined() && kv.second["values"].IsSequence())) {
          target = kv.second["set"].Scalar();
          values = kv.second["values"];
        } else {
          return SweepError(path, kv.second,
                            "grid entry \"" + axis.key + "\" needs {set: TARGET, values: [...]}");
        }
        if (axis.key.empty() || axis.key.find_first_of(",\n\"[];=") != std::string::npos) {
          return SweepError(path, kv.first, "a grid key may not hold , \" [ ] ; =");
        }
        const size_t dot = target.find('.');
        const std::string rest = dot == std::string::npos ? "" : target.substr(dot + 1);
        axis.plugin = target.substr(0, dot);
        if (rest == "weight") {
        } else if (rest.starts_with("args.") && rest.size() > 5) {
          axis.arg = rest.substr(5);
        } else {
          return SweepError(path, kv.second,
                            "grid target \"" + target +
                                "\" must be PLUGIN.weight or "
                                "PLUGIN.args.KEY");
        }
        if (values.size() == 0) {
          return SweepError(path, values, "grid entry \"" + axis.key + "\" has no values");
        }
        for (const YAML::Node& v : values) {
          if (!v.IsScalar() || v.Scalar().empty() ||
              v.Scalar().find_first_of(",\n\"[];") != std::string::npos) {
            return SweepError(path, v, "a grid value must be a plain scalar without , \" [ ] ;");
          }
          axis.values.push_back(v.Scalar());
        }
        axes.push_back(std::move(axis));
      }
    }

    // The Cartesian product, the last axis fastest.
    std::vector<size_t> at(axes.size(), 0);
    for (bool more = true; more;) {
      YAML::Node policy = YAML::Clone(base_root);
      std::string point_name = name;
      for (size_t a = 0; a < axes.size(); ++a) {
        const std::string& value = axes[a].values[at[a]];
        point_name += (a == 0 ? "[" : ";") + axes[a].key + "=" + value;
        if (auto s = Apply(policy, axes[a], value); !s.ok()) {
          return SweepError(path, grid, "point " + name + ": " + std::string(s.message()));
        }
      }
      if (!axes.empty()) point_name += "]";
      if (!names.insert(point_name).second) {
        return SweepError(path, point, "two points are named \"" + point_name + "\"");
      }
      YAML::Emitter emitter;
      emitter << policy;
      std::string yaml = emitter.c_str();
      yaml += '\n';
      auto loaded = config::LoadPolicy(yaml, path + " point " + point_name, registry, 1);
      if (!loaded.ok()) return loaded.status();
      out.push_back({point_name, std::move(yaml), *loaded});
      more = false;
      for (size_t a = axes.size(); a-- > 0;) {
        if (++at[a] < axes[a].values.size()) {
          more = true;
          break;
        }
        at[a] = 0;
      }
    }
  }
  return out;
}

void ScaleArrivalTimes(Workload& workload, double factor) {
  for (SimPod& p : workload.pods) {
    if (p.arrival >= 0) p.arrival *= factor;
  }
}

void ScaleNodes(Cluster& cluster, double fraction) {
  std::vector<std::shared_ptr<const Node>> kept;
  std::unordered_set<std::string> names;
  for (size_t i = 0; i < cluster.nodes.size(); ++i) {
    const double a = std::floor(static_cast<double>(i) * fraction);
    const double b = std::floor(static_cast<double>(i + 1) * fraction);
    if (b > a) {
      kept.push_back(cluster.nodes[i]);
      names.insert(cluster.nodes[i]->name);
    }
  }
  cluster.nodes = std::move(kept);
  std::vector<std::shared_ptr<const Pod>> running;
  for (auto& pod : cluster.running) {
    if (names.count(pod->node_name) > 0) running.push_back(std::move(pod));
  }
  cluster.running = std::move(running);
  cluster.gpu_capacity_milli = 0;
  for (const auto& node : cluster.nodes) {
    cluster.gpu_capacity_milli +=
        std::clamp<int64_t>(node->allocatable.scalars.Get(kResourceNvidiaGpu), 0, 4096) *
        kMilliPerGpu;
  }
}

}  // namespace nbsched::simulate
