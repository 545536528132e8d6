#include "scheduler/codec/extender_codec.h"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cstring>
#include <functional>
#include <iterator>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "scheduler/codec/internal/k8s_decode.h"
#include "scheduler/model/text.h"

namespace nbsched::codec {
namespace {

using internal::EqualFold;
using internal::ForArray;
using internal::ForObject;
using internal::Path;
using internal::PathError;
using simdjson::dom::element;

// ---- decoding ----

// Go's encoding/json reads a top-level key into the field whose name folds to it; a later
// duplicate overwrites the earlier one. `slots` are the lower-case names, `out` their values.
struct Slot {
  std::string_view name;   // lower case
  std::string_view alias;  // lower case, or empty
  element value;
  bool present = false;
  std::string_view key;  // as spelled in the body

  explicit Slot(std::string_view n, std::string_view a = {}) : name(n), alias(a) {}
};

absl::Status ParseTopObject(std::string_view body, std::string_view what, Slot* slots, size_t n) {
  element root;
  NBSCHED_RETURN_IF_ERROR(internal::ParseDocument(body, "", &root));
  simdjson::dom::object top;
  if (root.get(top) != simdjson::SUCCESS) {
    return absl::InvalidArgumentError("expected a JSON object (" + std::string(what) + ")");
  }
  for (simdjson::dom::key_value_pair field : top) {
    for (size_t i = 0; i < n; ++i) {
      if (EqualFold(field.key, slots[i].name) ||
          (!slots[i].alias.empty() && EqualFold(field.key, slots[i].alias))) {
        slots[i].value = field.value;
        slots[i].present = true;
        slots[i].key = field.key;
        break;
      }
    }
  }
  return absl::OkStatus();
}

bool IsSet(const Slot& s) { return s.present && !s.value.is_null(); }

std::atomic<size_t> max_nodes_per_request{kDefaultMaxNodesPerRequest};

// InvalidArgument when `count` entries of `field` exceed the --max-nodes limit.
absl::Status CheckNodeCount(size_t count, std::string_view field) {
  const size_t limit = max_nodes_per_request.load(std::memory_order_relaxed);
  if (limit == 0 || count <= limit) return absl::OkStatus();
  return absl::InvalidArgumentError(std::string(field) + ": " + std::to_string(count) +
                                    " nodes exceed the limit of " + std::to_string(limit) +
                                    " nodes per request (--max-nodes)");
}

// Size of an array or object value (simdjson saturates at 2^24 - 1, still over any limit).
size_t CountOf(element e) {
  simdjson::dom::array a;
  if (e.get(a) == simdjson::SUCCESS) return a.size();
  simdjson::dom::object o;
  if (e.get(o) == simdjson::SUCCESS) return o.size();
  return 0;
}

absl::StatusOr<std::shared_ptr<const Pod>> DecodeArgsPod(const Slot& slot) {
  if (!IsSet(slot)) return absl::InvalidArgumentError("Pod: missing");
  auto pod = std::make_shared<Pod>();
  NBSCHED_RETURN_IF_ERROR(internal::DecodePod(slot.value, Path{nullptr, "Pod"}, pod.get()));
  return pod;
}

absl::Status DecodeVictims(element e, const Path& path, bool meta, Victims* out) {
  return ForObject(e, path, [&](std::string_view k, element v, const Path& vp) {
    if (EqualFold(k, "pods")) {
      out->pods.clear();
      return ForArray(v, vp, [&](element item, const Path& ip) {
        auto pod = std::make_shared<Pod>();
        if (meta) {
          NBSCHED_RETURN_IF_ERROR(
              ForObject(item, ip, [&](std::string_view k2, element v2, const Path& vp2) {
                if (EqualFold(k2, "uid")) return internal::GetString(v2, vp2, &pod->uid);
                return absl::OkStatus();
              }));
          pod->Finalize();
        } else {
          NBSCHED_RETURN_IF_ERROR(internal::DecodePod(item, ip, pod.get()));
        }
        out->pods.push_back(std::move(pod));
        return absl::OkStatus();
      });
    }
    if (EqualFold(k, "numpdbviolations"))
      return internal::GetInt64(v, vp, &out->num_pdb_violations);
    return absl::OkStatus();
  });
}

// ---- encoding ----

void AppendInt(std::string* out, int64_t v) {
  char buf[24];
  out->append(buf, std::to_chars(buf, buf + sizeof(buf), v).ptr);
}

void AppendString(std::string* out, std::string_view s) { AppendJsonString(out, s); }

// The reasons of one failing Status as FailedNodesMap's value: joined by ", " (upstream's
// message) and JSON-escaped. A Status shares its reasons vector with its copies, and the runner
// gives every node that fails the same predicates one Status (FailureMerger), so each distinct
// vector is escaped once per reply: a GPU pod rejected by 4,750 CPU nodes escapes its reasons
// once, not 4,750 times.
class ReasonTexts {
 public:
  std::string_view For(const std::vector<std::string>& reasons) {
    if (&reasons == last_key_) return last_;
    auto [it, added] = texts_.try_emplace(&reasons);
    if (added) {
      for (size_t i = 0; i < reasons.size(); ++i) {
        if (i > 0) it->second += ", ";
        AppendJsonEscaped(&it->second, reasons[i]);
      }
    }
    last_key_ = &reasons;
    last_ = it->second;
    return last_;
  }
  /// `message` escaped (a reason that is not a Status's, e.g. kNotBestReason).
  std::string_view For(std::string_view message) {
    auto [it, added] = messages_.try_emplace(message);
    if (added) AppendJsonEscaped(&it->second, message);
    return it->second;
  }

