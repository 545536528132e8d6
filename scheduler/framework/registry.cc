#include "scheduler/framework/registry.h"

#include <algorithm>

#include "absl/status/status.h"
#include "predicates/check_node_condition.h"
#include "predicates/check_node_disk_pressure.h"
#include "predicates/check_node_memory_pressure.h"
#include "predicates/check_node_pid_pressure.h"
#include "predicates/check_node_unschedulable.h"
#include "predicates/match_inter_pod_affinity.h"
#include "predicates/match_node_selector.h"
#include "predicates/no_disk_conflict.h"
#include "predicates/pod_fits_host.h"
#include "predicates/pod_fits_host_ports.h"
#include "predicates/pod_fits_resources.h"
#include "predicates/pod_tolerates_node_taints.h"
#include "priorities/balanced_resource_allocation.h"
#include "priorities/gpu_aware_priority.h"
#include "priorities/gpu_fragmentation_priority.h"
#include "priorities/gpu_headroom_priority.h"
#include "priorities/least_requested_priority.h"
#include "priorities/most_requested_priority.h"
#include "priorities/node_affinity_priority.h"
#include "priorities/overcommit_risk_priority.h"
#include "priorities/selector_spread_priority.h"
#include "priorities/taint_toleration_priority.h"
#include "priorities/usage_balanced_priority.h"

namespace nbsched::framework {
namespace {

absl::Status NoArgs(std::string_view plugin, const PluginArgs& args) {
  if (args.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(std::string(plugin) + " takes no args (got \"" +
                                    args.begin()->first + "\")");
}

template <typename T>
void AddFilter(Registry& r) {
  r.AddFilter(std::string(T::kName),
              [](const PluginArgs& args) -> absl::StatusOr<std::shared_ptr<const FilterPlugin>> {
                if (auto s = NoArgs(T::kName, args); !s.ok()) return s;
                return std::make_shared<const T>();
              });
}

template <typename T>
void AddScore(Registry& r) {
  r.AddScore(std::string(T::kName),
             [](const PluginArgs& args) -> absl::StatusOr<std::shared_ptr<const ScorePlugin>> {
               if (auto s = NoArgs(T::kName, args); !s.ok()) return s;
               return std::make_shared<const T>();
             });
}

// For plugins with a static Create(args).
template <typename T>
void AddScoreWithArgs(Registry& r) {
  r.AddScore(std::string(T::kName),
             [](const PluginArgs& args) -> absl::StatusOr<std::shared_ptr<const ScorePlugin>> {
               auto plugin = T::Create(args);
               if (!plugin.ok()) return plugin.status();
               return std::shared_ptr<const ScorePlugin>(std::move(*plugin));
             });
}

Registry MakeDefault() {
  using namespace nbsched::predicates;  // NOLINT(build/namespaces): one list, read as a table
  using namespace nbsched::priorities;  // NOLINT(build/namespaces)
  Registry r;
  // Predicates in the 1.13 evaluation order; a policy without `predicates:` runs all of them.
  AddFilter<CheckNodeCondition>(r);
  AddFilter<CheckNodeUnschedulable>(r);
  AddFilter<PodFitsResources>(r);
  AddFilter<PodFitsHost>(r);
  AddFilter<PodFitsHostPorts>(r);
  AddFilter<MatchNodeSelector>(r);
  AddFilter<NoDiskConflict>(r);
  AddFilter<PodToleratesNodeTaints>(r);
  AddFilter<CheckNodeMemoryPressure>(r);
  AddFilter<CheckNodeDiskPressure>(r);
  AddFilter<CheckNodePIDPressure>(r);
  AddFilter<MatchInterPodAffinity>(r);

  AddScore<LeastRequestedPriority>(r);
  AddScore<MostRequestedPriority>(r);
  AddScoreWithArgs<BalancedResourceAllocation>(r);
  AddScore<SelectorSpreadPriority>(r);
  AddScore<NodeAffinityPriority>(r);
  AddScore<TaintTolerationPriority>(r);
  AddScoreWithArgs<GPUAwarePriority>(r);
  AddScoreWithArgs<GPUFragmentationPriority>(r);
  AddScoreWithArgs<UsageBalancedPriority>(r);
  AddScoreWithArgs<OvercommitRiskPriority>(r);
  AddScoreWithArgs<GPUHeadroomPriority>(r);
  return r;
}

}  // namespace

const Registry& Registry::Default() {
  static const Registry* registry = new Registry(MakeDefault());
  return *registry;
}

void Registry::AddFilter(std::string name, FilterFactory factory) {
  filter_names_.push_back(std::move(name));
  filter_factories_.push_back(std::move(factory));
}

void Registry::AddScore(std::string name, ScoreFactory factory) {
  score_names_.push_back(std::move(name));
  score_factories_.push_back(std::move(factory));
}

const FilterFactory* Registry::FindFilter(std::string_view name) const {
  auto it = std::find(filter_names_.begin(), filter_names_.end(), name);
  return it == filter_names_.end() ? nullptr : &filter_factories_[it - filter_names_.begin()];
}

const ScoreFactory* Registry::FindScore(std::string_view name) const {
  auto it = std::find(score_names_.begin(), score_names_.end(), name);
  return it == score_names_.end() ? nullptr : &score_factories_[it - score_names_.begin()];
}

}  // namespace nbsched::framework
