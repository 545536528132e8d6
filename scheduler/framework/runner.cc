#include "scheduler/framework/runner.h"

#include <algorithm>
#include <cstring>
#include <deque>
#include <unordered_set>

#include "scheduler/model/gpu.h"
#include "scheduler/model/node_usage.h"
#include "scheduler/model/text.h"

namespace nbsched::framework {
namespace {

using Clock = std::chrono::steady_clock;

std::shared_ptr<const NodeInfo> Placeholder(std::string_view name) {
  auto node = std::make_shared<Node>();
  node->name = std::string(name);
  return std::make_shared<const NodeInfo>(std::move(node),
                                          std::vector<std::shared_ptr<const Pod>>{});
}

void Time(const ScheduleOptions& options, std::string_view plugin, Clock::time_point start) {
  if (options.timer != nullptr) (*options.timer)(plugin, Clock::now() - start);
}

// The policy's filters that apply to this pod, in policy order (PreFilter must have run).
std::vector<const FilterPlugin*> ActiveFilters(const Policy& policy, const CycleState& state,
                                               const Pod& pod) {
  std::vector<const FilterPlugin*> active;
  active.reserve(policy.filters.size());
  for (const auto& filter : policy.filters) {
    if (!filter->Skip(state, pod)) active.push_back(filter.get());
  }
  return active;
}

// Several predicates' failures as one Status: the reasons in filter order, Unschedulable only
// when every part is (an Error counts as unresolvable, and so does a lone Error).
Status MergeFailures(std::span<const Status> failed) {
  std::vector<std::string> reasons;
  bool unresolvable = false;
  for (const Status& s : failed) {
    unresolvable |= s.code() != Status::Code::kUnschedulable;
    reasons.insert(reasons.end(), s.reasons().begin(), s.reasons().end());
  }
  return unresolvable ? Status::UnschedulableAndUnresolvable(std::move(reasons))
                      : Status::Unschedulable(std::move(reasons));
}

// Per request: the merged Status of each combination of failing Statuses seen so far, by the
// parts' identities (their shared reasons). Plugins return shared Statuses for common failures
// (PodFitsResources' GPU shortfall, MatchNodeSelector, a TaintSet's taints), so the nodes that
// fail alike (a GPU pod on thousands of CPU nodes) share one merged Status instead of each
// building its own vector of strings. The entries keep their parts alive, so an identity is never
// reused for other reasons while remembered. Bounded; gives up when nothing repeats.
class FailureMerger {
 public:
  std::vector<Status>& scratch() { return scratch_; }

  Status Merge(std::span<const Status> failed) {
    if (!searching_) return MergeFailures(failed);
    for (const Entry& entry : entries_) {
      if (SameParts(entry.parts, failed)) {
        ++hits_;
        return entry.merged;
      }
    }
    Status merged = MergeFailures(failed);
    if (entries_.size() < kMaxEntries) {
      entries_.push_back({std::vector<Status>(failed.begin(), failed.end()), merged});
    } else if (hits_ == 0) {
      searching_ = false;  // every node fails its own way: stop looking
    }
    return merged;
  }

 private:
  static constexpr size_t kMaxEntries = 32;
  struct Entry {
    std::vector<Status> parts;
    Status merged;
  };
  static bool SameParts(std::span<const Status> a, std::span<const Status> b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      if (a[i].code() != b[i].code() || &a[i].reasons() != &b[i].reasons()) return false;
    }
    return true;
  }
  std::vector<Status> scratch_;
  std::vector<Entry> entries_;
  size_t hits_ = 0;
  bool searching_ = true;
};

Status RunFilters(std::span<const FilterPlugin* const> filters, const CycleState& state,
                  const Pod& pod, const NodeRow& node, FailureMerger& merger) {
  if (filters.size() == 1) {  // a clean node's usual list (PodFitsResources): no scratch vector
    Status s = filters[0]->FilterRow(state, pod, node);
    if (s.code() != Status::Code::kError) return s;  // as below: a lone failure as is
  }
  std::vector<Status>& failed = merger.scratch();
  failed.clear();
  for (const FilterPlugin* filter : filters) {
    Status s = filter->FilterRow(state, pod, node);
    if (!s.ok()) failed.push_back(std::move(s));
  }
  if (failed.empty()) return Status::Success();
  // The common failure is one predicate: its Status is returned as is (no copy of the reasons).
  if (failed.size() == 1 && failed[0].code() != Status::Code::kError) return std::move(failed[0]);
  return merger.Merge(failed);
}

// The row of a node the snapshot's table does not hold (a request-supplied Node object, a
// hand-built candidate), numbered against the snapshot's TaintSets.
NodeRow RowOf(const Snapshot& snapshot, const NodeInfo& node) {
  NodeRow row = NodeRow::Of(node);
  row.taint_index = snapshot.TaintIndexOf(row.taints);
  return row;
}

}  // namespace

