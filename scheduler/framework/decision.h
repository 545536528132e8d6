#pragma once

/// What the runner decided for one pod over a list of candidate nodes; the codecs turn it into
/// the extender replies (filter, prioritize, explain) and the gRPC messages.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "scheduler/model/node_info.h"
#include "scheduler/model/status.h"

namespace nbsched::framework {

struct NodeDecision {
  const NodeInfo* node = nullptr;  // points into the request's snapshot/overlay; never null
  /// Success when feasible; otherwise the failing predicates' reasons in policy order, code
  /// UnschedulableAndUnresolvable when any failing predicate said so.
  Status status;
  /// Normalised 0..100 score per policy priority (same order as Decision::priority_names);
  /// empty for infeasible nodes or when scoring was not asked for.
  std::vector<int64_t> scores;
  /// /explain only: plugin details ("GPUFragmentationPriority.fragmentationBefore", ...).
  std::vector<std::pair<std::string, int64_t>> details;
  int64_t weighted = 0;        // S = Σ wᵢ·pᵢ
  int64_t extender_score = 0;  // 0..10, interfaces.md §4
  bool feasible() const { return status.ok(); }
};

struct Decision {
  std::vector<NodeDecision> nodes;  // the candidates, in input order
  std::vector<std::string> priority_names;
  int64_t weight_sum = 0;  // W
  int64_t policy_generation = 0;
  bool scored = false;
  /// With `selection: best-in-filter`: index into `nodes` of the single winner, or -1.
  int64_t best = -1;
};

}  // namespace nbsched::framework
