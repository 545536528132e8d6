#include "scheduler/config/policy_loader.h"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "absl/status/status.h"

namespace nbsched::config {
namespace {

constexpr int64_t kMaxWeight = 1000;
constexpr size_t kMaxPolicyBytes = 1 << 20;

class Loader {
 public:
  Loader(std::string_view file, const framework::Registry& registry)
      : file_(file), registry_(registry) {}

  absl::StatusOr<std::shared_ptr<const framework::Policy>> Load(const YAML::Node& root,
                                                                int64_t generation) {
    auto policy = std::make_shared<framework::Policy>();
    policy->generation = generation;
    if (!root.IsDefined() || root.IsNull()) return Error(root, "the policy is empty");
    if (!root.IsMap()) return Error(root, "the policy must be a mapping (predicates, priorities)");
    bool has_predicates = false;
    std::set<std::string> seen_keys;
    for (const auto& entry : root) {
      const std::string key = entry.first.Scalar();
      const YAML::Node& value = entry.second;
      // YAML maps may not repeat a key; yaml-cpp keeps both, which would merge two lists.
      if (!seen_keys.insert(key).second) return Error(entry.first, "duplicate key \"" + key + "\"");
      absl::Status s;
      if (key == "predicates") {
        has_predicates = true;
        s = LoadPredicates(value, *policy);
      } else if (key == "priorities") {
        s = LoadPriorities(value, *policy);
      } else if (key == "selection") {
        s = LoadSelection(value, *policy);
      } else if (key == "tieBreak") {
        s = LoadTieBreak(value, *policy);
      } else if (key == "kind" || key == "apiVersion") {
        continue;  // tolerated for admins who wrap the policy like a Kubernetes object
      } else {
        s = Error(entry.first,
                  "unknown key \"" + key + "\" (want predicates, priorities, selection, tieBreak)");
      }
      if (!s.ok()) return s;
    }
    if (!has_predicates) {
      for (const std::string& name : registry_.filter_names()) {
        auto plugin = (*registry_.FindFilter(name))(PluginArgs{});
        if (!plugin.ok()) return plugin.status();
        policy->filters.push_back(std::move(*plugin));
      }
    }
    return std::shared_ptr<const framework::Policy>(std::move(policy));
  }

  absl::Status Error(const YAML::Node& at, const std::string& message) const {
    std::string where(file_);
    const YAML::Mark mark = at.Mark();
    if (mark.line >= 0) where += ":" + std::to_string(mark.line + 1);
    return absl::InvalidArgumentError(where + ": " + message);
  }

 private:
  absl::Status LoadPredicates(const YAML::Node& list, framework::Policy& policy) {
    if (list.IsNull()) return absl::OkStatus();  // `predicates:` with nothing: no filters
    if (!list.IsSequence()) return Error(list, "predicates must be a list of names");
    std::set<std::string> seen;
    for (const auto& item : list) {
      std::string name;
      YAML::Node name_node = item;
      if (item.IsMap()) {
        name_node = item["name"];
        for (const auto& kv : item) {
          if (kv.first.Scalar() != "name") {
            return Error(kv.first, "unknown key \"" + kv.first.Scalar() + "\" in a predicate");
          }
        }
      }
      if (!name_node.IsDefined() || !name_node.IsScalar())
        return Error(item, "a predicate needs a name");
      name = name_node.Scalar();
      const framework::FilterFactory* factory = registry_.FindFilter(name);
      if (factory == nullptr) return Error(name_node, "unknown predicate \"" + name + "\"");
      if (!seen.insert(name).second)
        return Error(name_node, "duplicate predicate \"" + name + "\"");
      auto plugin = (*factory)(PluginArgs{});
      if (!plugin.ok()) return Error(name_node, std::string(plugin.status().message()));
      policy.filters.push_back(std::move(*plugin));
    }
    return absl::OkStatus();
  }

  absl::Status LoadPriorities(const YAML::Node& list, framework::Policy& policy) {
    if (list.IsNull()) return absl::OkStatus();
    if (!list.IsSequence()) return Error(list, "priorities must be a list of {name, weight}");
    std::set<std::string> seen;
    for (const auto& item : list) {
      if (!item.IsMap())
        return Error(item, "a priority must be a mapping {name: ..., weight: ...}");
      const YAML::Node name_node = item["name"];
      if (!name_node.IsDefined() || !name_node.IsScalar() || name_node.Scalar().empty()) {
        return Error(item, "a priority needs a name");
      }
      const std::string name = name_node.Scalar();
      const framework::ScoreFactory* factory = registry_.FindScore(name);
      if (factory == nullptr) return Error(name_node, "unknown priority \"" + name + "\"");
      if (!seen.insert(name).second) return Error(name_node, "duplicate priority \"" + name + "\"");
      int64_t weight = 1;
      PluginArgs args;
      for (const auto& kv : item) {
        const std::string key = kv.first.Scalar();
        if (key == "name") continue;
        if (key == "weight") {
          auto w = ParseWeight(kv.second, name);
          if (!w.ok()) return w.status();
          weight = *w;
        } else if (key == "args") {
          if (kv.second.IsNull()) continue;
          if (!kv.second.IsMap()) return Error(kv.second, "args of " + name + " must be a mapping");
          for (const auto& arg : kv.second) {
            if (auto s = AddArg(arg.first, arg.second, name, args); !s.ok()) return s;
          }
        } else if (auto s = AddArg(kv.first, kv.second, name, args); !s.ok()) {
          return s;  // args may also sit beside name and weight: {name: X, weight: 1, form: legacy}
        }
      }
      auto plugin = (*factory)(args);
      if (!plugin.ok()) return Error(name_node, std::string(plugin.status().message()));
      policy.scorers.push_back({std::move(*plugin), weight, std::move(args)});
    }
    return absl::OkStatus();
  }