Candidates ResolveNames(const Snapshot& snapshot, std::span<const std::string> names,
                        std::span<const size_t> expected) {
  Candidates out;
  size_t chars = 0;
  for (const std::string& name : names) chars += name.size();
  // Duplicates without hashing the names again: known nodes by snapshot position, unknown
  // names (rare) in a set.
  std::vector<char> seen(snapshot.nodes().size(), 0);
  std::unordered_set<std::string_view> seen_missing;
  if (expected.empty()) {
    snapshot.FindPositions(names, out.positions);
  } else {
    out.positions.resize(names.size());
    for (size_t k = 0; k < names.size(); ++k) {
      const size_t hint = k < expected.size() ? expected[k] : NodeNameIndex::kNotFound;
      out.positions[k] = hint < snapshot.nodes().size() && snapshot.NameAt(hint) == names[k]
                             ? hint
                             : snapshot.FindPosition(names[k]);
    }
  }
  // Each vector sized once and written by index (no capacity test per element).
  const size_t n = names.size();
  out.nodes.resize(n);
  out.missing.resize(n);
  out.duplicate.resize(n);
  out.names.resize(n);
  out.name_chars.resize(chars);
  char* const chars_begin = out.name_chars.data();
  size_t offset = 0;
  const auto& infos = snapshot.nodes();
  for (size_t k = 0; k < n; ++k) {
    const std::string& name = names[k];
    const size_t position = out.positions[k];
    const bool missing = position == NodeNameIndex::kNotFound;
    const NodeInfo* info = nullptr;
    bool duplicate = false;
    if (missing) {
      out.owned.push_back(Placeholder(name));
      info = out.owned.back().get();
      duplicate = !seen_missing.insert(name).second;
    } else {
      info = infos[position].get();
      duplicate = seen[position] != 0;
      seen[position] = 1;
    }
    out.nodes[k] = info;
    out.missing[k] = missing ? 1 : 0;
    out.duplicate[k] = duplicate ? 1 : 0;
    if (!name.empty()) std::memcpy(chars_begin + offset, name.data(), name.size());
    out.names[k] = std::string_view(chars_begin + offset, name.size());
    offset += name.size();
  }
  // One scan of all the names (node names are always plain) instead of one per name and reply.
  out.names_plain = IsPlainJson({out.name_chars.data(), out.name_chars.size()});
  return out;
}

Candidates OverlayNodes(const Snapshot& snapshot,
                        std::span<const std::shared_ptr<const Node>> nodes) {
  Candidates out;
  out.nodes.reserve(nodes.size());
  out.missing.assign(nodes.size(), 0);
  out.owned.reserve(nodes.size());
  out.duplicate.reserve(nodes.size());
  std::unordered_set<std::string_view> seen;
  for (const auto& node : nodes) {
    out.duplicate.push_back(seen.insert(node->name).second ? 0 : 1);
    const NodeInfo* known = snapshot.Find(node->name);
    // kube-scheduler sends the Node objects the snapshot was built from: an identical node
    // judges exactly as the snapshot's NodeInfo, which needs no rebuilding (its pods' sums).
    if (known != nullptr && known->node() == *node) {
      out.nodes.push_back(known);
      continue;
    }
    out.owned.push_back(known != nullptr ? known->WithNode(node)
                                         : std::make_shared<const NodeInfo>(
                                               node, std::vector<std::shared_ptr<const Pod>>{}));
    out.nodes.push_back(out.owned.back().get());
  }
  return out;
}

