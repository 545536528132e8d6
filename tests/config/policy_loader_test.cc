#include "scheduler/config/policy_loader.h"

#include <catch2/catch.hpp>

namespace nbsched::config {
namespace {

const framework::Registry& R() { return framework::Registry::Default(); }

TEST_CASE("LoadPolicy reads the contract's example", "[config][policy]") {
  auto policy = LoadPolicy(R"(
predicates:
  - CheckNodeCondition
  - CheckNodeUnschedulable
  - PodFitsResources
priorities:
  - {name: LeastRequestedPriority,     weight: 1}
  - {name: BalancedResourceAllocation, weight: 1}
  - {name: SelectorSpreadPriority,     weight: 1}
  - {name: GPUAwarePriority,           weight: 2}
selection: best-in-filter
tieBreak: {seed: 42}
)",
                           "policy.yaml", R(), 7);
  REQUIRE(policy.ok());
  const framework::Policy& p = **policy;
  REQUIRE(p.filters.size() == 3);
  CHECK(p.filters[2]->Name() == "PodFitsResources");
  REQUIRE(p.scorers.size() == 4);
  CHECK(p.scorers[3].plugin->Name() == "GPUAwarePriority");
  CHECK(p.scorers[3].weight == 2);
  CHECK(p.WeightSum() == 5);
  CHECK(p.selection == framework::Selection::kBestInFilter);
  CHECK(p.tie_break_seed == 42);
  CHECK(p.generation == 7);
}

TEST_CASE("LoadPolicy defaults", "[config][policy]") {
  auto policy = LoadPolicy("priorities: []\n", "policy.yaml", R(), 1);
  REQUIRE(policy.ok());
  CHECK((*policy)->filters.size() == R().filter_names().size());  // all predicates
  CHECK((*policy)->scorers.empty());
  CHECK((*policy)->selection == framework::Selection::kScore);
  auto no_weight = LoadPolicy("priorities:\n  - name: MostRequestedPriority\n", "p.yaml", R(), 1);
  REQUIRE(no_weight.ok());
  CHECK((*no_weight)->scorers[0].weight == 1);
}

TEST_CASE("LoadPolicy accepts args beside the name or under args", "[config][policy]") {
  auto a =
      LoadPolicy("priorities:\n  - {name: BalancedResourceAllocation, weight: 1, form: legacy}\n",
                 "p.yaml", R(), 1);
  REQUIRE(a.ok());
  CHECK((*a)->scorers[0].args.at("form") == std::vector<std::string>{"legacy"});
  auto b = LoadPolicy(
      "priorities:\n  - name: GPUAwarePriority\n    weight: 2\n    args: {resources: "
      "[nvidia.com/gpu, amd.com/gpu]}\n",
      "p.yaml", R(), 1);
  REQUIRE(b.ok());
  CHECK((*b)->scorers[0].args.at("resources").size() == 2);
}

TEST_CASE("LoadPolicy rejects bad policies naming the line", "[config][policy]") {
  struct Row {
    std::string name;
    std::string yaml;
    std::string message;
  };
  const std::vector<Row> rows = {
      {"unknown priority", "priorities:\n  - {name: LeastRequested, weight: 1}\n",
       "policy.yaml:2: unknown priority \"LeastRequested\""},
      {"unknown predicate", "predicates:\n  - PodFitsResources\n  - PodFitsGPUs\n",
       "policy.yaml:3: unknown predicate \"PodFitsGPUs\""},
      {"negative weight", "priorities:\n  - {name: LeastRequestedPriority, weight: -1}\n",
       "policy.yaml:2: weight of LeastRequestedPriority must be an integer 0..1000 (got \"-1\")"},
      {"fractional weight", "priorities:\n  - {name: LeastRequestedPriority, weight: 1.5}\n",
       "must be an integer 0..1000 (got \"1.5\")"},
      {"weight too large", "priorities:\n  - {name: LeastRequestedPriority, weight: 1001}\n",
       "must be an integer 0..1000 (got \"1001\")"},
      {"duplicate priority",
       "priorities:\n  - {name: LeastRequestedPriority, weight: 1}\n  - {name: "
       "LeastRequestedPriority, weight: 2}\n",
       "policy.yaml:3: duplicate priority \"LeastRequestedPriority\""},
      {"duplicate predicate", "predicates: [PodFitsResources, PodFitsResources]\n",
       "duplicate predicate \"PodFitsResources\""},
      {"yaml error", "priorities:\n  - {name: LeastRequestedPriority, weight: 1\n",
       "policy.yaml:3"},
      {"unknown top-level key", "priority:\n  - {name: LeastRequestedPriority}\n",
       "policy.yaml:1: unknown key \"priority\""},
      {"args on a plugin without args",
       "priorities:\n  - {name: LeastRequestedPriority, weight: 1, form: legacy}\n",
       "LeastRequestedPriority takes no args"},
      {"bad selection", "selection: random\n", "selection must be \"score\" or \"best-in-filter\""},
      {"bad seed", "tieBreak: {seed: -4}\n", "tieBreak.seed must be a non-negative integer"},
      {"empty", "", "the policy is empty"},
      {"not a mapping", "- LeastRequestedPriority\n", "must be a mapping"},
      {"priority without name", "priorities:\n  - {weight: 1}\n", "a priority needs a name"},
      {"repeated top-level key (found by fuzzing)",
       "priorities: [{name: LeastRequestedPriority}]\npriorities: [{name: "
       "MostRequestedPriority}]\n",
       "policy.yaml:2: duplicate key \"priorities\""},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) {
      auto policy = LoadPolicy(row.yaml, "policy.yaml", R(), 1);
      REQUIRE_FALSE(policy.ok());
      CHECK_THAT(std::string(policy.status().message()), Catch::Contains(row.message));
    }
  }
}

TEST_CASE("Normalised YAML round-trips", "[config][policy]") {
  auto policy = LoadPolicy(
      "predicates: [PodFitsResources]\npriorities:\n  - {name: GPUAwarePriority, weight: 2}\n",
      "policy.yaml", R(), 1);
  REQUIRE(policy.ok());
  auto again = LoadPolicy((*policy)->ToYaml(), "normalised.yaml", R(), 2);
  REQUIRE(again.ok());
  CHECK((*again)->ToYaml() == (*policy)->ToYaml());
}

}  // namespace
}  // namespace nbsched::config
