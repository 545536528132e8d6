#pragma once

/// Kubernetes selector, affinity and toleration types, and the matching rules that several plugins
/// share (k8s.io/component-helpers scheduling/corev1 and apimachinery labels). Value types; the
/// functions are pure and thread-safe.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scheduler/model/flat_map.h"

namespace nbsched {

using Labels = FlatMap<std::string>;

// ---- node selectors (node affinity) ----

enum class SelectorOp { kIn, kNotIn, kExists, kDoesNotExist, kGt, kLt, kInvalid };

/// Parses `In`, `NotIn`, `Exists`, `DoesNotExist`, `Gt`, `Lt`; anything else is kInvalid.
SelectorOp ParseSelectorOp(std::string_view op);

struct NodeSelectorRequirement {
  std::string key;
  SelectorOp op = SelectorOp::kInvalid;
  std::vector<std::string> values;
};

struct NodeSelectorTerm {
  std::vector<NodeSelectorRequirement> match_expressions;
  std::vector<NodeSelectorRequirement> match_fields;  // only key metadata.name is meaningful
};

struct PreferredSchedulingTerm {
  int32_t weight = 0;
  NodeSelectorTerm preference;
};

struct NodeAffinity {
  /// nullopt: no required block; an engaged empty vector: a block without terms (matches nothing).
  std::optional<std::vector<NodeSelectorTerm>> required;
  std::vector<PreferredSchedulingTerm> preferred;
};

/// Whether upstream parses a matchExpressions requirement (labels.NewRequirement): the key is a
/// qualified name (`[prefix/]name`), every value a valid label value (≤ 63 characters of
/// [-A-Za-z0-9_.], alphanumeric at both ends, or empty), In/NotIn have values, Exists and
/// DoesNotExist none, Gt/Lt exactly one base-10 int64.
bool NodeSelectorRequirementParses(const NodeSelectorRequirement& req);
/// A matchFields requirement: key metadata.name, In or NotIn, exactly one value.
bool NodeSelectorFieldRequirementParses(const NodeSelectorRequirement& req);
/// Non-empty, and every requirement parses. Upstream's filter lets a term that does not parse
/// match no node (the other terms still count); a preferred term that does not parse fails
/// upstream's whole scoring cycle, and nbsched lets it match no node instead.
bool NodeSelectorTermParses(const NodeSelectorTerm& term);

/// One term: AND over its expressions (labels) and fields (metadata.name). A term with no
/// expressions and no fields matches nothing; a term that does not parse matches nothing.
bool NodeSelectorTermMatches(const NodeSelectorTerm& term, const Labels& node_labels,
                             std::string_view node_name);
/// NodeSelectorTermMatches for a term already known to parse (callers check
/// NodeSelectorTermParses once per request, not once per node).
bool ParsedNodeSelectorTermMatches(const NodeSelectorTerm& term, const Labels& node_labels,
                                   std::string_view node_name);
/// Required terms: OR over the terms (an empty list matches nothing).
bool NodeSelectorTermsMatch(const std::vector<NodeSelectorTerm>& terms, const Labels& node_labels,
                            std::string_view node_name);

// ---- label selectors (pods) ----

struct LabelSelectorRequirement {
  std::string key;
  SelectorOp op = SelectorOp::kInvalid;  // In, NotIn, Exists, DoesNotExist only
  std::vector<std::string> values;
};

/// metav1.LabelSelector. An empty selector matches everything; `nothing` marks a selector that
/// matches nothing (a nil *LabelSelector in a pod affinity term, or an invalid one).
struct LabelSelector {
  Labels match_labels;
  std::vector<LabelSelectorRequirement> match_expressions;
  bool nothing = false;

  bool Empty() const { return !nothing && match_labels.empty() && match_expressions.empty(); }
};

bool LabelSelectorMatches(const LabelSelector& selector, const Labels& labels);
/// A Service/RC-style map selector: every key equal. An empty map matches everything here;
/// callers that treat an empty map as "select nothing" (Services) check that themselves.
bool MapSelectorMatches(const Labels& selector, const Labels& labels);

// ---- taints and tolerations ----

struct Taint {
  std::string key;
  std::string value;
  std::string effect;  // NoSchedule, PreferNoSchedule, NoExecute
  friend bool operator==(const Taint&, const Taint&) = default;
};

struct Toleration {
  std::string key;
  std::string op;  // "Exists", "Equal" or "" (= Equal)
  std::string value;
  std::string effect;  // "" = all effects
};

/// Upstream Toleration.ToleratesTaint.
bool ToleratesTaint(const Toleration& toleration, const Taint& taint);
bool AnyToleratesTaint(const std::vector<Toleration>& tolerations, const Taint& taint);

}  // namespace nbsched
