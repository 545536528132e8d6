#include "predicates/pod_tolerates_node_taints.h"

#include <string>

namespace nbsched::predicates {

namespace {

// PreferNoSchedule only affects the score; the first untolerated hard taint, in node order, is
// the one reported (upstream FindMatchingUntoleratedTaint). The reason ("node(s) had untolerated
// taint {key: value}") is formatted once per distinct taint list (TaintSet), which nodes tainted
// alike share.
Status Judge(const Pod& pod, const TaintSet& set) {
  const std::vector<Taint>& taints = set.taints;
  for (size_t i = 0; i < taints.size(); ++i) {
    const Status& failure = set.failures[i];
    if (failure.ok()) continue;  // PreferNoSchedule
    if (AnyToleratesTaint(pod.tolerations, taints[i])) continue;
    return failure;
  }
  return Status::Success();
}

// PreFilter's verdict per snapshot TaintSet (NodeRow::taint_index), with the set it is for.
constexpr size_t kMaxSets = 1024;

struct Verdicts {
  std::vector<std::pair<const TaintSet*, Status>> by_index;
};

}  // namespace

void PodToleratesNodeTaints::PreFilter(CycleState& state, const Pod& pod,
                                       const Snapshot& snapshot) const {
  // Nodes tainted alike share a few sets; a snapshot of mostly distinct sets is judged per node.
  if (snapshot.taint_sets().size() > kMaxSets) return;
  Verdicts verdicts;
  verdicts.by_index.reserve(snapshot.taint_sets().size());
  for (const TaintSet* set : snapshot.taint_sets()) {
    verdicts.by_index.emplace_back(set, Judge(pod, *set));
  }
  state.Write(kName, std::move(verdicts));
}

Status PodToleratesNodeTaints::Filter(const CycleState&, const Pod& pod,
                                      const NodeInfo& node) const {
  if (!node.flags().has_taints) return Status::Success();
  return Judge(pod, node.taints());
}

Status PodToleratesNodeTaints::FilterRow(const CycleState& state, const Pod& pod,
                                         const NodeRow& row) const {
  if (row.taints == nullptr) return Status::Success();
  const Verdicts* verdicts = state.Read<Verdicts>(kName);
  if (verdicts != nullptr && row.taint_index < verdicts->by_index.size()) {
    const auto& [set, verdict] = verdicts->by_index[row.taint_index];
    if (set == row.taints) return verdict;
  }
  return Judge(pod, *row.taints);  // a set the snapshot does not number, or no PreFilter
}

}  // namespace nbsched::predicates
