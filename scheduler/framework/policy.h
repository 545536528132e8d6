#pragma once

/// The compiled policy: the filters in order, the scorers with their weights, how the winner
/// is chosen, and the generation it was published as. Immutable once built; shared by request
/// threads as `shared_ptr<const Policy>` and swapped whole on reload.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "scheduler/model/plugin.h"

namespace nbsched::framework {

enum class Selection {
  kScore,         // /filter keeps every feasible node; /prioritize maps S to 0..10
  kBestInFilter,  // /filter keeps only the feasible node with the largest S (ties: tie_break)
};

struct WeightedScorer {
  std::shared_ptr<const ScorePlugin> plugin;
  int64_t weight = 0;
  PluginArgs args;  // as written, for printing the normalised policy
};

struct Policy {
  std::vector<std::shared_ptr<const FilterPlugin>> filters;
  std::vector<WeightedScorer> scorers;
  Selection selection = Selection::kScore;
  uint64_t tie_break_seed = 0;
  int64_t generation = 0;

  int64_t WeightSum() const;
  /// The policy in normalised YAML (what `nbsched check-policy` prints).
  std::string ToYaml() const;
};

/// The policy lists a priority that scores from measured usage (ScorePlugin::UsesUsage, e.g.
/// UsageBalancedPriority): without a usage source (--metrics-source none) it scores every node
/// from its pods' requests (interfaces.md §11), which check-policy and serve warn about.
bool PolicyUsesUsage(const Policy& policy);

/// Rank of a node in the seeded random permutation of node names used to break ties among
/// equal S: a keyed 64-bit hash (SplitMix64 over seed and FNV-1a of the name); a lower rank
/// wins, equal hashes fall back to the name. Stable for a node whatever the other nodes are.
uint64_t TieBreakRank(uint64_t seed, std::string_view node_name);

}  // namespace nbsched::framework
