#pragma once

/// Label keys and values as 32-bit ids, and node selectors compiled against them. A request
/// visits thousands of nodes; matching a pod's selector by strings is a binary search per node
/// over the node's label keys, heap strings longer than the SSO buffer, each comparison a cache
/// miss. Interned, a node's labels are one sorted array of (key id, value id) pairs and a
/// requirement compiled once per request is integer compares.
///
/// The dictionary is process-wide (like InternTaints): every NodeInfo interns its Node's labels
/// when it is built, so any key or value that some node of any snapshot carries has an id; a
/// string without an id is on no node, which is what a compiled requirement needs to know
/// ("absent", "never equal"). Ids are never reused; the dictionary only grows (by the distinct
/// label keys and values ever seen on nodes). Thread-safe.

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "scheduler/model/selectors.h"

namespace nbsched {

inline constexpr uint32_t kNoLabelId = static_cast<uint32_t>(-1);

/// The id of `s` as a label key or value, kNoLabelId when no node label ever had it.
uint32_t FindLabelId(std::string_view s);

/// A node's labels as ids: (key id, value id) pairs sorted by key id, in one shared array.
class LabelIds {
 public:
  LabelIds() = default;
  /// Interns every key and value of `labels`.
  static LabelIds Of(const Labels& labels);

  /// The value id of the label with key id `key`, kNoLabelId when the node has no such label.
  uint32_t ValueOf(uint32_t key) const { return ValueIn({pairs_.get(), size_}, key); }
  size_t size() const { return size_; }
  /// The (key id << 32 | value id) pairs, sorted (what Snapshot's node table copies).
  std::span<const uint64_t> pairs() const { return {pairs_.get(), size_}; }
  /// ValueOf over such pairs, wherever they are stored.
  static uint32_t ValueIn(std::span<const uint64_t> pairs, uint32_t key) {
    const uint64_t* begin = pairs.data();
    size_t n = pairs.size();
    const uint64_t want = static_cast<uint64_t>(key) << 32;
    // Branch-light lower bound over the sorted pairs.
    while (n > 1) {
      const size_t half = n / 2;
      if (begin[half] < want) begin += half;
      n -= half;
    }
    if (n == 1 && *begin < want) ++begin;
    if (begin == pairs.data() + pairs.size() || (*begin >> 32) != key) return kNoLabelId;
    return static_cast<uint32_t>(*begin);
  }

 private:
  std::shared_ptr<const uint64_t[]> pairs_;
  size_t size_ = 0;
};

/// A node selector term compiled once per request. Terms that use Gt, Lt or matchFields (rare)
/// keep the string matcher: they need the label's text or the node's name.
class CompiledNodeSelectorTerm {
 public:
  /// `term` must outlive this object. A term that does not parse (NodeSelectorTermParses)
  /// compiles to "matches nothing", as NodeSelectorTermMatches. Compile after the nodes it will
  /// judge were interned (LabelIds::Of; every NodeInfo is, when built): a value no node had at
  /// compile time counts as on no node.
  explicit CompiledNodeSelectorTerm(const NodeSelectorTerm& term);
  /// NodeSelectorTermMatches(term, labels, name) for a node whose labels are `ids`.
  bool Matches(const LabelIds& ids, const Labels& labels, std::string_view node_name) const;
  /// False when the term needs the labels' text or the node's name (Gt, Lt, matchFields):
  /// MatchesIds is then not the answer, Matches is.
  bool UsesIds() const { return mode_ != Mode::kStrings; }
  /// Matches for a node whose labels are the sorted `pairs` (LabelIds::pairs); UsesIds() only.
  bool MatchesIds(std::span<const uint64_t> pairs) const;

 private:
  struct Requirement {
    uint32_t key = kNoLabelId;
    SelectorOp op = SelectorOp::kInvalid;
    std::vector<uint32_t> values;  // the ids of the values some node has (others never equal)
  };
  enum class Mode { kNever, kIds, kStrings };
  const NodeSelectorTerm* term_ = nullptr;
  Mode mode_ = Mode::kNever;
  std::vector<Requirement> requirements_;
};

/// NodeSelectorTermsMatch compiled: OR over the terms (an empty list matches nothing).
class CompiledNodeSelectorTerms {
 public:
  explicit CompiledNodeSelectorTerms(const std::vector<NodeSelectorTerm>& terms);
  bool Matches(const LabelIds& ids, const Labels& labels, std::string_view node_name) const;
  /// Every term UsesIds: MatchesIds is the answer.
  bool UsesIds() const;
  bool MatchesIds(std::span<const uint64_t> pairs) const;

 private:
  std::vector<CompiledNodeSelectorTerm> terms_;
};

/// MapSelectorMatches(selector, node labels) compiled: every (key, value) equal.
class CompiledMapSelector {
 public:
  explicit CompiledMapSelector(const Labels& selector);
  bool Matches(const LabelIds& ids) const { return MatchesIds(ids.pairs()); }
  /// Matches for a node whose labels are the sorted `pairs` (LabelIds::pairs).
  bool MatchesIds(std::span<const uint64_t> pairs) const {
    if (never_) return false;
    for (const auto& [key, value] : pairs_) {
      if (LabelIds::ValueIn(pairs, key) != value) return false;
    }
    return true;
  }

 private:
  bool never_ = false;  // some key or value is on no node
  std::vector<std::pair<uint32_t, uint32_t>> pairs_;
};

}  // namespace nbsched
