#include "predicates/match_inter_pod_affinity.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace nbsched::predicates {
namespace {

constexpr std::string_view kAffinityNotMatch = "node(s) didn't match pod affinity rules";
constexpr std::string_view kAntiAffinityNotMatch = "node(s) didn't match pod anti-affinity rules";
constexpr std::string_view kExistingAntiAffinityNotMatch =
    "node(s) didn't satisfy existing pods anti-affinity rules";

// topology key → topology value → number of matches (upstream topologyToMatchedTermCount keyed
// by topologyPair). Only positive counts are stored; nested so that Filter looks pairs up by
// string_view without building a key.
using DomainCounts = std::map<std::string, int64_t, std::less<>>;
using TopologyCounts = std::map<std::string, DomainCounts, std::less<>>;

/// Written by PreFilter, read by every Filter call of the request (upstream preFilterState).
struct AffinityState {
  // Domains holding a pod that matches ALL of the incoming pod's required affinity terms.
  TopologyCounts affinity;
  // Domains holding a pod that matches some required anti-affinity term of the incoming pod.
  TopologyCounts anti_affinity;
  // Domains (keyed by the existing pod's term's topology key) holding an existing pod whose
  // required anti-affinity term matches the incoming pod.
  TopologyCounts existing_anti_affinity;
  // The incoming pod matches all its own required affinity terms ("first of a group").
  bool pod_matches_own_affinity = false;
};

// Upstream AffinityTerm.Matches with the namespaces of getNamespacesFromPodAffinityTerm:
// `owner_namespace` is the namespace of the pod that carries the term.
bool TermMatches(const PodAffinityTerm& term, std::string_view owner_namespace, const Pod& target) {
  bool namespace_ok;
  if (term.namespaces.empty() && !term.namespace_selector) {
    namespace_ok = target.namespace_ == owner_namespace;
  } else {
    namespace_ok = std::find(term.namespaces.begin(), term.namespaces.end(), target.namespace_) !=
                   term.namespaces.end();
    // `namespaceSelector: {}` selects every namespace. A non-empty namespace selector would need
    // the namespaces' labels, which nbsched does not watch: it selects no namespace beyond the
    // listed ones (so such a term is weaker, never stronger, than upstream's).
    if (!namespace_ok && term.namespace_selector && term.namespace_selector->Empty()) {
      namespace_ok = true;
    }
  }
  // A term without labelSelector (`nothing`) matches no pod.
  return namespace_ok && LabelSelectorMatches(term.label_selector, target.labels);
}

// Upstream podMatchesAllAffinityTerms: false for an empty list.
bool MatchesAllTerms(const std::vector<PodAffinityTerm>& terms, std::string_view owner_namespace,
                     const Pod& target) {
  if (terms.empty()) return false;
  return std::all_of(terms.begin(), terms.end(), [&](const PodAffinityTerm& t) {
    return TermMatches(t, owner_namespace, target);
  });
}

// Upstream topologyToMatchedTermCount.update: nodes without the key are not counted.
void Count(TopologyCounts& counts, const Labels& node_labels, const std::string& key) {
  auto it = node_labels.find(key);
  if (it == node_labels.end()) return;
  ++counts[key][it->second];
}

bool HasPair(const TopologyCounts& counts, std::string_view key, std::string_view value) {
  auto outer = counts.find(key);
  if (outer == counts.end()) return false;
  return outer->second.find(value) != outer->second.end();
}

// Upstream satisfyPodAffinity.
bool SatisfiesAffinity(const AffinityState& state, const Pod& pod, const Labels& node_labels) {
  bool pods_exist = true;
  for (const PodAffinityTerm& term : pod.pod_affinity.required) {
    auto label = node_labels.find(term.topology_key);
    if (label == node_labels.end()) return false;  // every topology label must exist on the node
    if (!HasPair(state.affinity, term.topology_key, label->second)) pods_exist = false;
  }
  if (pods_exist) return true;
  // The pod may be the first of a group with affinity to itself: when no pod anywhere matches
  // its terms and it matches them itself, let it pass so the group can start.
  return state.affinity.empty() && state.pod_matches_own_affinity;
}

// Upstream satisfyPodAntiAffinity: a node without the topology label passes.
bool SatisfiesAntiAffinity(const AffinityState& state, const Pod& pod, const Labels& node_labels) {
  if (state.anti_affinity.empty()) return true;
  for (const PodAffinityTerm& term : pod.pod_anti_affinity.required) {
    auto label = node_labels.find(term.topology_key);
    if (label != node_labels.end() &&
        HasPair(state.anti_affinity, term.topology_key, label->second)) {
      return false;
    }
  }
  return true;
}

// Upstream satisfyExistingPodsAntiAffinity: any of the node's (key, value) labels in the map.
bool SatisfiesExistingAntiAffinity(const AffinityState& state, const Labels& node_labels) {
  for (const auto& [key, domains] : state.existing_anti_affinity) {
    auto label = node_labels.find(key);
    if (label != node_labels.end() && domains.find(label->second) != domains.end()) return false;
  }
  return true;
}

}  // namespace