Decision Schedule(const Policy& policy, const Snapshot& snapshot, const Pod& pod,
                  const Candidates& candidates, const ScheduleOptions& options) {
  Decision decision;
  decision.policy_generation = policy.generation;
  decision.weight_sum = policy.WeightSum();
  const bool best_in_filter = policy.selection == Selection::kBestInFilter;
  decision.scored = options.score;
  decision.names_plain =
      candidates.names_plain && candidates.names.size() == candidates.nodes.size();
  for (const WeightedScorer& s : policy.scorers)
    decision.priority_names.emplace_back(s.plugin->Name());

  CycleState state;
  const bool known =
      !candidates.nodes.empty() && options.verdicts.size() == candidates.nodes.size();
  std::vector<const FilterPlugin*> filters;
  if (!known) {
    for (const auto& filter : policy.filters) {
      const auto start = Clock::now();
      filter->PreFilter(state, pod, snapshot);
      Time(options, filter->Name(), start);
    }
    filters = ActiveFilters(policy, state, pod);
  }
  // The ones a clean node (NodeFlags::clean, most nodes) can fail.
  std::vector<const FilterPlugin*> clean_filters;
  for (const FilterPlugin* filter : filters) {
    if (!filter->PassesCleanNodes()) clean_filters.push_back(filter);
  }

  // Each NodeDecision is written once, in the loop (a resize would first zero all of them: at
  // 5,000 nodes, 440 KB written twice, the second time after it left the cache).
  decision.nodes.reserve(candidates.nodes.size());
  std::vector<const NodeInfo*> feasible;
  std::vector<const NodeRow*> feasible_rows;
  std::vector<size_t> feasible_index;
  FailureMerger merger;
  // Each candidate's table row: the snapshot's for a name it resolved, else one built into the
  // per-request table (request-supplied Node objects, hand-built candidates).
  std::deque<NodeRow> local_rows;
  const bool positioned = candidates.positions.size() == candidates.nodes.size();
  const auto& infos = snapshot.nodes();
  const auto row_of = [&](size_t i, const NodeInfo* node) -> const NodeRow& {
    const size_t position = positioned ? candidates.positions[i] : NodeNameIndex::kNotFound;
    if (position < infos.size() && infos[position].get() == node) return snapshot.row(position);
    return local_rows.emplace_back(RowOf(snapshot, *node));
  };
  feasible.reserve(candidates.nodes.size());
  feasible_rows.reserve(candidates.nodes.size());
  feasible_index.reserve(candidates.nodes.size());
  const auto filter_start = Clock::now();
  static const Status kNotFound =
      Status::UnschedulableAndUnresolvable({std::string(kNodeNotFound)});
  for (size_t i = 0; i < candidates.nodes.size(); ++i) {
    const NodeInfo* node = candidates.nodes[i];
    Status status;
    if (i < candidates.missing.size() && candidates.missing[i]) {
      status = kNotFound;
    } else {
      const NodeRow& row = row_of(i, node);
      status = known
                   ? options.verdicts[i]
                   : RunFilters(row.flags.clean ? clean_filters : filters, state, pod, row, merger);
      if (status.ok()) {
        feasible.push_back(node);
        feasible_rows.push_back(&row);
        feasible_index.push_back(i);
      }
    }
    decision.nodes.push_back(NodeDecision{
        .node = node,
        .name_view = i < candidates.names.size() ? candidates.names[i] : std::string_view(),
        .status = std::move(status),
        .duplicate = i < candidates.duplicate.size() && candidates.duplicate[i] != 0});
  }
  Time(options, "filter", filter_start);
  if (!options.score) return decision;

  const size_t num_scorers = policy.scorers.size();
  decision.score_table.assign(feasible_index.size() * num_scorers, 0);
  int64_t* const table = decision.score_table.data();
  for (size_t j = 0; j < feasible_index.size(); ++j) {
    decision.nodes[feasible_index[j]].scores = {table + j * num_scorers, num_scorers};
  }
  std::vector<NodeScore> scores(feasible.size());
  if (PolicyUsesUsage(policy)) {
    const UsageContext usage{options.usage, options.now_unix_ms};
    state.Write(kUsageStateKey, usage);
    if (options.details) {  // interfaces.md §11: /explain says which nodes had no fresh sample
      decision.details.resize(decision.nodes.size());
      for (size_t j = 0; j < feasible.size(); ++j) {
        decision.details[feasible_index[j]].emplace_back(
            "usageFromRequests", UsageOf(&usage, *feasible[j]).from_requests ? 1 : 0);
      }
    }
  }
  for (size_t p = 0; p < num_scorers; ++p) {
    const ScorePlugin& plugin = *policy.scorers[p].plugin;
    const auto start = Clock::now();
    plugin.PreScore(state, pod, snapshot, feasible);
    plugin.ScoreRows(state, pod, feasible, feasible_rows, scores);
    plugin.NormalizeScore(state, pod, scores);
    if (options.details) {
      decision.details.resize(decision.nodes.size());
      std::vector<std::pair<std::string, int64_t>> details;
      for (size_t j = 0; j < feasible.size(); ++j) {
        details.clear();
        plugin.Explain(state, pod, *feasible[j], details);
        for (auto& [key, value] : details) {
          decision.details[feasible_index[j]].emplace_back(std::string(plugin.Name()) + "." + key,
                                                           value);
        }
      }
    }
    for (size_t j = 0; j < feasible.size(); ++j) {
      // A score outside 0..100 is a plugin bug: upstream rejects the attempt; nbsched clamps.
      table[j * num_scorers + p] = std::clamp<int64_t>(scores[j].score, 0, kMaxNodeScore);
    }
    Time(options, plugin.Name(), start);
  }
  int64_t best_weighted = -1;
  uint64_t best_rank = 0;
  // S lies in 0..100·W when the weights are positive: with far more nodes than values, one
  // division per value (ExtenderScore's), not one per node.
  std::vector<int8_t> extender_scores;
  const int64_t max_weighted = kMaxNodeScore * decision.weight_sum;
  if (max_weighted > 0 && 4 * (max_weighted + 1) < static_cast<int64_t>(feasible_index.size())) {
    extender_scores.resize(static_cast<size_t>(max_weighted) + 1);
    for (int64_t v = 0; v <= max_weighted; ++v) {
      extender_scores[v] = static_cast<int8_t>(ExtenderScore(v, decision.weight_sum));
    }
  }
  for (size_t k : feasible_index) {
    NodeDecision& d = decision.nodes[k];
    int64_t weighted = 0;
    for (size_t p = 0; p < num_scorers; ++p) weighted += policy.scorers[p].weight * d.scores[p];
    d.weighted = weighted;
    d.extender_score = weighted >= 0 && weighted < static_cast<int64_t>(extender_scores.size())
                           ? extender_scores[weighted]
                           : ExtenderScore(weighted, decision.weight_sum);
    if (!best_in_filter) continue;
    const uint64_t rank = TieBreakRank(policy.tie_break_seed, d.node->name());
    const bool better =
        decision.best < 0 || weighted > best_weighted ||
        (weighted == best_weighted &&
         (rank < best_rank ||
          (rank == best_rank && d.node->name() < decision.nodes[decision.best].node->name())));
    if (better) {
      decision.best = static_cast<int64_t>(k);
      best_weighted = weighted;
      best_rank = rank;
    }
  }
  return decision;
}

