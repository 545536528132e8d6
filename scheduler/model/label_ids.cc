#include "scheduler/model/label_ids.h"

#include <algorithm>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_map>

namespace nbsched {
namespace {

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

class Dictionary {
 public:
  uint32_t Find(std::string_view s) const {
    std::shared_lock lock(mu_);
    auto it = ids_.find(s);
    return it == ids_.end() ? kNoLabelId : it->second;
  }
  // The ids of `labels`' keys and values into `out` (key << 32 | value), one lock for all.
  void Intern(const Labels& labels, uint64_t* out) {
    // Most nodes carry only labels seen before: try under the shared lock first.
    {
      std::shared_lock lock(mu_);
      size_t i = 0;
      for (const auto& [key, value] : labels) {
        auto k = ids_.find(std::string_view(key));
        auto v = ids_.find(std::string_view(value));
        if (k == ids_.end() || v == ids_.end()) break;
        out[i++] = (static_cast<uint64_t>(k->second) << 32) | v->second;
      }
      if (i == labels.size()) return;
    }
    std::unique_lock lock(mu_);
    size_t i = 0;
    for (const auto& [key, value] : labels) {
      const uint64_t k = InternLocked(key);
      out[i++] = (k << 32) | InternLocked(value);
    }
  }

 private:
  uint32_t InternLocked(const std::string& s) {
    auto it = ids_.find(std::string_view(s));
    if (it != ids_.end()) return it->second;
    const auto id = static_cast<uint32_t>(ids_.size());
    ids_.emplace(s, id);
    return id;
  }
  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, uint32_t, StringHash, std::equal_to<>> ids_;
};

Dictionary& TheDictionary() {
  static auto* dictionary = new Dictionary();
  return *dictionary;
}

bool Contains(const std::vector<uint32_t>& ids, uint32_t id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

}  // namespace

uint32_t FindLabelId(std::string_view s) { return TheDictionary().Find(s); }

LabelIds LabelIds::Of(const Labels& labels) {
  LabelIds out;
  if (labels.empty()) return out;
  auto pairs = std::make_shared_for_overwrite<uint64_t[]>(labels.size());
  TheDictionary().Intern(labels, pairs.get());
  std::sort(pairs.get(), pairs.get() + labels.size());
  out.pairs_ = std::move(pairs);
  out.size_ = labels.size();
  return out;
}

CompiledNodeSelectorTerm::CompiledNodeSelectorTerm(const NodeSelectorTerm& term) : term_(&term) {
  if (!NodeSelectorTermParses(term)) return;  // kNever
  const bool needs_strings =
      !term.match_fields.empty() ||
      std::any_of(term.match_expressions.begin(), term.match_expressions.end(),
                  [](const NodeSelectorRequirement& r) {
                    return r.op == SelectorOp::kGt || r.op == SelectorOp::kLt;
                  });
  if (needs_strings) {
    mode_ = Mode::kStrings;
    return;
  }
  mode_ = Mode::kIds;
  for (const NodeSelectorRequirement& req : term.match_expressions) {
    Requirement compiled{.key = FindLabelId(req.key), .op = req.op, .values = {}};
    for (const std::string& value : req.values) {
      const uint32_t id = FindLabelId(value);
      if (id != kNoLabelId) compiled.values.push_back(id);
    }
    requirements_.push_back(std::move(compiled));
  }
}

bool CompiledNodeSelectorTerm::Matches(const LabelIds& ids, const Labels& labels,
                                       std::string_view node_name) const {
  if (mode_ == Mode::kStrings) return ParsedNodeSelectorTermMatches(*term_, labels, node_name);
  return MatchesIds(ids.pairs());
}

bool CompiledNodeSelectorTerm::MatchesIds(std::span<const uint64_t> pairs) const {
  if (mode_ != Mode::kIds) return false;  // kNever (kStrings is the caller's to avoid)
  // The term parses: In and NotIn have values, Exists and DoesNotExist none, no Gt or Lt.
  for (const Requirement& req : requirements_) {
    const uint32_t value = req.key == kNoLabelId ? kNoLabelId : LabelIds::ValueIn(pairs, req.key);
    bool ok = false;
    switch (req.op) {
      case SelectorOp::kIn:
        ok = value != kNoLabelId && Contains(req.values, value);
        break;
      case SelectorOp::kNotIn:
        ok = value == kNoLabelId || !Contains(req.values, value);
        break;
      case SelectorOp::kExists:
        ok = value != kNoLabelId;
        break;
      case SelectorOp::kDoesNotExist:
        ok = value == kNoLabelId;
        break;
      default:
        ok = false;
        break;
    }
    if (!ok) return false;
  }
  return true;
}

CompiledNodeSelectorTerms::CompiledNodeSelectorTerms(const std::vector<NodeSelectorTerm>& terms) {
  terms_.reserve(terms.size());
  for (const NodeSelectorTerm& term : terms) terms_.emplace_back(term);
}

bool CompiledNodeSelectorTerms::Matches(const LabelIds& ids, const Labels& labels,
                                        std::string_view node_name) const {
  for (const CompiledNodeSelectorTerm& term : terms_) {
    if (term.Matches(ids, labels, node_name)) return true;
  }
  return false;
}

bool CompiledNodeSelectorTerms::UsesIds() const {
  return std::all_of(terms_.begin(), terms_.end(),
                     [](const CompiledNodeSelectorTerm& term) { return term.UsesIds(); });
}

bool CompiledNodeSelectorTerms::MatchesIds(std::span<const uint64_t> pairs) const {
  for (const CompiledNodeSelectorTerm& term : terms_) {
    if (term.MatchesIds(pairs)) return true;
  }
  return false;
}

CompiledMapSelector::CompiledMapSelector(const Labels& selector) {
  pairs_.reserve(selector.size());
  for (const auto& [key, value] : selector) {
    const uint32_t k = FindLabelId(key);
    const uint32_t v = FindLabelId(value);
    if (k == kNoLabelId || v == kNoLabelId) {
      never_ = true;
      pairs_.clear();
      return;
    }
    pairs_.emplace_back(k, v);
  }
}

}  // namespace nbsched
