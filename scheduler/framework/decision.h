#pragma once

/// What the runner decided for one pod over a list of candidate nodes; the codecs turn it into
/// the extender replies (filter, prioritize, explain) and the gRPC messages.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "scheduler/model/node_info.h"
#include "scheduler/model/status.h"

namespace nbsched::framework {

struct NodeDecision {
  const NodeInfo* node = nullptr;  // points into the request's snapshot/overlay; never null
  /// The request's spelling of the name (views the request; empty: node->name()).
  std::string_view name_view;
  std::string_view name() const { return name_view.empty() ? node->name() : name_view; }
  /// Success when feasible; otherwise the failing predicates' reasons in policy order, code
  /// UnschedulableAndUnresolvable when any failing predicate said so.
  Status status;
  /// Normalised 0..100 score per policy priority (same order as Decision::priority_names);
  /// empty for infeasible nodes or when scoring was not asked for. Views the Decision's
  /// score_table (one allocation per request, not one per node).
  std::span<const int64_t> scores;
  int64_t weighted = 0;        // S = Σ wᵢ·pᵢ
  int64_t extender_score = 0;  // 0..10, interfaces.md §4
  /// A later occurrence of a name already listed: replies skip it (one entry per host).
  bool duplicate = false;
  bool feasible() const { return status.ok(); }
  // 88 bytes: written for every candidate of every request, so nothing rarely used lives here
  // (the /explain details are in Decision::details).
};

struct Decision {
  Decision() = default;
  // Move-only: `nodes[i].scores` view `score_table`, whose buffer a move keeps and a copy would
  // not.
  Decision(Decision&&) = default;
  Decision& operator=(Decision&&) = default;
  Decision(const Decision&) = delete;
  Decision& operator=(const Decision&) = delete;

  std::vector<NodeDecision> nodes;  // the candidates, in input order
  /// Feasible-node scores, row after row (priority_names.size() per scored node).
  std::vector<int64_t> score_table;
  std::vector<std::string> priority_names;
  /// /explain only (ScheduleOptions::details), parallel to `nodes`: each priority's Explain()
  /// details ("GPUFragmentationPriority.fragmentationBefore", ...). Empty otherwise.
  std::vector<std::vector<std::pair<std::string, int64_t>>> details;
  std::span<const std::pair<std::string, int64_t>> DetailsOf(size_t node) const {
    if (node >= details.size()) return {};
    return details[node];
  }
  /// Every node's name() is plain JSON (model/text.h IsPlainJson), known from the request's
  /// names: the encoders copy them as they are. False: unknown, the encoders check each name.
  bool names_plain = false;
  int64_t weight_sum = 0;  // W
  int64_t policy_generation = 0;
  bool scored = false;
  /// With `selection: best-in-filter`: index into `nodes` of the single winner, or -1.
  int64_t best = -1;
  /// Node `i` is feasible but not the best-in-filter winner: /filter rejects it ("not best").
  bool NotBest(size_t i) const {
    return best >= 0 && best < static_cast<int64_t>(nodes.size()) &&
           static_cast<int64_t>(i) != best;
  }
};

}  // namespace nbsched::framework