int64_t ExtenderScore(int64_t weighted, int64_t weight_sum) {
  if (weight_sum <= 0) return 0;
  return std::clamp<int64_t>((10 * weighted + 50 * weight_sum) / (100 * weight_sum), 0, 10);
}

std::vector<int> ChooseGpus(const Policy& policy, const Snapshot& snapshot, const Pod& pod,
                            const NodeInfo& node) {
  const GpuDemand demand = PodGpuDemand(pod);
  if (demand.none()) return {};
  const NodeInfo* const feasible[] = {&node};
  for (const WeightedScorer& scorer : policy.scorers) {
    CycleState state;
    scorer.plugin->PreScore(state, pod, snapshot, feasible);
    std::vector<int> gpus = scorer.plugin->PreferredGpus(state, pod, node);
    if (!gpus.empty() && node.gpus().CanTake(demand, gpus)) return gpus;
  }
  return node.gpus().Choose(demand);
}

bool FitsWithout(const Policy& policy, const Snapshot& snapshot, const Pod& pod,
                 const NodeInfo& node, std::span<const std::string> victim_uids) {
  std::vector<std::shared_ptr<const Pod>> remaining;
  for (const auto& p : node.pods()) {
    if (std::find(victim_uids.begin(), victim_uids.end(), p->uid) == victim_uids.end()) {
      remaining.push_back(p);
    }
  }
  const NodeInfo reduced(node.node_ptr(), std::move(remaining));
  CycleState state;
  for (const auto& filter : policy.filters) filter->PreFilter(state, pod, snapshot);
  FailureMerger merger;
  return RunFilters(ActiveFilters(policy, state, pod), state, pod, RowOf(snapshot, reduced), merger)
      .ok();
}

}  // namespace nbsched::framework