void MatchInterPodAffinity::PreFilter(CycleState& cycle_state, const Pod& pod,
                                      const Snapshot& snapshot) const {
  AffinityState state;
  const std::vector<PodAffinityTerm>& affinity = pod.pod_affinity.required;
  const std::vector<PodAffinityTerm>& anti_affinity = pod.pod_anti_affinity.required;

  // The incoming pod's terms may match pods on any node: one pass over every running pod.
  if (!affinity.empty() || !anti_affinity.empty()) {
    for (const auto& info : snapshot.nodes()) {
      const Labels& labels = info->node().labels;
      for (const auto& existing : info->pods()) {
        if (MatchesAllTerms(affinity, pod.namespace_, *existing)) {
          for (const PodAffinityTerm& term : affinity)
            Count(state.affinity, labels, term.topology_key);
        }
        for (const PodAffinityTerm& term : anti_affinity) {
          if (TermMatches(term, pod.namespace_, *existing)) {
            Count(state.anti_affinity, labels, term.topology_key);
          }
        }
      }
    }
    state.pod_matches_own_affinity = MatchesAllTerms(affinity, pod.namespace_, pod);
  }

  // Existing pods' required anti-affinity: only pods with affinity terms need a look.
  for (const auto& existing : snapshot.pods_with_affinity()) {
    if (existing->pod_anti_affinity.required.empty()) continue;
    const NodeInfo* info = snapshot.Find(existing->node_name);
    if (info == nullptr) continue;
    for (const PodAffinityTerm& term : existing->pod_anti_affinity.required) {
      if (TermMatches(term, existing->namespace_, pod)) {
        Count(state.existing_anti_affinity, info->node().labels, term.topology_key);
      }
    }
  }

  cycle_state.Write(kName, std::move(state));
}

bool MatchInterPodAffinity::Skip(const CycleState& cycle_state, const Pod& pod) const {
  // Nothing to satisfy: no required terms of its own, and no running pod's anti-affinity
  // matches it (every Satisfies* below is then true on every node).
  const AffinityState* state = cycle_state.Read<AffinityState>(kName);
  return state != nullptr && pod.pod_affinity.required.empty() &&
         pod.pod_anti_affinity.required.empty() && state->existing_anti_affinity.empty();
}

// The runner always calls PreFilter before the per-node Filter loop (Filter is const and cannot
// build the state itself); a missing state is a bug in the caller, reported as an Error.
Status MatchInterPodAffinity::Filter(const CycleState& cycle_state, const Pod& pod,
                                     const NodeInfo& node) const {
  const AffinityState* state = cycle_state.Read<AffinityState>(kName);
  if (state == nullptr) return Status::Error("MatchInterPodAffinity: PreFilter state missing");
  const Labels& labels = node.node().labels;
  if (!SatisfiesAffinity(*state, pod, labels)) {
    static const Status kFailure =
        Status::UnschedulableAndUnresolvable({std::string(kAffinityNotMatch)});
    return kFailure;
  }
  if (!SatisfiesAntiAffinity(*state, pod, labels)) {
    static const Status kFailure = Status::Unschedulable({std::string(kAntiAffinityNotMatch)});
    return kFailure;
  }
  if (!SatisfiesExistingAntiAffinity(*state, labels)) {
    static const Status kFailure =
        Status::Unschedulable({std::string(kExistingAntiAffinityNotMatch)});
    return kFailure;
  }
  return Status::Success();
}

}  // namespace nbsched::predicates
