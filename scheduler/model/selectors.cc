#include "scheduler/model/selectors.h"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cstring>
#include <functional>
#include <mutex>
#include <new>
#include <optional>
#include <stdexcept>
#include <unordered_set>

namespace nbsched {
namespace {

bool Contains(const std::vector<std::string>& values, std::string_view v) {
  return std::find(values.begin(), values.end(), v) != values.end();
}

bool ParseInt64(std::string_view s, int64_t& out) {
  if (s.empty()) return false;
  const char* begin = s.data();
  if (*begin == '+') ++begin;  // strconv.ParseInt accepts a leading '+'
  auto [ptr, ec] = std::from_chars(begin, s.data() + s.size(), out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

// Returns false for invalid requirements as well as for non-matching ones.
bool RequirementMatches(SelectorOp op, const std::vector<std::string>& values,
                        std::optional<std::string_view> label) {
  switch (op) {
    case SelectorOp::kIn:
      return !values.empty() && label.has_value() && Contains(values, *label);
    case SelectorOp::kNotIn:
      if (values.empty()) return false;  // invalid
      return !label.has_value() || !Contains(values, *label);
    case SelectorOp::kExists:
      return values.empty() && label.has_value();
    case SelectorOp::kDoesNotExist:
      return values.empty() && !label.has_value();
    case SelectorOp::kGt:
    case SelectorOp::kLt: {
      int64_t want = 0;
      int64_t have = 0;
      if (values.size() != 1 || !ParseInt64(values[0], want)) return false;
      if (!label.has_value() || !ParseInt64(*label, have)) return false;
      return op == SelectorOp::kGt ? have > want : have < want;
    }
    case SelectorOp::kInvalid:
      return false;
  }
  return false;
}

// apimachinery validation: a qualified name's name part and a label value share the format
// ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9] and the 63-character limit.
bool IsAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool IsQualifiedNamePart(std::string_view s) {
  if (s.empty() || s.size() > 63 || !IsAlnum(s.front()) || !IsAlnum(s.back())) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return IsAlnum(c) || c == '-' || c == '_' || c == '.'; });
}

// IsValidLabelValue: empty, or a qualified name part.
bool IsLabelValue(std::string_view s) { return s.empty() || IsQualifiedNamePart(s); }

// IsDNS1123Subdomain: at most 253 characters, dot-separated labels of [a-z0-9-] that start and
// end with [a-z0-9].
bool IsDns1123Subdomain(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  size_t start = 0;
  while (true) {
    const size_t dot = s.find('.', start);
    const std::string_view label =
        s.substr(start, dot == std::string_view::npos ? s.npos : dot - start);
    if (label.empty()) return false;
    auto lower_alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
    if (!lower_alnum(label.front()) || !lower_alnum(label.back())) return false;
    if (!std::all_of(label.begin(), label.end(),
                     [&](char c) { return lower_alnum(c) || c == '-'; })) {
      return false;
    }
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

// IsQualifiedName: `name` or `prefix/name`, the prefix a DNS-1123 subdomain.
bool IsQualifiedName(std::string_view key) {
  const size_t slash = key.find('/');
  if (slash == std::string_view::npos) return IsQualifiedNamePart(key);
  const std::string_view name = key.substr(slash + 1);
  if (name.find('/') != std::string_view::npos) return false;
  return IsDns1123Subdomain(key.substr(0, slash)) && IsQualifiedNamePart(name);
}

std::optional<std::string_view> Find(const Labels& labels, std::string_view key) {
  auto it = labels.find(key);
  if (it == labels.end()) return std::nullopt;
  return std::string_view(it->second);
}

}  // namespace

SelectorOp ParseSelectorOp(std::string_view op) {
  if (op == "In") return SelectorOp::kIn;
  if (op == "NotIn") return SelectorOp::kNotIn;
  if (op == "Exists") return SelectorOp::kExists;
  if (op == "DoesNotExist") return SelectorOp::kDoesNotExist;
  if (op == "Gt") return SelectorOp::kGt;
  if (op == "Lt") return SelectorOp::kLt;
  return SelectorOp::kInvalid;
}

bool NodeSelectorRequirementParses(const NodeSelectorRequirement& req) {
  if (!IsQualifiedName(req.key)) return false;
  switch (req.op) {
    case SelectorOp::kIn:
    case SelectorOp::kNotIn:
      if (req.values.empty()) return false;
      break;
    case SelectorOp::kExists:
    case SelectorOp::kDoesNotExist:
      if (!req.values.empty()) return false;
      break;
    case SelectorOp::kGt:
    case SelectorOp::kLt: {
      int64_t unused = 0;
      if (req.values.size() != 1 || !ParseInt64(req.values[0], unused)) return false;
      break;
    }
    case SelectorOp::kInvalid:
      return false;
  }
  return std::all_of(req.values.begin(), req.values.end(), IsLabelValue);
}

bool NodeSelectorFieldRequirementParses(const NodeSelectorRequirement& req) {
  return req.key == "metadata.name" && req.values.size() == 1 &&
         (req.op == SelectorOp::kIn || req.op == SelectorOp::kNotIn);
}

bool NodeSelectorTermParses(const NodeSelectorTerm& term) {
  if (term.match_expressions.empty() && term.match_fields.empty()) return false;
  return std::all_of(term.match_expressions.begin(), term.match_expressions.end(),
                     NodeSelectorRequirementParses) &&
         std::all_of(term.match_fields.begin(), term.match_fields.end(),
                     NodeSelectorFieldRequirementParses);
}

bool ParsedNodeSelectorTermMatches(const NodeSelectorTerm& term, const Labels& node_labels,
                                   std::string_view node_name) {
  if (term.match_expressions.empty() && term.match_fields.empty()) return false;
  for (const auto& req : term.match_expressions) {
    if (!RequirementMatches(req.op, req.values, Find(node_labels, req.key))) return false;
  }
  for (const auto& req : term.match_fields) {
    if (req.values.size() != 1) return false;
    if (!RequirementMatches(req.op, req.values, node_name)) return false;
  }
  return true;
}

bool NodeSelectorTermMatches(const NodeSelectorTerm& term, const Labels& node_labels,
                             std::string_view node_name) {
  // Matching first: validating only the terms that would match keeps the common miss cheap.
  return ParsedNodeSelectorTermMatches(term, node_labels, node_name) &&
         NodeSelectorTermParses(term);
}

bool NodeSelectorTermsMatch(const std::vector<NodeSelectorTerm>& terms, const Labels& node_labels,
                            std::string_view node_name) {
  for (const auto& term : terms) {
    if (NodeSelectorTermMatches(term, node_labels, node_name)) return true;
  }
  return false;
}

namespace {

std::optional<std::string_view> Find(const PodLabels& labels, std::string_view key) {
  return labels.Get(key);
}

// The same rules over either form of labels.
template <typename L>
bool MapMatches(const Labels& selector, const L& labels) {
  for (const auto& [key, value] : selector) {
    const auto have = Find(labels, key);
    if (!have.has_value() || *have != value) return false;
  }
  return true;
}

template <typename L>
bool SelectorMatches(const LabelSelector& selector, const L& labels) {
  if (selector.nothing) return false;
  if (!MapMatches(selector.match_labels, labels)) return false;
  for (const auto& req : selector.match_expressions) {
    if (req.op == SelectorOp::kGt || req.op == SelectorOp::kLt) return false;  // invalid here
    if (!RequirementMatches(req.op, req.values, Find(labels, req.key))) return false;
  }
  return true;
}

}  // namespace

bool LabelSelectorMatches(const LabelSelector& selector, const Labels& labels) {
  return SelectorMatches(selector, labels);
}
bool LabelSelectorMatches(const LabelSelector& selector, const PodLabels& labels) {
  return SelectorMatches(selector, labels);
}
bool MapSelectorMatches(const Labels& selector, const Labels& labels) {
  return MapMatches(selector, labels);
}
bool MapSelectorMatches(const Labels& selector, const PodLabels& labels) {
  return MapMatches(selector, labels);
}

bool ToleratesTaint(const Toleration& toleration, const Taint& taint) {
  if (!toleration.effect.empty() && toleration.effect != taint.effect) return false;
  if (!toleration.key.empty() && toleration.key != taint.key) return false;
  if (toleration.op == "Exists") return true;
  if (toleration.op.empty() || toleration.op == "Equal") return toleration.value == taint.value;
  return false;
}

bool AnyToleratesTaint(const std::vector<Toleration>& tolerations, const Taint& taint) {
  return std::any_of(tolerations.begin(), tolerations.end(),
                     [&](const Toleration& t) { return ToleratesTaint(t, taint); });
}

// ---- PodLabels: the compact form and its pool ----

namespace {

// One interned string: its header, then its characters. `refs` counts the compact blocks
// naming it (a block names a string at most twice: as a key and as a value); guarded by the
// pool's mutex. `size` and the characters never change.
struct PooledString {
  uint32_t refs;
  uint32_t size;
  std::string_view view() const { return {reinterpret_cast<const char*>(this + 1), size}; }
};

struct PooledHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  size_t operator()(const PooledString* s) const { return (*this)(s->view()); }
};
struct PooledEqual {
  using is_transparent = void;
  static std::string_view View(std::string_view s) { return s; }
  static std::string_view View(const PooledString* s) { return s->view(); }
  template <typename A, typename B>
  bool operator()(const A& a, const B& b) const {
    return View(a) == View(b);
  }
};

class StringPool {
 public:
  // mu_ held by the caller for both.
  const PooledString* Intern(std::string_view text) {
    if (auto it = strings_.find(text); it != strings_.end()) {
      ++const_cast<PooledString*>(*it)->refs;
      return *it;
    }
    void* memory = ::operator new(sizeof(PooledString) + text.size());
    auto* s = new (memory) PooledString{1, static_cast<uint32_t>(text.size())};
    if (!text.empty()) std::memcpy(s + 1, text.data(), text.size());
    strings_.insert(s);
    return s;
  }
  void Release(const PooledString* s) {
    if (--const_cast<PooledString*>(s)->refs != 0) return;
    strings_.erase(strings_.find(s->view()));
    ::operator delete(const_cast<PooledString*>(s));
  }
  size_t size() const { return strings_.size(); }
  std::mutex& mu() { return mu_; }

 private:
  std::mutex mu_;
  std::unordered_set<const PooledString*, PooledHash, PooledEqual> strings_;
};

StringPool& Pool() {
  static auto* pool = new StringPool();  // never destroyed: pods may outlive static teardown
  return *pool;
}

}  // namespace

// The compact form: a count of copies, the entry count, then 2·size string pointers (key,
// value, key, value, ...) sorted by key.
struct PodLabels::Block {
  mutable std::atomic<uint32_t> copies;
  uint32_t size;
  const PooledString** entries() const {
    return reinterpret_cast<const PooledString**>(const_cast<Block*>(this + 1));
  }
};

size_t PodLabelPoolSize() {
  StringPool& pool = Pool();
  std::lock_guard<std::mutex> lock(pool.mu());
  return pool.size();
}

PodLabels::PodLabels(const PodLabels& other) : map_(other.map_), block_(other.block_) {
  if (block_ != nullptr) block_->copies.fetch_add(1, std::memory_order_relaxed);
}

PodLabels::PodLabels(PodLabels&& other) noexcept
    : map_(std::move(other.map_)), block_(other.block_) {
  other.block_ = nullptr;
}

PodLabels& PodLabels::operator=(const PodLabels& other) {
  if (this == &other) return *this;
  PodLabels copy(other);
  return *this = std::move(copy);
}

PodLabels& PodLabels::operator=(PodLabels&& other) noexcept {
  if (this == &other) return *this;
  Release();
  map_ = std::move(other.map_);
  block_ = other.block_;
  other.block_ = nullptr;
  return *this;
}

PodLabels::~PodLabels() { Release(); }

void PodLabels::Release() {
  if (block_ == nullptr) return;
  const Block* block = block_;
  block_ = nullptr;
  if (block->copies.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  {
    StringPool& pool = Pool();
    std::lock_guard<std::mutex> lock(pool.mu());
    for (uint32_t i = 0; i < 2 * block->size; ++i) pool.Release(block->entries()[i]);
  }
  block->~Block();
  ::operator delete(const_cast<Block*>(block));
}

PodLabels PodLabels::Compacted(const PodLabels& labels) {
  if (labels.compact()) return labels;
  PodLabels out;
  const size_t n = labels.map_.size();
  if (n == 0) return out;
  void* memory = ::operator new(sizeof(Block) + 2 * n * sizeof(const PooledString*));
  Block* block = new (memory) Block{{1}, static_cast<uint32_t>(n)};
  const PooledString** entries = block->entries();
  {
    StringPool& pool = Pool();
    std::lock_guard<std::mutex> lock(pool.mu());
    size_t i = 0;
    for (const auto& [key, value] : labels.map_) {
      entries[i++] = pool.Intern(key);
      entries[i++] = pool.Intern(value);
    }
  }
  out.block_ = block;
  return out;
}

size_t PodLabels::size() const { return block_ != nullptr ? block_->size : map_.size(); }

PodLabels::value_type PodLabels::Entry(size_t index) const {
  if (block_ != nullptr) {
    const PooledString* const* entries = block_->entries();
    return {entries[2 * index]->view(), entries[2 * index + 1]->view()};
  }
  const auto& item = *(map_.begin() + static_cast<std::ptrdiff_t>(index));
  return {item.first, item.second};
}

PodLabels::const_iterator PodLabels::find(std::string_view key) const {
  if (block_ == nullptr) {
    auto it = map_.find(key);
    return {this, static_cast<size_t>(it - map_.begin())};
  }
  const PooledString* const* entries = block_->entries();
  size_t lo = 0;
  size_t hi = block_->size;
  while (lo < hi) {  // the first entry whose key is not below `key`
    const size_t mid = lo + (hi - lo) / 2;
    if (entries[2 * mid]->view() < key) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  if (lo < block_->size && entries[2 * lo]->view() == key) return {this, lo};
  return end();
}

std::optional<std::string_view> PodLabels::Get(std::string_view key) const {
  if (block_ == nullptr) {
    auto it = map_.find(key);
    if (it == map_.end()) return std::nullopt;
    return std::string_view(it->second);
  }
  auto it = find(key);
  if (it == end()) return std::nullopt;
  return it->second;
}

std::string_view PodLabels::at(std::string_view key) const {
  auto value = Get(key);
  if (!value.has_value()) throw std::out_of_range("PodLabels::at");
  return *value;
}

Labels PodLabels::ToMap() const {
  if (block_ == nullptr) return map_;
  Labels out;
  out.reserve(size());
  for (const auto& [key, value] : *this) out.try_emplace(key, value);
  return out;
}

Labels& PodLabels::map() {
  if (block_ != nullptr) {
    Labels expanded = ToMap();
    Release();
    map_ = std::move(expanded);
  }
  return map_;
}

void PodLabels::clear() {
  Release();
  map_.clear();
}

bool operator==(const PodLabels& a, const PodLabels& b) {
  if (a.block_ == nullptr && b.block_ == nullptr) return a.map_ == b.map_;
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
}

bool operator==(const PodLabels& a, const Labels& b) {
  if (a.block_ == nullptr) return a.map_ == b;
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](const auto& x, const auto& y) {
           return x.first == y.first && x.second == y.second;
         });
}

}  // namespace nbsched
