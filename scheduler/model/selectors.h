#pragma once

/// Kubernetes selector, affinity and toleration types, and the matching rules that several plugins
/// share (k8s.io/component-helpers scheduling/corev1 and apimachinery labels). Value types; the
/// functions are pure and thread-safe.

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "scheduler/model/flat_map.h"

namespace nbsched {

using Labels = FlatMap<std::string>;

/// A pod's labels: the plain sorted map as decoded (a request's pod, any pod being built), or,
/// after Compact() (CompactBoundPod: the live cache's bound pods), a compact form. The compact
/// form is one pointer to an immutable block of (key, value) pointers into a process-wide pool
/// of interned strings, each string stored once however many pods carry it and reference-counted:
/// a string is freed when the last compact block naming it goes, so values that are unique per
/// pod or churn with rollouts (hub.jupyter.org/username, pod-template-hash) leave nothing behind.
/// Copies of a compact form share its block (an atomic count). Reads give the same answers on
/// both forms (entries sorted by key); a write to a compact form first turns it back into the
/// map. Reads are thread-safe on an object nobody writes; the pool takes a mutex only when a
/// block is built or its last copy goes.
class PodLabels {
 public:
  using value_type = std::pair<std::string_view, std::string_view>;
  class const_iterator {
   public:
    using value_type = PodLabels::value_type;
    using difference_type = std::ptrdiff_t;
    using iterator_category = std::forward_iterator_tag;
    using reference = value_type;
    struct pointer {
      value_type item;
      const value_type* operator->() const { return &item; }
    };
    const_iterator() = default;
    value_type operator*() const { return labels_->Entry(index_); }
    pointer operator->() const { return {labels_->Entry(index_)}; }
    const_iterator& operator++() {
      ++index_;
      return *this;
    }
    const_iterator operator++(int) {
      const_iterator old = *this;
      ++index_;
      return old;
    }
    friend bool operator==(const const_iterator& a, const const_iterator& b) {
      return a.index_ == b.index_;
    }

   private:
    friend class PodLabels;
    const_iterator(const PodLabels* labels, size_t index) : labels_(labels), index_(index) {}
    const PodLabels* labels_ = nullptr;
    size_t index_ = 0;
  };
  using iterator = const_iterator;

  PodLabels() = default;
  PodLabels(Labels map) : map_(std::move(map)) {}  // NOLINT: implicit, as the map it replaces
  PodLabels(std::initializer_list<Labels::value_type> items) : map_(items) {}
  PodLabels(const PodLabels& other);
  PodLabels(PodLabels&& other) noexcept;
  PodLabels& operator=(const PodLabels& other);
  PodLabels& operator=(PodLabels&& other) noexcept;
  ~PodLabels();

  /// The compact form of `labels` (interned in the pool).
  static PodLabels Compacted(const PodLabels& labels);
  /// Whether this is the compact form.
  bool compact() const { return block_ != nullptr; }

  size_t size() const;
  bool empty() const { return size() == 0; }
  const_iterator begin() const { return {this, 0}; }
  const_iterator end() const { return {this, size()}; }
  /// The value of `key`, nullopt when absent.
  std::optional<std::string_view> Get(std::string_view key) const;
  const_iterator find(std::string_view key) const;
  bool contains(std::string_view key) const { return Get(key).has_value(); }
  size_t count(std::string_view key) const { return contains(key) ? 1 : 0; }
  std::string_view at(std::string_view key) const;  // throws std::out_of_range when absent
  /// A plain map with the same entries.
  Labels ToMap() const;

  /// The plain map, for writing (a compact form is expanded first).
  Labels& map();
  std::string& operator[](std::string_view key) { return map()[key]; }
  template <typename K, typename M>
  auto emplace(K&& key, M&& value) {
    return map().emplace(std::forward<K>(key), std::forward<M>(value));
  }
  template <typename M>
  auto insert_or_assign(std::string_view key, M&& value) {
    return map().insert_or_assign(key, std::forward<M>(value));
  }
  template <typename... Args>
  auto try_emplace(std::string_view key, Args&&... args) {
    return map().try_emplace(key, std::forward<Args>(args)...);
  }
  size_t erase(std::string_view key) { return map().erase(key); }
  void clear();
  void reserve(size_t n) { map().reserve(n); }

  friend bool operator==(const PodLabels& a, const PodLabels& b);
  friend bool operator==(const PodLabels& a, const Labels& b);

 private:
  struct Block;
  value_type Entry(size_t index) const;
  void Release();

  Labels map_;
  const Block* block_ = nullptr;
};

/// Strings held by the compact labels' pool (for tests and benchmarks).
size_t PodLabelPoolSize();

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
bool LabelSelectorMatches(const LabelSelector& selector, const PodLabels& labels);
/// A Service/RC-style map selector: every key equal. An empty map matches everything here;
/// callers that treat an empty map as "select nothing" (Services) check that themselves.
bool MapSelectorMatches(const Labels& selector, const Labels& labels);
bool MapSelectorMatches(const Labels& selector, const PodLabels& labels);

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
