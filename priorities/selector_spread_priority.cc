#include "priorities/selector_spread_priority.h"

#include <algorithm>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace nbsched::priorities {
namespace {

// Upstream selectorspread zoneWeighting: the zone spread counts twice as much as the node spread.
constexpr double kZoneWeighting = 2.0 / 3.0;

constexpr std::string_view kBetaZone = "failure-domain.beta.kubernetes.io/zone";
constexpr std::string_view kBetaRegion = "failure-domain.beta.kubernetes.io/region";
constexpr std::string_view kTopologyZone = "topology.kubernetes.io/zone";
constexpr std::string_view kTopologyRegion = "topology.kubernetes.io/region";

/// Upstream helper.DefaultSelector as one selector: the map part (Services and an RC, merged) AND
/// every requirement of the owning ReplicaSet/StatefulSet.
struct SpreadSelector {
  Labels map_selector;
  std::vector<LabelSelector> label_selectors;

  bool Empty() const {
    if (!map_selector.empty()) return false;
    for (const LabelSelector& s : label_selectors) {
      if (!s.Empty()) return false;
    }
    return true;
  }
  bool Matches(const PodLabels& labels) const {
    if (!MapSelectorMatches(map_selector, labels)) return false;
    for (const LabelSelector& s : label_selectors) {
      if (!LabelSelectorMatches(s, labels)) return false;
    }
    return true;
  }
};

/// Whether metav1.LabelSelectorAsSelector would accept it (a rejected one adds no requirement).
bool ConvertsToSelector(const LabelSelector& s) {
  if (s.nothing) return false;  // nil selector: labels.Nothing(), which has no requirements
  for (const LabelSelectorRequirement& r : s.match_expressions) {
    switch (r.op) {
      case SelectorOp::kIn:
      case SelectorOp::kNotIn:
        if (r.values.empty()) return false;
        break;
      case SelectorOp::kExists:
      case SelectorOp::kDoesNotExist:
        if (!r.values.empty()) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

// Labels.Merge: later values win; matching objects cannot disagree, so order does not matter.
void Merge(Labels& into, const Labels& from) {
  for (const auto& [key, value] : from) into[key] = value;
}

const OwnerReference* ControllerOf(const Pod& pod) {
  for (const OwnerReference& ref : pod.owner_references) {
    if (ref.controller) return &ref;
  }
  return nullptr;
}

const WorkloadSelector* FindWorkload(const Snapshot& snapshot, WorkloadSelector::Kind kind,
                                     std::string_view ns, std::string_view name) {
  for (const WorkloadSelector& w : snapshot.workloads()) {
    if (w.kind == kind && w.namespace_ == ns && w.name == name) return &w;
  }
  return nullptr;
}

SpreadSelector DefaultSelector(const Pod& pod, const Snapshot& snapshot) {
  SpreadSelector selector;
  for (const WorkloadSelector& w : snapshot.workloads()) {
    // A Service without a selector selects nothing, not everything.
    if (w.kind != WorkloadSelector::Kind::kService || w.namespace_ != pod.namespace_ ||
        w.map_selector.empty()) {
      continue;
    }
    if (MapSelectorMatches(w.map_selector, pod.labels))
      Merge(selector.map_selector, w.map_selector);
  }
  const OwnerReference* owner = ControllerOf(pod);
  if (owner == nullptr) return selector;
  if (owner->kind == "ReplicationController") {
    if (const WorkloadSelector* rc =
            FindWorkload(snapshot, WorkloadSelector::Kind::kReplicationController, pod.namespace_,
                         owner->name)) {
      Merge(selector.map_selector, rc->map_selector);
    }
    return selector;
  }
  WorkloadSelector::Kind kind;
  if (owner->kind == "ReplicaSet") {
    kind = WorkloadSelector::Kind::kReplicaSet;
  } else if (owner->kind == "StatefulSet") {
    kind = WorkloadSelector::Kind::kStatefulSet;
  } else {
    return selector;
  }
  const WorkloadSelector* w = FindWorkload(snapshot, kind, pod.namespace_, owner->name);
  if (w != nullptr && ConvertsToSelector(w->label_selector)) {
    selector.label_selectors.push_back(w->label_selector);
  }
  return selector;
}

/// Upstream utilnode.GetZoneKey (v1.28): beta labels, each falling back to the GA one only when
/// absent; empty (both parts "") when region and zone are both empty. Upstream joins the parts
/// as region + ":\x00:" + zone; comparing the (region, zone) pair is the same equality without
/// building a string per node.
struct ZoneKey {
  std::string_view region;
  std::string_view zone;
  bool empty() const { return region.empty() && zone.empty(); }
  friend bool operator==(const ZoneKey&, const ZoneKey&) = default;
};

struct ZoneKeyHash {
  size_t operator()(const ZoneKey& k) const {
    const size_t h = std::hash<std::string_view>{}(k.region);
    return h ^
           (std::hash<std::string_view>{}(k.zone) + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2));
  }
};

ZoneKey ZoneKeyOf(const Node& node) {
  auto label = [&](std::string_view key) -> const std::string* {
    auto it = node.labels.find(key);
    return it == node.labels.end() ? nullptr : &it->second;
  };
  const std::string* zone = label(kBetaZone);
  if (zone == nullptr) zone = label(kTopologyZone);
  const std::string* region = label(kBetaRegion);
  if (region == nullptr) region = label(kTopologyRegion);
  return {region == nullptr ? std::string_view() : std::string_view(*region),
          zone == nullptr ? std::string_view() : std::string_view(*zone)};
}

}  // namespace

void SelectorSpreadPriority::PreScore(CycleState& state, const Pod& pod, const Snapshot& snapshot,
                                      std::span<const NodeInfo* const>) const {
  // Pods with topologySpreadConstraints are left to PodTopologySpread (upstream skip).
  if (pod.has_topology_spread_constraints) return;
  state.Write(kName, DefaultSelector(pod, snapshot));
}

namespace {

int64_t CountMatching(const SpreadSelector& selector, const Pod& pod, const NodeInfo& node) {
  int64_t count = 0;
  for (const auto& p : node.pods()) {
    // Pods being deleted do not count for spreading (upstream countMatchingPods).
    if (p->namespace_ == pod.namespace_ && !p->deleting && selector.Matches(p->labels)) ++count;
  }
  return count;
}

}  // namespace

int64_t SelectorSpreadPriority::Score(const CycleState& state, const Pod& pod,
                                      const NodeInfo& node) const {
  if (pod.has_topology_spread_constraints) return 0;
  const SpreadSelector* selector = state.Read<SpreadSelector>(kName);
  if (selector == nullptr || selector->Empty()) return 0;
  return CountMatching(*selector, pod, node);
}

void SelectorSpreadPriority::ScoreAll(const CycleState& state, const Pod& pod,
                                      std::span<const NodeInfo* const> nodes,
                                      std::span<NodeScore> out) const {
  const SpreadSelector* selector =
      pod.has_topology_spread_constraints ? nullptr : state.Read<SpreadSelector>(kName);
  if (selector == nullptr || selector->Empty()) {
    for (size_t j = 0; j < nodes.size(); ++j) out[j] = {nodes[j], 0};
    return;
  }
  for (size_t j = 0; j < nodes.size(); ++j) {
    out[j] = {nodes[j], CountMatching(*selector, pod, *nodes[j])};
  }
}

void SelectorSpreadPriority::NormalizeScore(const CycleState&, const Pod& pod,
                                            std::span<NodeScore> scores) const {
  if (pod.has_topology_spread_constraints) return;
  const double max_score = static_cast<double>(kMaxNodeScore);
  int64_t max_count_by_node = 0;
  for (const NodeScore& s : scores) max_count_by_node = std::max(max_count_by_node, s.score);
  if (max_count_by_node == 0) {
    // No node runs a matching pod (always so when the pod has no selector): every zone count is
    // 0 too, so a zoneless node scores max_score and a zoned one the constant below. When that
    // is max_score as well, the zones need not be looked at (the common case; same arithmetic).
    const double zoned = (max_score * (1.0 - kZoneWeighting)) + (kZoneWeighting * max_score);
    if (static_cast<int64_t>(zoned) == kMaxNodeScore) {
      for (NodeScore& s : scores) s.score = kMaxNodeScore;
      return;
    }
  }
  // Zone counts are over the feasible nodes only, i.e. over `scores`.
  std::unordered_map<ZoneKey, size_t, ZoneKeyHash> zone_index;
  std::vector<int64_t> count_by_zone;
  constexpr size_t kNoZone = static_cast<size_t>(-1);
  std::vector<size_t> zone_of;  // per score: index into count_by_zone, kNoZone when zoneless
  zone_of.reserve(scores.size());
  for (const NodeScore& s : scores) {
    const ZoneKey zone = s.node == nullptr ? ZoneKey{} : ZoneKeyOf(s.node->node());
    if (zone.empty()) {
      zone_of.push_back(kNoZone);
      continue;
    }
    auto [it, inserted] = zone_index.try_emplace(zone, count_by_zone.size());
    if (inserted) count_by_zone.push_back(0);
    count_by_zone[it->second] += s.score;
    zone_of.push_back(it->second);
  }
  int64_t max_count_by_zone = 0;
  for (int64_t count : count_by_zone) max_count_by_zone = std::max(max_count_by_zone, count);
  const bool have_zones = !count_by_zone.empty();
  const double max_node = static_cast<double>(max_count_by_node);
  const double max_zone = static_cast<double>(max_count_by_zone);
  for (size_t i = 0; i < scores.size(); ++i) {
    // Upstream's float order: divide first, then scale (100 × 29/100 = 28.999… → 28).
    double f_score = max_score;
    if (max_count_by_node > 0) {
      f_score = max_score * (static_cast<double>(max_count_by_node - scores[i].score) / max_node);
    }
    if (have_zones && zone_of[i] != kNoZone) {
      double zone_score = max_score;
      if (max_count_by_zone > 0) {
        zone_score =
            max_score *
            (static_cast<double>(max_count_by_zone - count_by_zone[zone_of[i]]) / max_zone);
      }
      f_score = (f_score * (1.0 - kZoneWeighting)) + (kZoneWeighting * zone_score);
    }
    scores[i].score = static_cast<int64_t>(f_score);
  }
}

}  // namespace nbsched::priorities