 private:
  std::unordered_map<const std::vector<std::string>*, std::string> texts_;
  std::unordered_map<std::string_view, std::string> messages_;
  const std::vector<std::string>* last_key_ = nullptr;
  std::string_view last_;
};

// `"name":"message"` members of a JSON object, collected as views and written in one go (their
// size is known before the first byte: one allocation for the whole reply when no name needs
// escaping).
class FailureMap {
 public:
  /// `names_plain`: every name is known to be plain JSON (Decision::names_plain).
  explicit FailureMap(bool names_plain) : known_plain_(names_plain) {}
  void Add(std::string_view name, std::string_view text) {
    entries_.push_back({name, text});
    if (plain_ && !known_plain_ && !IsPlainJson(name)) plain_ = false;
    bytes_ += name.size() + text.size() + 6;  // "name":"text", (names to escape: more)
  }
  size_t size() const { return bytes_ + 2; }
  void AppendTo(std::string* out) const {
    out->push_back('{');
    for (size_t k = 0; k < entries_.size(); ++k) {
      if (k > 0) out->push_back(',');
      const auto [name, text] = entries_[k];
      if (plain_) {
        out->push_back('"');
        out->append(name);
        out->push_back('"');
      } else {
        AppendString(out, name);
      }
      out->append(":\"");
      out->append(text);
      out->push_back('"');
    }
    out->push_back('}');
  }

 private:
  std::vector<std::pair<std::string_view, std::string_view>> entries_;
  size_t bytes_ = 0;
  const bool known_plain_;
  bool plain_ = true;  // every name added so far is plain JSON: copied without escaping
};

// ---- the NodeList decoder (DecodeExtenderArgs's fast path) ----
// simdjson On-Demand over the whole body: only the members the predicates read are looked at,
// each handed, as its original text, to the same element decoders the general path uses (a
// small document per node: `{"metadata":{"name":..,"labels":..},"spec":{..},"status":{..}}`
// with the members in their order, so repeated keys resolve as before). Everything else is
// skipped. Anything unexpected returns false: the general decoder then decodes the body again,
// with its validation and its errors.
namespace od = simdjson::ondemand;

od::parser* OnDemandParser() {
  thread_local od::parser parser;
  thread_local bool ready = parser.allocate(1 << 16, 64) == simdjson::SUCCESS;
  return ready ? &parser : nullptr;
}

// The text of `v` (an object or array whole; a scalar's token), trailing whitespace trimmed.
bool RawValue(od::value v, std::string_view* out) {
  od::json_type type;
  if (v.type().get(type) != simdjson::SUCCESS) return false;
  std::string_view raw;
  if (type == od::json_type::object) {
    od::object o;
    if (v.get_object().get(o) != simdjson::SUCCESS || o.raw_json().get(raw) != simdjson::SUCCESS)
      return false;
  } else if (type == od::json_type::array) {
    od::array a;
    if (v.get_array().get(a) != simdjson::SUCCESS || a.raw_json().get(raw) != simdjson::SUCCESS)
      return false;
  } else {
    raw = v.raw_json_token();
  }
  while (!raw.empty() &&
         (raw.back() == ' ' || raw.back() == '\n' || raw.back() == '\r' || raw.back() == '\t')) {
    raw.remove_suffix(1);
  }
  *out = raw;
  return !raw.empty();
}

// A growable buffer with SIMDJSON_PADDING bytes to spare, for the per-node documents.
class PaddedBuffer {
 public:
  void clear() { size_ = 0; }
  void Append(std::string_view s) {
    if (size_ + s.size() + simdjson::SIMDJSON_PADDING > capacity_) Grow(size_ + s.size());
    std::memcpy(data_.get() + size_, s.data(), s.size());
    size_ += s.size();
  }
  void Append(char c) { Append(std::string_view(&c, 1)); }
  std::string_view view() const { return {data_.get(), size_}; }