  absl::Status AddArg(const YAML::Node& key, const YAML::Node& value, const std::string& plugin,
                      PluginArgs& args) {
    const std::string name = key.Scalar();
    if (args.contains(name)) return Error(key, "duplicate arg \"" + name + "\" of " + plugin);
    std::vector<std::string> values;
    if (value.IsScalar()) {
      values.push_back(value.Scalar());
    } else if (value.IsSequence()) {
      for (const auto& v : value) {
        if (!v.IsScalar())
          return Error(v, "arg \"" + name + "\" of " + plugin + " must hold scalars");
        values.push_back(v.Scalar());
      }
    } else {
      return Error(value, "arg \"" + name + "\" of " + plugin + " must be a scalar or a list");
    }
    args.emplace(name, std::move(values));
    return absl::OkStatus();
  }

  absl::StatusOr<int64_t> ParseWeight(const YAML::Node& node, const std::string& plugin) {
    if (!node.IsScalar()) return Error(node, "weight of " + plugin + " must be an integer 0..1000");
    const std::string text = node.Scalar();
    int64_t value = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || ptr != text.data() + text.size() || value < 0 || value > kMaxWeight) {
      return Error(node,
                   "weight of " + plugin + " must be an integer 0..1000 (got \"" + text + "\")");
    }
    return value;
  }

  absl::Status LoadSelection(const YAML::Node& node, framework::Policy& policy) {
    const std::string v = node.IsScalar() ? node.Scalar() : "";
    if (v == "score") {
      policy.selection = framework::Selection::kScore;
    } else if (v == "best-in-filter") {
      policy.selection = framework::Selection::kBestInFilter;
    } else {
      return Error(node, "selection must be \"score\" or \"best-in-filter\" (got \"" + v + "\")");
    }
    return absl::OkStatus();
  }

  absl::Status LoadTieBreak(const YAML::Node& node, framework::Policy& policy) {
    if (!node.IsMap()) return Error(node, "tieBreak must be a mapping {seed: N}");
    for (const auto& kv : node) {
      if (kv.first.Scalar() != "seed") {
        return Error(kv.first, "unknown key \"" + kv.first.Scalar() + "\" in tieBreak (want seed)");
      }
      const std::string text = kv.second.IsScalar() ? kv.second.Scalar() : "";
      uint64_t seed = 0;
      auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), seed);
      if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) {
        return Error(kv.second,
                     "tieBreak.seed must be a non-negative integer (got \"" + text + "\")");
      }
      policy.tie_break_seed = seed;
    }
    return absl::OkStatus();
  }

  std::string_view file_;
  const framework::Registry& registry_;
};

}  // namespace

absl::StatusOr<std::shared_ptr<const framework::Policy>> LoadPolicy(
    std::string_view yaml_text, std::string_view file_name, const framework::Registry& registry,
    int64_t generation) {
  Loader loader(file_name, registry);
  try {
    const YAML::Node root = YAML::Load(std::string(yaml_text));
    return loader.Load(root, generation);
  } catch (const YAML::Exception& e) {
    std::string where(file_name);
    if (e.mark.line >= 0)
      where += ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1);
    return absl::InvalidArgumentError(where + ": YAML error: " + e.msg);
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(std::string(file_name) + ": " + e.what());
  }
}

absl::StatusOr<std::shared_ptr<const framework::Policy>> LoadPolicyFile(
    const std::string& path, const framework::Registry& registry, int64_t generation) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) return absl::InvalidArgumentError(path + ": cannot read: " + ec.message());
  if (size > kMaxPolicyBytes) return absl::InvalidArgumentError(path + ": larger than 1 MiB");
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::InvalidArgumentError(path + ": cannot open");
  std::ostringstream text;
  text << in.rdbuf();
  return LoadPolicy(text.str(), std::filesystem::path(path).filename().string(), registry,
                    generation);
}

}  // namespace nbsched::config
