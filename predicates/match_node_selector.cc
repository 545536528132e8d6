#include "predicates/match_node_selector.h"

#include <optional>
#include <string>

#include "scheduler/model/label_ids.h"

namespace nbsched::predicates {
namespace {

constexpr std::string_view kReason = "node(s) didn't match Pod's node affinity/selector";

bool Matches(const Pod& pod, const Node& node) {
  if (!MapSelectorMatches(pod.node_selector, node.labels)) return false;
  // An engaged but empty required list (a block without terms) matches no node, as upstream.
  if (pod.node_affinity && pod.node_affinity->required) {
    return NodeSelectorTermsMatch(*pod.node_affinity->required, node.labels, node.name);
  }
  return true;
}

// The pod's nodeSelector and required terms compiled once per request (PreFilter).
struct Compiled {
  CompiledMapSelector node_selector;
  std::optional<CompiledNodeSelectorTerms> required;
  bool ids = true;  // !required or required->UsesIds()

  bool Matches(const NodeInfo& node) const {
    if (!node_selector.Matches(node.label_ids())) return false;
    return !required || required->Matches(node.label_ids(), node.node().labels, node.name());
  }
};

// One shared Status for every node that does not match.
const Status& Failure() {
  static const Status kFailure = Status::UnschedulableAndUnresolvable({std::string(kReason)});
  return kFailure;
}

}  // namespace

void MatchNodeSelector::PreFilter(CycleState& state, const Pod& pod, const Snapshot&) const {
  if (Skip(state, pod)) return;
  Compiled compiled{.node_selector = CompiledMapSelector(pod.node_selector), .required = {}};
  if (pod.node_affinity && pod.node_affinity->required) {
    compiled.required.emplace(*pod.node_affinity->required);
    compiled.ids = compiled.required->UsesIds();
  }
  state.Write(kName, std::move(compiled));
}

bool MatchNodeSelector::Skip(const CycleState&, const Pod& pod) const {
  return pod.node_selector.empty() && !(pod.node_affinity && pod.node_affinity->required);
}

Status MatchNodeSelector::Filter(const CycleState& state, const Pod& pod,
                                 const NodeInfo& node) const {
  // Without PreFilter (a caller judging one node), the string matcher: the same answer.
  const Compiled* compiled = state.Read<Compiled>(kName);
  if (compiled != nullptr ? compiled->Matches(node) : Matches(pod, node.node())) {
    return Status::Success();
  }
  return Failure();
}

Status MatchNodeSelector::FilterRow(const CycleState& state, const Pod& pod,
                                    const NodeRow& row) const {
  const Compiled* compiled = state.Read<Compiled>(kName);
  if (compiled == nullptr || !compiled->ids) return Filter(state, pod, *row.info);
  const std::span<const uint64_t> labels = row.labels();
  if (compiled->node_selector.MatchesIds(labels) &&
      (!compiled->required || compiled->required->MatchesIds(labels))) {
    return Status::Success();
  }
  return Failure();
}

}  // namespace nbsched::predicates