 private:
  void Grow(size_t need) {
    const size_t capacity = std::max(need + simdjson::SIMDJSON_PADDING, capacity_ * 2 + 4096);
    auto data = std::make_unique<char[]>(capacity);
    if (size_ > 0) std::memcpy(data.get(), data_.get(), size_);
    data_ = std::move(data);
    capacity_ = capacity;
  }
  std::unique_ptr<char[]> data_;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

// One member of an On-Demand object being iterated, with its unescaped key; false on an error.
template <typename Result>
bool NextMember(Result result, od::field* field, std::string_view* key) {
  return std::move(result).get(*field) == simdjson::SUCCESS &&
         field->unescaped_key().get(*key) == simdjson::SUCCESS;
}

// Appends `"name":{` + the members of object `v` whose keys are in `keys` + `}`; a value that
// is not an object is appended whole (null decodes as before; another type fails there).
bool AppendSelected(std::string_view name, od::value v, std::span<const std::string_view> keys,
                    PaddedBuffer* doc) {
  doc->Append('"');
  doc->Append(name);
  doc->Append("\":");
  od::json_type type;
  if (v.type().get(type) != simdjson::SUCCESS) return false;
  if (type != od::json_type::object) {
    std::string_view raw;
    if (!RawValue(v, &raw)) return false;
    doc->Append(raw);
    return true;
  }
  od::object o;
  if (v.get_object().get(o) != simdjson::SUCCESS) return false;
  doc->Append('{');
  bool first = true;
  for (auto field_result : o) {
    od::field field;
    std::string_view key;
    if (!NextMember(std::move(field_result), &field, &key)) return false;
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) continue;
    std::string_view raw;
    if (!RawValue(field.value(), &raw)) return false;
    if (!first) doc->Append(',');
    first = false;
    doc->Append('"');
    doc->Append(key);
    doc->Append("\":");
    doc->Append(raw);
  }
  doc->Append('}');
  return true;
}

constexpr std::string_view kMetadataKeys[] = {"name", "labels"};
constexpr std::string_view kSpecKeys[] = {"unschedulable", "taints"};
constexpr std::string_view kStatusKeys[] = {"allocatable", "conditions"};
// A node's top-level members that the predicates read, each with the members kept of it.
struct SelectedMember {
  std::string_view name;
  std::span<const std::string_view> keys;
};
constexpr SelectedMember kNodeMembers[] = {
    {"metadata", kMetadataKeys}, {"spec", kSpecKeys}, {"status", kStatusKeys}};

// One Nodes.items element: decoded from the members the predicates read; raw_json its text.
// The Nodes decoded by the last full-NodeList request, by position, with the text they were
// decoded from: kube-scheduler sends the same Node objects, in the same order, each cycle, and a
// node whose read members are byte for byte the same decodes to the same Node (shared, as Nodes
// are immutable). A changed or moved node is decoded again. Replaced by each request that had
// a change, so it holds one request's nodes at most.
struct CachedNode {
  std::string doc;
  std::shared_ptr<const Node> node;
};
using NodeCache = std::vector<CachedNode>;
std::mutex node_cache_mu;
std::shared_ptr<const NodeCache> node_cache;

std::shared_ptr<const NodeCache> CurrentNodeCache() {
  std::lock_guard<std::mutex> lock(node_cache_mu);
  return node_cache;
}

void PublishNodeCache(std::shared_ptr<const NodeCache> cache) {
  {
    std::lock_guard<std::mutex> lock(node_cache_mu);
    node_cache.swap(cache);
  }
  cache.reset();  // the previous one, freed outside the lock
}

// `cached`: the previous request's node at this position (may be null). Sets *reused.
bool FastNode(od::document& body, od::value item, const Path& path, PaddedBuffer* doc,
              const CachedNode* cached, bool* reused, NodeItem* out) {
  const char* begin = item.raw_json_token().data();  // the item's '{'
  od::object o;
  if (item.get_object().get(o) != simdjson::SUCCESS) return false;
  doc->clear();
  doc->Append('{');
  bool first = true;
  for (auto field_result : o) {
    od::field field;
    std::string_view key;
    if (!NextMember(std::move(field_result), &field, &key)) return false;
    const auto* member = std::find_if(std::begin(kNodeMembers), std::end(kNodeMembers),
                                      [&](const SelectedMember& m) { return m.name == key; });
    if (member == std::end(kNodeMembers)) continue;
    if (!first) doc->Append(',');
    first = false;
    if (!AppendSelected(member->name, field.value(), member->keys, doc)) return false;
  }
  // The object is consumed: the next token is the ',' or ']' after it; its text ends at the '}'.
  const char* end = nullptr;
  if (body.current_location().get(end) != simdjson::SUCCESS) return false;
  while (end > begin && end[-1] != '}') --end;
  if (end == begin) return false;
  const std::string_view raw(begin, static_cast<size_t>(end - begin));
  doc->Append('}');
  out->raw_json = raw;
  *reused = cached != nullptr && cached->doc == doc->view();
  if (*reused) {
    out->node = cached->node;
    return true;
  }
  simdjson::dom::element e;
  if (internal::ThreadParser().parse(doc->view().data(), doc->view().size(), false).get(e) !=
      simdjson::SUCCESS) {
    return false;
  }
  auto node = std::make_shared<Node>();
  if (!internal::DecodeNode(e, path, node.get()).ok()) return false;
  out->node = std::move(node);
  return true;
}

// The Pod member's text (RawValue), decoded into args->pod. False: the general decoder.
bool FastDecodePod(std::string_view pod_raw, ExtenderArgs* args) {
  if (pod_raw.empty() || pod_raw == "null") return false;
  element pod_element;
  if (!internal::ParseDocument(pod_raw, "", &pod_element).ok()) return false;
  auto pod = std::make_shared<Pod>();
  if (!internal::DecodePod(pod_element, Path{nullptr, "Pod"}, pod.get()).ok()) return false;
  args->pod = std::move(pod);
  return true;
}

// On-Demand over `body` (a padded copy when the bytes past it are not readable); `base` is where
// the parsed bytes are (raw views point there).
bool IterateBody(std::string_view body, simdjson::padded_string* copy, const char** base,
                 od::document* doc) {
  od::parser* parser = OnDemandParser();
  if (parser == nullptr || internal::ThreadParser().max_depth() != 64) return false;
  *base = body.data();
  if (!internal::PaddingReadable(body)) {
    *copy = simdjson::padded_string(body);
    *base = copy->data();
  }
  return parser->iterate(*base, body.size(), body.size() + simdjson::SIMDJSON_PADDING).get(*doc) ==
         simdjson::SUCCESS;
}

// The whole ExtenderArgs with simdjson On-Demand, for the two bodies kube-scheduler sends:
// - a NodeList (`nodeCacheCapable: false`): the predicates' members of each node (FastNode);
// - the cache-capable {"Pod":{..},"Nodes":null,"NodeNames":[..]}: the names read without the
//   DOM's tape of thousands of strings. Only those members then (another one is skipped by
//   On-Demand without full validation: the general decoder takes such a body).
// False: use the general decoder, which validates the body and names the errors.
bool FastDecodeExtenderArgs(std::string_view body, ExtenderArgs* args) {
  // Without readable padding past the body, a padded copy; raw_json still points into `body`.
  simdjson::padded_string copy;
  const char* base = nullptr;
  od::document doc;
  if (!IterateBody(body, &copy, &base, &doc)) return false;
  const auto in_body = [&](std::string_view raw) {
    return std::string_view(body.data() + (raw.data() - base), raw.size());
  };
  od::object top;
  if (doc.get_object().get(top) != simdjson::SUCCESS) return false;
  std::string_view pod_raw;
  bool have_nodes = false;
  bool have_names = false;
  bool other_members = false;  // a member other than Pod, Nodes and NodeNames
  std::vector<NodeItem> items;
  std::optional<std::vector<std::string>> names;
  PaddedBuffer node_doc;
  // The previous NodeList's nodes, taken (under its lock) only for a body with Nodes items.
  std::shared_ptr<const NodeCache> cache;
  std::vector<std::pair<size_t, std::string>> decoded_docs;  // the nodes not reused
  const Path nodes_path{nullptr, "Nodes"};
  const Path items_path = nodes_path.Key("items");
  for (auto field_result : top) {
    od::field field;
    std::string_view key;
    if (!NextMember(std::move(field_result), &field, &key)) return false;
    od::value v = field.value();
    if (EqualFold(key, "pod")) {
      if (!RawValue(v, &pod_raw)) return false;
    } else if (EqualFold(key, "nodes")) {
      if (have_nodes) return false;  // a repeated Nodes: the general decoder
      have_nodes = true;
      bool is_null = false;
      if (v.is_null().get(is_null) != simdjson::SUCCESS) return false;
      if (is_null) continue;  // cache-capable: NodeNames
      // Not an object: the general decoder.
      od::object list;
      if (v.get_object().get(list) != simdjson::SUCCESS) return false;
      bool have_items = false;
      for (auto member_result : list) {
        od::field member;
        std::string_view member_key;
        if (!NextMember(std::move(member_result), &member, &member_key)) return false;
        if (member_key != "items") continue;
        if (have_items) return false;
        have_items = true;
        cache = CurrentNodeCache();
        od::array arr;
        if (member.value().get_array().get(arr) != simdjson::SUCCESS) return false;
        size_t i = 0;
        for (auto item_result : arr) {
          od::value item;
          if (item_result.get(item) != simdjson::SUCCESS) return false;
          if (++i > MaxNodesPerRequest() && MaxNodesPerRequest() != 0) return false;
          const CachedNode* cached =
              cache != nullptr && i - 1 < cache->size() ? &(*cache)[i - 1] : nullptr;
          bool reused = false;
          if (!FastNode(doc, item, items_path.Index(i - 1), &node_doc, cached, &reused,
                        &items.emplace_back())) {
            return false;
          }
          if (!reused) decoded_docs.emplace_back(i - 1, std::string(node_doc.view()));
        }
      }
      args->nodes.emplace();  // set below
    } else if (EqualFold(key, "nodenames")) {
      bool is_null = false;
      if (v.is_null().get(is_null) != simdjson::SUCCESS) return false;
      have_names = !is_null;
      names.reset();
      if (is_null) continue;
      od::array arr;
      if (v.get_array().get(arr) != simdjson::SUCCESS) return false;
      std::vector<std::string>& list = names.emplace();
      size_t count = 0;
      if (arr.count_elements().get(count) != simdjson::SUCCESS) return false;
      if (MaxNodesPerRequest() != 0 && count > MaxNodesPerRequest()) return false;
      list.reserve(count);
      for (auto name_result : arr) {
        std::string_view name;
        if (name_result.get_string().get(name) != simdjson::SUCCESS) return false;
        list.emplace_back(name);
      }
    } else {
      other_members = true;
    }
  }
  // Nothing may follow the top object.
  if (doc.current_location().error() != simdjson::OUT_OF_BOUNDS) return false;
  if (!args->nodes) {
    // Cache-capable: exactly Pod, NodeNames and perhaps a null Nodes. The NodeList cache is
    // left as it is (it is for the next NodeList body).
    if (!have_names || other_members || !FastDecodePod(pod_raw, args)) return false;
    args->node_names = std::move(names);
    return true;
  }
  if (!FastDecodePod(pod_raw, args)) return false;
  for (NodeItem& item : items) item.raw_json = in_body(item.raw_json);
  if (!decoded_docs.empty() || cache == nullptr || cache->size() != items.size()) {
    auto next = std::make_shared<NodeCache>(items.size());
    size_t d = 0;
    for (size_t i = 0; i < items.size(); ++i) {
      CachedNode& entry = (*next)[i];
      entry.node = items[i].node;
      if (d < decoded_docs.size() && decoded_docs[d].first == i) {
        entry.doc = std::move(decoded_docs[d++].second);
      } else {
        entry.doc = (*cache)[i].doc;  // reused: the same text
      }
    }
    PublishNodeCache(std::move(next));
  }
  *args->nodes = std::move(items);
  if (have_names) args->node_names = std::move(names);
  return true;
}

}  // namespace

void ClearNodeListCache() { PublishNodeCache(nullptr); }

void SetMaxNodesPerRequest(size_t n) { max_nodes_per_request.store(n); }
size_t MaxNodesPerRequest() { return max_nodes_per_request.load(); }

namespace {

// The general decoder: the whole body as a DOM, every error named by its path.
absl::StatusOr<ExtenderArgs> DecodeExtenderArgsDom(std::string_view body) {
  Slot slots[] = {Slot("pod"), Slot("nodes"), Slot("nodenames")};
  NBSCHED_RETURN_IF_ERROR(ParseTopObject(body, "ExtenderArgs", slots, std::size(slots)));
  ExtenderArgs args;
  absl::StatusOr<std::shared_ptr<const Pod>> pod = DecodeArgsPod(slots[0]);
  if (!pod.ok()) return pod.status();
  args.pod = *std::move(pod);

  if (IsSet(slots[1])) {
    // A v1.NodeList: {"metadata": {}, "items": [...]}; only items matter.
    std::vector<NodeItem>& items = args.nodes.emplace();
    // The items' minified text, one after another; the views are set once it stops growing.
    auto storage = std::make_shared<std::string>();
    std::vector<size_t> ends;
    const Path nodes_path{nullptr, "Nodes"};
    NBSCHED_RETURN_IF_ERROR(
        ForObject(slots[1].value, nodes_path, [&](std::string_view k, element v, const Path& vp) {
          if (k != "items") return absl::OkStatus();
          items.clear();
          storage->clear();
          ends.clear();
          const size_t count = CountOf(v);
          NBSCHED_RETURN_IF_ERROR(CheckNodeCount(count, "Nodes.items"));
          items.reserve(count);
          return ForArray(v, vp, [&](element item, const Path& ip) {
            auto node = std::make_shared<Node>();
            NBSCHED_RETURN_IF_ERROR(internal::DecodeNode(item, ip, node.get()));
            *storage += simdjson::minify(item);
            ends.push_back(storage->size());
            items.push_back(NodeItem{std::move(node), {}});
            return absl::OkStatus();
          });
        }));
    for (size_t i = 0; i < items.size(); ++i) {
      const size_t begin = i == 0 ? 0 : ends[i - 1];
      items[i].raw_json = std::string_view(*storage).substr(begin, ends[i] - begin);
    }
    args.storage = std::move(storage);
  }
  if (IsSet(slots[2])) {
    std::vector<std::string>& names = args.node_names.emplace();
    const size_t count = CountOf(slots[2].value);
    NBSCHED_RETURN_IF_ERROR(CheckNodeCount(count, "NodeNames"));
    names.reserve(count);
    NBSCHED_RETURN_IF_ERROR(
        ForArray(slots[2].value, Path{nullptr, "NodeNames"}, [&](element v, const Path& vp) {
          std::string_view name;
          if (v.get(name) != simdjson::SUCCESS) return PathError(vp, "expected a string");
          names.emplace_back(name);
          return absl::OkStatus();
        }));
  }
  if (!args.nodes && !args.node_names) args.node_names.emplace();
  return args;
}

}  // namespace

absl::StatusOr<ExtenderArgs> DecodeExtenderArgs(std::string_view body) {
  // kube-scheduler's two bodies take the On-Demand decoder; anything it does not take (errors,
  // other members, odd shapes: small bodies) is decoded again by the general one.
  ExtenderArgs args;
  if (FastDecodeExtenderArgs(body, &args)) return args;
  return DecodeExtenderArgsDom(body);
}

absl::StatusOr<ExtenderArgs> DecodeExtenderArgs(std::string&& body) {
  auto kept = std::make_shared<const std::string>(std::move(body));
  absl::StatusOr<ExtenderArgs> args = DecodeExtenderArgs(std::string_view(*kept));
  if (args.ok() && args->storage == nullptr) args->storage = std::move(kept);
  return args;
}

absl::StatusOr<BindingArgs> DecodeBindingArgs(std::string_view body) {
  Slot slots[] = {Slot("podname"), Slot("podnamespace"), Slot("poduid"), Slot("node")};
  NBSCHED_RETURN_IF_ERROR(ParseTopObject(body, "ExtenderBindingArgs", slots, std::size(slots)));
  BindingArgs args;
  static constexpr std::string_view kNames[] = {"PodName", "PodNamespace", "PodUID", "Node"};
  std::string* fields[] = {&args.pod_name, &args.pod_namespace, &args.pod_uid, &args.node};
  for (size_t i = 0; i < std::size(slots); ++i) {
    if (!slots[i].present) continue;
    NBSCHED_RETURN_IF_ERROR(
        internal::GetString(slots[i].value, Path{nullptr, kNames[i]}, fields[i]));
  }
  // Nothing can be bound without these two.
  if (args.pod_name.empty()) return absl::InvalidArgumentError("PodName: missing");
  if (args.node.empty()) return absl::InvalidArgumentError("Node: missing");
  return args;
}

absl::StatusOr<PreemptionArgs> DecodePreemptionArgs(std::string_view body) {
  Slot slots[] = {Slot("pod"), Slot("nodenametovictims", "nodetovictims"),
                  Slot("nodenametometavictims")};
  NBSCHED_RETURN_IF_ERROR(ParseTopObject(body, "ExtenderPreemptionArgs", slots, std::size(slots)));
  PreemptionArgs args;
  absl::StatusOr<std::shared_ptr<const Pod>> pod = DecodeArgsPod(slots[0]);
  if (!pod.ok()) return pod.status();
  args.pod = *std::move(pod);

  // `nodeToVictims` (the 2019 tag) is an alias of NodeNameToVictims; the later one wins.
  const Slot* full = &slots[1];
  const std::string_view full_name =
      EqualFold(full->key, "nodetovictims") ? "nodeToVictims" : "NodeNameToVictims";
  const Slot* source = nullptr;
  std::string_view source_name;
  if (IsSet(slots[2])) {
    source = &slots[2];
    source_name = "NodeNameToMetaVictims";
    args.meta = true;
  } else if (IsSet(*full)) {
    source = full;
    source_name = full_name;
    args.meta = false;
  }
  if (source == nullptr) return args;
  const Path root{nullptr, source_name};
  NBSCHED_RETURN_IF_ERROR(CheckNodeCount(CountOf(source->value), source_name));
  NBSCHED_RETURN_IF_ERROR(
      ForObject(source->value, root, [&](std::string_view node, element v, const Path& vp) {
        Victims victims;
        NBSCHED_RETURN_IF_ERROR(DecodeVictims(v, vp, args.meta, &victims));
        args.node_to_victims.insert_or_assign(std::string(node), std::move(victims));
        return absl::OkStatus();
      }));
  return args;
}

namespace {

// Writes into a buffer sized beforehand: one bounds check per reply instead of several per node.
class Cursor {
 public:
  explicit Cursor(char* p) : p_(p) {}
  void Put(char c) { *p_++ = c; }
  void Put(std::string_view s) {
    std::memcpy(p_, s.data(), s.size());
    p_ += s.size();
  }
  char* end() const { return p_; }

