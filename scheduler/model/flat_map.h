#pragma once

/// A string-keyed map stored as one vector of pairs sorted by key: the subset of std::map's
/// interface that labels, annotations and resource lists use. Decoding a node fills dozens of
/// such maps; a node-based map costs one allocation per entry (plus one per long key), a flat
/// one a single buffer. Inputs from the API server arrive sorted by key (Go's encoding/json writes
/// map keys in order), so the common insert is an append. Lookups are binary searches over a
/// handful of contiguous entries. Iterators and references are invalidated by inserts, unlike
/// std::map's: the objects holding these maps are immutable once decoded.

#include <algorithm>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

namespace nbsched {

template <typename V>
class FlatMap {
 public:
  using key_type = std::string;
  using mapped_type = V;
  using value_type = std::pair<std::string, V>;
  using iterator = typename std::vector<value_type>::iterator;
  using const_iterator = typename std::vector<value_type>::const_iterator;

  FlatMap() = default;
  /// Like std::map's: on a repeated key the first value is kept.
  FlatMap(std::initializer_list<value_type> items) {
    for (const value_type& item : items) emplace(item.first, item.second);
  }

  /// Bulk construction in O(n log n) whatever the order (an insert into the middle moves the
  /// tail, so inserting n unsorted keys one by one is O(n²)): sorts by key, and of repeated keys
  /// keeps the last, as a JSON decoder does.
  static FlatMap FromUnsorted(std::vector<value_type> items) {
    FlatMap out;
    const auto by_key = [](const value_type& a, const value_type& b) { return a.first < b.first; };
    if (!std::is_sorted(items.begin(), items.end(), by_key)) {
      std::stable_sort(items.begin(), items.end(), by_key);
    }
    // Keep the last of each run of equal keys.
    size_t kept = 0;
    for (size_t i = 0; i < items.size(); ++i) {
      if (i + 1 < items.size() && items[i + 1].first == items[i].first) continue;
      if (kept != i) items[kept] = std::move(items[i]);
      ++kept;
    }
    items.resize(kept);
    out.items_ = std::move(items);
    return out;
  }

  iterator begin() { return items_.begin(); }
  iterator end() { return items_.end(); }
  const_iterator begin() const { return items_.begin(); }
  const_iterator end() const { return items_.end(); }
  size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  void clear() { items_.clear(); }
  void reserve(size_t n) { items_.reserve(n); }

  const_iterator find(std::string_view key) const {
    auto it = LowerBound(key);
    return it != items_.end() && it->first == key ? it : items_.end();
  }
  iterator find(std::string_view key) {
    auto it = LowerBound(key);
    return it != items_.end() && it->first == key ? it : items_.end();
  }
  bool contains(std::string_view key) const { return find(key) != end(); }
  size_t count(std::string_view key) const { return contains(key) ? 1 : 0; }
  const V& at(std::string_view key) const {
    auto it = find(key);
    if (it == end()) throw std::out_of_range("FlatMap::at");
    return it->second;
  }

  /// Inserts when absent (the value is then constructed from `args`); returns the entry and
  /// whether it was inserted.
  template <typename... Args>
  std::pair<iterator, bool> try_emplace(std::string_view key, Args&&... args) {
    if (items_.empty() || items_.back().first < key) {  // the sorted-input fast path
      items_.emplace_back(std::piecewise_construct, std::forward_as_tuple(key),
                          std::forward_as_tuple(std::forward<Args>(args)...));
      return {items_.end() - 1, true};
    }
    auto it = LowerBound(key);
    if (it != items_.end() && it->first == key) return {it, false};
    it = items_.emplace(it, std::piecewise_construct, std::forward_as_tuple(key),
                        std::forward_as_tuple(std::forward<Args>(args)...));
    return {it, true};
  }
  template <typename K, typename M>
  std::pair<iterator, bool> emplace(K&& key, M&& value) {
    return try_emplace(std::string_view(key), std::forward<M>(value));
  }
  std::pair<iterator, bool> insert(const value_type& item) {
    return emplace(item.first, item.second);
  }
  template <typename M>
  std::pair<iterator, bool> insert_or_assign(std::string_view key, M&& value) {
    auto [it, inserted] = try_emplace(key);
    it->second = std::forward<M>(value);
    return {it, inserted};
  }
  V& operator[](std::string_view key) { return try_emplace(key).first->second; }
  size_t erase(std::string_view key) {
    auto it = find(key);
    if (it == end()) return 0;
    items_.erase(it);
    return 1;
  }

  friend bool operator==(const FlatMap&, const FlatMap&) = default;

 private:
  const_iterator LowerBound(std::string_view key) const {
    return std::lower_bound(
        items_.begin(), items_.end(), key,
        [](const value_type& item, std::string_view k) { return item.first < k; });
  }
  iterator LowerBound(std::string_view key) {
    return std::lower_bound(
        items_.begin(), items_.end(), key,
        [](const value_type& item, std::string_view k) { return item.first < k; });
  }

  std::vector<value_type> items_;
};

}  // namespace nbsched
