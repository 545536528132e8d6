#include "predicates/match_node_selector.h"

#include <string>

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

}  // namespace

bool MatchNodeSelector::Skip(const CycleState&, const Pod& pod) const {
  return pod.node_selector.empty() && !(pod.node_affinity && pod.node_affinity->required);
}

Status MatchNodeSelector::Filter(const CycleState&, const Pod& pod, const NodeInfo& node) const {
  if (Matches(pod, node.node())) return Status::Success();
  static const Status kFailure = Status::UnschedulableAndUnresolvable({std::string(kReason)});
  return kFailure;
}

}  // namespace nbsched::predicates