 private:
  char* p_;
};

// `["a","b",...]` of plain names (IsPlainJson) appended to `out`.
void AppendPlainNames(std::string* out, const std::vector<std::string_view>& names) {
  size_t bytes = 2;
  for (std::string_view name : names) bytes += name.size() + 3;
  const size_t start = out->size();
  out->resize(start + bytes);
  Cursor c(out->data() + start);
  c.Put('[');
  for (size_t k = 0; k < names.size(); ++k) {
    if (k > 0) c.Put(',');
    c.Put('"');
    c.Put(names[k]);
    c.Put('"');
  }
  c.Put(']');
  out->resize(static_cast<size_t>(c.end() - out->data()));
}

}  // namespace

FilterReplyParts EncodeFilterResultParts(const framework::Decision& decision,
                                         const ExtenderArgs& args) {
  FilterReplyParts parts;
  const auto& nodes = decision.nodes;
  // One entry per name (the first occurrence's verdict), as kube-scheduler expects.
  std::vector<size_t> kept;
  kept.reserve(nodes.size());
  ReasonTexts texts;
  FailureMap failed(decision.names_plain);
  FailureMap unresolvable(decision.names_plain);
  for (size_t i = 0; i < nodes.size(); ++i) {
    const framework::NodeDecision& nd = nodes[i];
    if (nd.duplicate) continue;
    if (!nd.feasible()) {
      const std::string_view text = texts.For(nd.status.reasons());
      failed.Add(nd.name(), text);
      if (nd.status.code() == Status::Code::kUnschedulableAndUnresolvable) {
        unresolvable.Add(nd.name(), text);
      }
    } else if (decision.NotBest(i)) {
      failed.Add(nd.name(), texts.For(kNotBestReason));
    } else {
      kept.push_back(i);
    }
  }

  std::string& out = parts.head;
  if (args.cache_capable()) {
    std::vector<std::string_view> names;
    names.reserve(kept.size());
    bool plain = true;
    size_t bytes = 256 + failed.size() + unresolvable.size();
    for (size_t i : kept) {
      names.push_back(nodes[i].name());
      plain = plain && (decision.names_plain || IsPlainJson(names.back()));
      bytes += names.back().size() + 3;
    }
    out.reserve(bytes);
    out += "{\"Nodes\":null,\"NodeNames\":";
    if (plain) {
      AppendPlainNames(&out, names);
    } else {
      out.push_back('[');
      for (size_t k = 0; k < names.size(); ++k) {
        if (k > 0) out.push_back(',');
        AppendString(&out, names[k]);
      }
      out.push_back(']');
    }
  } else {
    // Echo the kept nodes' objects as received. The decision normally lists the request's nodes
    // in the same order; fall back to a name index when it does not.
    const std::vector<NodeItem>& items = *args.nodes;
    std::unordered_map<std::string_view, const std::string_view*> by_name;
    const auto raw_for = [&](size_t i) -> const std::string_view* {
      const std::string& name = nodes[i].node->name();
      if (i < items.size() && items[i].node->name == name) return &items[i].raw_json;
      if (by_name.empty()) {
        for (const NodeItem& item : items) by_name.emplace(item.node->name, &item.raw_json);
      }
      auto it = by_name.find(name);
      return it == by_name.end() ? nullptr : it->second;
    };
    std::vector<std::string_view>& echoed = parts.items;
    echoed.reserve(kept.size());
    for (size_t i : kept) {
      const std::string_view* raw = raw_for(i);
      if (raw == nullptr) continue;  // not in the request: nothing to echo
      echoed.push_back(*raw);
    }
    out = "{\"Nodes\":{\"metadata\":{},\"items\":[";
    parts.tail.reserve(failed.size() + unresolvable.size() + 96);
    parts.tail = "]},\"NodeNames\":null";
  }
  std::string& rest = args.cache_capable() ? parts.head : parts.tail;
  rest += ",\"FailedNodes\":";
  failed.AppendTo(&rest);
  rest += ",\"FailedAndUnresolvableNodes\":";
  unresolvable.AppendTo(&rest);
  rest += ",\"Error\":\"\"}";
  return parts;
}

std::string EncodeFilterResult(const framework::Decision& decision, const ExtenderArgs& args) {
  FilterReplyParts parts = EncodeFilterResultParts(decision, args);
  if (parts.items.empty() && parts.tail.empty()) return std::move(parts.head);
  // The items are most of the reply: one allocation for all of it, then a copy per node.
  size_t bytes = parts.head.size() + parts.tail.size() + parts.items.size();
  for (std::string_view item : parts.items) bytes += item.size();
  std::string out;
  out.reserve(bytes);
  out += parts.head;
  for (size_t k = 0; k < parts.items.size(); ++k) {
    if (k > 0) out.push_back(',');
    out += parts.items[k];
  }
  out += parts.tail;
  return out;
}

std::string EncodeFilterError(std::string_view message) {
  std::string out =
      "{\"Nodes\":null,\"NodeNames\":null,\"FailedNodes\":{},\"FailedAndUnresolvableNodes\":{},"
      "\"Error\":";
  AppendString(&out, message);
  out.push_back('}');
  return out;
}

std::string EncodePrioritizeResult(const framework::Decision& decision) {
  // Out-of-range scores are not checked by kube-scheduler; never send one. Each host once:
  // kube-scheduler would add both entries.
  const auto score_of = [](const framework::NodeDecision& nd) {
    return nd.feasible() ? std::clamp<int64_t>(nd.extender_score, 0, 10) : int64_t{0};
  };
  size_t bytes = 2;
  bool plain = true;
  for (const framework::NodeDecision& nd : decision.nodes) {
    const std::string_view name = nd.name();
    bytes += name.size() + 24;
    plain = plain && (decision.names_plain || IsPlainJson(name));
  }
  std::string out;
  if (plain) {  // every valid node name: copied as is
    out.resize(bytes);
    Cursor c(out.data());
    c.Put('[');
    bool first = true;
    for (const framework::NodeDecision& nd : decision.nodes) {
      if (nd.duplicate) continue;
      if (!first) c.Put(',');
      first = false;
      c.Put("{\"Host\":\"");
      c.Put(nd.name());
      c.Put("\",\"Score\":");
      const int64_t score = score_of(nd);
      c.Put(score < 10 ? std::string_view(&"0123456789"[score], 1) : std::string_view("10"));
      c.Put('}');
    }
    c.Put(']');
    out.resize(static_cast<size_t>(c.end() - out.data()));
    return out;
  }
  out.reserve(bytes);
  out.push_back('[');
  for (const framework::NodeDecision& nd : decision.nodes) {
    if (nd.duplicate) continue;
    if (out.size() > 1) out.push_back(',');
    out += "{\"Host\":";
    AppendString(&out, nd.name());
    out += ",\"Score\":";
    AppendInt(&out, score_of(nd));
    out.push_back('}');
  }
  out.push_back(']');
  return out;
}

std::string EncodeExplain(const framework::Decision& decision, std::string_view pod_key,
                          const std::map<std::string, std::vector<std::string>>* assumed) {
  std::string out = "{\"pod\":";
  AppendString(&out, pod_key);
  out += ",\"policyGeneration\":";
  AppendInt(&out, decision.policy_generation);
  out += ",\"nodes\":[";
  for (size_t i = 0; i < decision.nodes.size(); ++i) {
    const framework::NodeDecision& nd = decision.nodes[i];
    if (i > 0) out.push_back(',');
    out += "{\"name\":";
    AppendString(&out, nd.node->name());
    if (assumed != nullptr) {
      if (auto it = assumed->find(nd.node->name()); it != assumed->end() && !it->second.empty()) {
        out += ",\"assumedPods\":[";
        for (size_t a = 0; a < it->second.size(); ++a) {
          if (a > 0) out.push_back(',');
          AppendString(&out, it->second[a]);
        }
        out.push_back(']');
      }
    }
    if (!nd.feasible()) {
      out += ",\"feasible\":false,\"reasons\":[";
      const auto& reasons = nd.status.reasons();
      for (size_t r = 0; r < reasons.size(); ++r) {
        if (r > 0) out.push_back(',');
        AppendString(&out, reasons[r]);
      }
      out += "]}";
      continue;
    }
    out += ",\"feasible\":true,\"scores\":{";
    const size_t n = std::min(nd.scores.size(), decision.priority_names.size());
    for (size_t s = 0; s < n; ++s) {
      if (s > 0) out.push_back(',');
      AppendString(&out, decision.priority_names[s]);
      out.push_back(':');
      AppendInt(&out, nd.scores[s]);
    }
    out.push_back('}');
    if (const auto details = decision.DetailsOf(i); !details.empty()) {
      out += ",\"details\":{";
      for (size_t d = 0; d < details.size(); ++d) {
        if (d > 0) out.push_back(',');
        AppendString(&out, details[d].first);
        out.push_back(':');
        AppendInt(&out, details[d].second);
      }
      out.push_back('}');
    }
    out += ",\"weighted\":";
    AppendInt(&out, nd.weighted);
    out += ",\"extenderScore\":";
    AppendInt(&out, nd.extender_score);
    out.push_back('}');
  }
  out += "]}";
  return out;
}

std::string EncodeError(std::string_view message) {
  std::string out = "{\"Error\":";
  AppendString(&out, message);
  out.push_back('}');
  return out;
}

std::string EncodePreemptionResult(const std::map<std::string, Victims>& kept) {
  std::string out = "{\"NodeNameToMetaVictims\":{";
  bool first_node = true;
  for (const auto& [node, victims] : kept) {
    if (!first_node) out.push_back(',');
    first_node = false;
    AppendString(&out, node);
    out += ":{\"Pods\":[";
    for (size_t i = 0; i < victims.pods.size(); ++i) {
      if (i > 0) out.push_back(',');
      out += "{\"UID\":";
      AppendString(&out, victims.pods[i]->uid);
      out.push_back('}');
    }
    out += "],\"NumPDBViolations\":";
    AppendInt(&out, victims.num_pdb_violations);
    out.push_back('}');
  }
  out += "}}";
  return out;
}

}  // namespace nbsched::codec
