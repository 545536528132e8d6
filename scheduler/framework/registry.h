#pragma once

/// The one list of built-in plugins (upstream framework/plugins/registry.go): name → factory.
/// Immutable after construction; thread-safe.

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "scheduler/model/plugin.h"

namespace nbsched::framework {

using FilterFactory =
    std::function<absl::StatusOr<std::shared_ptr<const FilterPlugin>>(const PluginArgs&)>;
using ScoreFactory =
    std::function<absl::StatusOr<std::shared_ptr<const ScorePlugin>>(const PluginArgs&)>;

class Registry {
 public:
  /// Every built-in predicate and priority.
  static const Registry& Default();

  void AddFilter(std::string name, FilterFactory factory);
  void AddScore(std::string name, ScoreFactory factory);

  const FilterFactory* FindFilter(std::string_view name) const;
  const ScoreFactory* FindScore(std::string_view name) const;
  /// Predicates in registration order: the order used when a policy lists none.
  const std::vector<std::string>& filter_names() const { return filter_names_; }
  const std::vector<std::string>& score_names() const { return score_names_; }

 private:
  std::vector<std::string> filter_names_;
  std::vector<FilterFactory> filter_factories_;
  std::vector<std::string> score_names_;
  std::vector<ScoreFactory> score_factories_;
};

}  // namespace nbsched::framework
