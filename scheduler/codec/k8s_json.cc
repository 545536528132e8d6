#include "scheduler/codec/k8s_json.h"

#include <sys/mman.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "scheduler/codec/internal/k8s_decode.h"

namespace nbsched::codec {
namespace internal {

using simdjson::SUCCESS;
using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::element_type;
using simdjson::dom::object;

namespace {

// kubernetes objects nest about 12 levels; 64 leaves room and bounds hostile input.
constexpr size_t kMaxDepth = 64;
constexpr size_t kInitialCapacity = 1 << 16;

// `key == literal` with the length known at compile time, so that the comparison is expanded
// inline (a length test and one or two loads) instead of a call to memcmp per candidate key.
template <size_t N>
bool KeyIs(std::string_view key, const char (&literal)[N]) {
  return key.size() == N - 1 && std::memcmp(key.data(), literal, N - 1) == 0;
}

// ---- simdjson's tape, read directly on hot paths ----
// The DOM is a tape of 64-bit words (simdjson's doc/tape.md): the type in the top byte, then a
// payload: a string's offset into string_buf (where a 32-bit length precedes the bytes), or for
// '{' the index just past the matching '}' in the low 32 bits and the entry count above them.
// Object members follow as key, value pairs. The element API reads the same words through calls
// GCC does not inline; the label loop below, run ~30 times per node, reads them in place.

// simdjson keeps an element's place on the tape private; element is standard-layout with that
// tape_ref as its only member, so a pointer to one is a pointer to the other.
static_assert(std::is_standard_layout_v<element> &&
              sizeof(element) == sizeof(simdjson::internal::tape_ref));
const simdjson::internal::tape_ref& TapeRef(const element& e) {
  return *reinterpret_cast<const simdjson::internal::tape_ref*>(&e);
}

// A hint only: prefetching never faults, and the range may run past the buffer's end, so the
// addresses are computed as integers.
void PrefetchRange(uintptr_t begin, size_t bytes) {
  constexpr size_t kLine = 64;
  for (size_t off = 0; off < bytes; off += kLine) {
    __builtin_prefetch(reinterpret_cast<const void*>(begin + off), 0, 1);  // to L2, not L1
  }
}

std::string_view TapeString(const uint8_t* strings, uint64_t word) {
  const size_t offset = word & simdjson::internal::JSON_VALUE_MASK;
  uint32_t length;
  std::memcpy(&length, strings + offset, sizeof(length));
  return {reinterpret_cast<const char*>(strings + offset + sizeof(length)), length};
}

// A string → string map whose values are all strings and whose keys strictly increase (as Go
// writes maps), decoded straight from the tape into *out. Returns false, with *out untouched,
// for anything else (null values, other types, keys out of order or repeated, not an object):
// the general GetFlatMap then decodes it, with its errors.
bool SortedStringMapFromTape(element e, Labels* out) {
  const simdjson::internal::tape_ref& ref = TapeRef(e);
  const uint64_t* tape = ref.doc->tape.get();
  const uint8_t* strings = ref.doc->string_buf.get();
  const uint64_t start = tape[ref.json_index];
  if (static_cast<char>(start >> 56) != '{') return false;
  const size_t end = static_cast<uint32_t>(start) - 1;  // the '}'
  Labels map;
  map.reserve((start >> 32) & simdjson::internal::JSON_COUNT_MASK);
  for (size_t i = ref.json_index + 1; i + 1 < end; i += 2) {
    const uint64_t value = tape[i + 1];
    if (static_cast<char>(value >> 56) != '"') return false;
    auto [it, inserted] = map.try_emplace(TapeString(strings, tape[i]), TapeString(strings, value));
    if (!inserted || it + 1 != map.end()) return false;
  }
  *out = std::move(map);
  return true;
}

// Decoding a large list reads back tens of MB of tape and strings that simdjson wrote for the
// whole document, far more than the caches hold. Called on each item of a list in turn, Visit
// prefetches the part of both that the next item probably spans, so that decoding one item
// overlaps fetching the next (~8 % of a 5,000-node NodeList's decode).
class NextItemPrefetcher {
 public:
  void Visit(element item);

 private:
  size_t previous_string_ = 0;  // offset of the previous item's first string
};

void NextItemPrefetcher::Visit(element item) {
  const simdjson::internal::tape_ref& ref = TapeRef(item);
  const uint64_t* tape = ref.doc->tape.get();
  const size_t index = ref.json_index;
  const uint64_t start = tape[index];
  const uint64_t first = tape[index + 1];
  if (static_cast<char>(start >> 56) != '{' || static_cast<char>(first >> 56) != '"') return;
  const size_t next = static_cast<uint32_t>(start);  // where the next item starts
  const size_t string_offset = first & simdjson::internal::JSON_VALUE_MASK;
  if (previous_string_ != 0 && string_offset > previous_string_) {
    constexpr size_t kMaxBytes = 64 * 1024;
    // The next item's tape starts exactly at `next`: as many words as this item. Its strings
    // start where this item's end, known only once it is read: assuming this item spans about
    // as many string bytes as the previous one, from half that span on, one and a half spans.
    const size_t tape_bytes = std::min((next - index) * sizeof(uint64_t), kMaxBytes);
    const size_t string_bytes = std::min(string_offset - previous_string_, kMaxBytes);
    PrefetchRange(reinterpret_cast<uintptr_t>(tape) + next * sizeof(uint64_t), tape_bytes);
    PrefetchRange(
        reinterpret_cast<uintptr_t>(ref.doc->string_buf.get()) + string_offset + string_bytes / 2,
        string_bytes * 3 / 2);
  }
  previous_string_ = string_offset;
}

// Elements of an array, to size a vector once (0 for a non-array, which ForArray rejects).
size_t ArraySize(element e) {
  array a;
  return e.get(a) == SUCCESS ? a.size() : 0;
}

absl::Status GetBool(element e, const Path& p, bool* out) {
  if (e.is_null()) {
    *out = false;
    return absl::OkStatus();
  }
  if (e.get(*out) != SUCCESS) return PathError(p, "expected a boolean");
  return absl::OkStatus();
}

absl::Status GetInt32(element e, const Path& p, int32_t* out) {
  int64_t v = 0;
  NBSCHED_RETURN_IF_ERROR(GetInt64(e, p, &v));
  if (v < INT32_MIN || v > INT32_MAX) return PathError(p, "integer out of range");
  *out = static_cast<int32_t>(v);
  return absl::OkStatus();
}

absl::Status GetStringList(element e, const Path& p, std::vector<std::string>* out) {
  out->clear();
  out->reserve(ArraySize(e));
  return ForArray(e, p, [&](element v, const Path& vp) {
    std::string_view s;
    NBSCHED_RETURN_IF_ERROR(GetStringView(v, vp, &s));
    out->emplace_back(s);
    return absl::OkStatus();
  });
}

// A JSON object → FlatMap<V>, each value read by get(value, path, Raw*) and V built from the Raw
// in place; a repeated key's later value wins. Go marshals maps sorted by key, so the common case
// appends each entry (try_emplace's sorted-input fast path: no temporary vector, no second pass).
// A few keys out of order are inserted in place; past kMaxUnordered (hostile input: each costs a
// move of the tail) the rest goes through FromUnsorted, which is O(n log n).
template <typename V, typename Raw, typename Get>
absl::Status GetFlatMap(element e, const Path& p, FlatMap<V>* out, Get get) {
  constexpr size_t kMaxUnordered = 16;
  if (e.is_null()) {
    out->clear();
    return absl::OkStatus();
  }
  object obj;
  if (e.get(obj) != SUCCESS) return PathError(p, "expected an object");
  FlatMap<V> map;
  map.reserve(obj.size());
  size_t unordered = 0;
  auto field = obj.begin();
  for (; field != obj.end(); ++field) {
    Raw raw{};
    NBSCHED_RETURN_IF_ERROR(get(field.value(), p.Key(field.key()), &raw));
    auto [it, inserted] = map.try_emplace(field.key(), raw);
    if (inserted && it + 1 == map.end()) continue;  // in order
    if (!inserted) it->second = V(raw);             // a repeated key: the later value wins
    if (++unordered > kMaxUnordered) break;
  }
  if (field != obj.end()) {
    std::vector<typename FlatMap<V>::value_type> items;
    items.reserve(obj.size());
    for (auto& item : map) items.push_back(std::move(item));  // sorted, keys unique
    for (++field; field != obj.end(); ++field) {
      Raw raw{};
      NBSCHED_RETURN_IF_ERROR(get(field.value(), p.Key(field.key()), &raw));
      items.emplace_back(std::piecewise_construct, std::forward_as_tuple(field.key()),
                         std::forward_as_tuple(raw));
    }
    map = FlatMap<V>::FromUnsorted(std::move(items));  // stable: the later value still wins
  }
  *out = std::move(map);
  return absl::OkStatus();
}

absl::Status GetLabels(element e, const Path& p, Labels* out) {
  if (SortedStringMapFromTape(e, out)) return absl::OkStatus();
  return GetFlatMap<std::string, std::string_view>(
      e, p, out,
      [](element v, const Path& vp, std::string_view* s) { return GetStringView(v, vp, s); });
}

std::string_view TrimSpace(std::string_view s) {
  constexpr std::string_view kSpace = " \t\n\r\v\f";
  const size_t begin = s.find_first_not_of(kSpace);
  if (begin == std::string_view::npos) return {};
  return s.substr(begin, s.find_last_not_of(kSpace) - begin + 1);
}

// resource.Quantity's UnmarshalJSON: a string (spaces trimmed), a bare number, or null (zero).
absl::Status GetQuantity(element e, const Path& p, Quantity* out) {
  if (e.is_null()) {
    *out = Quantity();
    return absl::OkStatus();
  }
  char buf[64];
  std::string_view text;
  std::string_view s;
  int64_t i = 0;
  uint64_t u = 0;
  double d = 0;
  // A bare number is parsed from its text, as upstream does with the raw token.
  if (e.get(s) == SUCCESS) {
    // Only a string with a space at either end needs trimming (rare: the API server writes none).
    const bool trimmed = s.empty() || (static_cast<unsigned char>(s.front()) > ' ' &&
                                       static_cast<unsigned char>(s.back()) > ' ');
    text = trimmed ? s : TrimSpace(s);
  } else if (e.get(i) == SUCCESS) {
    text = std::string_view(buf, std::to_chars(buf, buf + sizeof(buf), i).ptr - buf);
  } else if (e.get(u) == SUCCESS) {
    text = std::string_view(buf, std::to_chars(buf, buf + sizeof(buf), u).ptr - buf);
  } else if (e.get(d) == SUCCESS) {
    text = std::string_view(buf, std::to_chars(buf, buf + sizeof(buf), d).ptr - buf);
  } else {
    return PathError(p, "expected a quantity (string or number)");
  }
  absl::StatusOr<Quantity> q = Quantity::Parse(text);
  if (!q.ok()) {
    return PathError(
        p, "invalid quantity \"" + std::string(text) + "\": " + std::string(q.status().message()));
  }
  // The API server rejects negative requests and allocatable; upstream's rounding of them is
  // inconsistent, so they are refused rather than imitated (interfaces.md §5).
  if (q->IsNegative()) {
    return PathError(p, "negative quantity \"" + std::string(text) + "\" is not allowed");
  }
  *out = *q;
  return absl::OkStatus();
}

absl::Status GetResourceList(element e, const Path& p, ResourceList* out) {
  return GetFlatMap<Quantity, Quantity>(
      e, p, out, [](element v, const Path& vp, Quantity* q) { return GetQuantity(v, vp, q); });
}

// ---- selectors ----

template <typename Requirement>
absl::Status GetRequirements(element e, const Path& p, std::vector<Requirement>* out) {
  out->clear();
  out->reserve(ArraySize(e));
  return ForArray(e, p, [&](element item, const Path& ip) {
    Requirement& r = out->emplace_back();
    return ForObject(item, ip, [&](std::string_view k, element v, const Path& vp) {
      if (KeyIs(k, "key")) return GetString(v, vp, &r.key);
      if (KeyIs(k, "operator")) {
        std::string_view op;
        NBSCHED_RETURN_IF_ERROR(GetStringView(v, vp, &op));
        r.op = ParseSelectorOp(op);  // unknown: kInvalid, which matches nothing
        return absl::OkStatus();
      }
      if (KeyIs(k, "values")) return GetStringList(v, vp, &r.values);
      return absl::OkStatus();
    });
  });
}

absl::Status GetLabelSelector(element e, const Path& p, LabelSelector* out) {
  *out = LabelSelector();
  return ForObject(e, p, [&](std::string_view k, element v, const Path& vp) {
    if (KeyIs(k, "matchLabels")) return GetLabels(v, vp, &out->match_labels);
    if (KeyIs(k, "matchExpressions")) return GetRequirements(v, vp, &out->match_expressions);
    return absl::OkStatus();
  });
}

absl::Status GetNodeSelectorTerm(element e, const Path& p, NodeSelectorTerm* out) {
  return ForObject(e, p, [&](std::string_view k, element v, const Path& vp) {
    if (KeyIs(k, "matchExpressions")) return GetRequirements(v, vp, &out->match_expressions);
    if (KeyIs(k, "matchFields")) return GetRequirements(v, vp, &out->match_fields);
    return absl::OkStatus();
  });
}

absl::Status GetNodeAffinity(element e, const Path& p, std::optional<NodeAffinity>* out) {
  out->reset();
  if (e.is_null()) return absl::OkStatus();
  NodeAffinity& na = out->emplace();
  return ForObject(e, p, [&](std::string_view k, element v, const Path& vp) {
    if (KeyIs(k, "requiredDuringSchedulingIgnoredDuringExecution")) {
      if (v.is_null()) return absl::OkStatus();
      std::vector<NodeSelectorTerm>& terms = na.required.emplace();
      return ForObject(v, vp, [&](std::string_view k2, element v2, const Path& vp2) {
        if (!KeyIs(k2, "nodeSelectorTerms")) return absl::OkStatus();
        return ForArray(v2, vp2, [&](element t, const Path& tp) {
          return GetNodeSelectorTerm(t, tp, &terms.emplace_back());
        });
      });
    }
    if (KeyIs(k, "preferredDuringSchedulingIgnoredDuringExecution")) {
      return ForArray(v, vp, [&](element item, const Path& ip) {
        PreferredSchedulingTerm& pt = na.preferred.emplace_back();
        return ForObject(item, ip, [&](std::string_view k2, element v2, const Path& vp2) {
          if (KeyIs(k2, "weight")) return GetInt32(v2, vp2, &pt.weight);
          if (KeyIs(k2, "preference")) return GetNodeSelectorTerm(v2, vp2, &pt.preference);
          return absl::OkStatus();
        });
      });
    }
    return absl::OkStatus();
  });
}

absl::Status GetPodAffinityTerm(element e, const Path& p, PodAffinityTerm* out) {
  out->label_selector.nothing = true;  // a nil labelSelector selects no pod
  return ForObject(e, p, [&](std::string_view k, element v, const Path& vp) {
    if (KeyIs(k, "labelSelector")) {
      if (v.is_null()) return absl::OkStatus();
      return GetLabelSelector(v, vp, &out->label_selector);
    }
    if (KeyIs(k, "namespaces")) return GetStringList(v, vp, &out->namespaces);
    if (KeyIs(k, "namespaceSelector")) {
      out->namespace_selector.reset();
      if (v.is_null()) return absl::OkStatus();
      return GetLabelSelector(v, vp, &out->namespace_selector.emplace());
    }
    if (KeyIs(k, "topologyKey")) return GetString(v, vp, &out->topology_key);
    return absl::OkStatus();
  });
}

absl::Status GetPodAffinity(element e, const Path& p, PodAffinity* out) {
  *out = PodAffinity();
  return ForObject(e, p, [&](std::string_view k, element v, const Path& vp) {
    if (KeyIs(k, "requiredDuringSchedulingIgnoredDuringExecution")) {
      return ForArray(v, vp, [&](element item, const Path& ip) {
        return GetPodAffinityTerm(item, ip, &out->required.emplace_back());
      });
    }
    if (KeyIs(k, "preferredDuringSchedulingIgnoredDuringExecution")) {
      return ForArray(v, vp, [&](element item, const Path& ip) {
        WeightedPodAffinityTerm& w = out->preferred.emplace_back();
        w.term.label_selector.nothing = true;
        return ForObject(item, ip, [&](std::string_view k2, element v2, const Path& vp2) {
          if (KeyIs(k2, "weight")) return GetInt32(v2, vp2, &w.weight);
          if (KeyIs(k2, "podAffinityTerm")) return GetPodAffinityTerm(v2, vp2, &w.term);
          return absl::OkStatus();
        });
      });
    }
    return absl::OkStatus();
  });
}

// ---- pod ----

absl::Status GetContainer(element e, const Path& p, bool init, Container* c) {
  return ForObject(e, p, [&](std::string_view k, element v, const Path& vp) {
    if (KeyIs(k, "name")) return GetString(v, vp, &c->name);
    if (KeyIs(k, "resources")) {
      return ForObject(v, vp, [&](std::string_view k2, element v2, const Path& vp2) {
        if (KeyIs(k2, "requests")) return GetResourceList(v2, vp2, &c->requests);
        if (KeyIs(k2, "limits")) return GetResourceList(v2, vp2, &c->limits);
        return absl::OkStatus();
      });
    }
    if (KeyIs(k, "ports")) {
      c->ports.clear();
      c->ports.reserve(ArraySize(v));
      return ForArray(v, vp, [&](element item, const Path& ip) {
        ContainerPort& port = c->ports.emplace_back();
        return ForObject(item, ip, [&](std::string_view k2, element v2, const Path& vp2) {
          if (KeyIs(k2, "containerPort")) return GetInt32(v2, vp2, &port.container_port);
          if (KeyIs(k2, "hostPort")) return GetInt32(v2, vp2, &port.host_port);
          if (KeyIs(k2, "protocol")) return GetString(v2, vp2, &port.protocol);
          if (KeyIs(k2, "hostIP")) return GetString(v2, vp2, &port.host_ip);
          return absl::OkStatus();
        });
      });
    }
    if (KeyIs(k, "restartPolicy")) {
      std::string_view policy;
      NBSCHED_RETURN_IF_ERROR(GetStringView(v, vp, &policy));
      c->restartable = init && policy == "Always";
      return absl::OkStatus();
    }
    return absl::OkStatus();
  });
}

absl::Status GetContainers(element e, const Path& p, bool init, std::vector<Container>* out) {
  out->clear();
  out->reserve(ArraySize(e));
  return ForArray(e, p, [&](element item, const Path& ip) {
    return GetContainer(item, ip, init, &out->emplace_back());
  });
}

absl::Status GetVolumeSource(element e, const Path& p, Volume::Kind kind, std::string_view id_key,
                             Volume* vol) {
  if (e.is_null()) return absl::OkStatus();
  vol->kind = kind;
  if (kind == Volume::Kind::kRbd) vol->rbd_pool = "rbd";
  NBSCHED_RETURN_IF_ERROR(ForObject(e, p, [&](std::string_view k, element v, const Path& vp) {
    if (k == id_key) return GetString(v, vp, &vol->id);
    if (KeyIs(k, "readOnly")) return GetBool(v, vp, &vol->read_only);
    if (kind == Volume::Kind::kRbd) {
      if (KeyIs(k, "monitors")) return GetStringList(v, vp, &vol->rbd_monitors);
      if (KeyIs(k, "pool")) return GetString(v, vp, &vol->rbd_pool);
    }
    return absl::OkStatus();
  }));
  if (kind == Volume::Kind::kRbd && vol->rbd_pool.empty()) vol->rbd_pool = "rbd";  // API default
  return absl::OkStatus();
}

absl::Status GetVolume(element e, const Path& p, Volume* vol) {
  return ForObject(e, p, [&](std::string_view k, element v, const Path& vp) {
    if (KeyIs(k, "name")) return GetString(v, vp, &vol->name);
    if (KeyIs(k, "gcePersistentDisk")) {
      return GetVolumeSource(v, vp, Volume::Kind::kGcePersistentDisk, "pdName", vol);
    }
    if (KeyIs(k, "awsElasticBlockStore")) {
      return GetVolumeSource(v, vp, Volume::Kind::kAwsElasticBlockStore, "volumeID", vol);
    }
    if (KeyIs(k, "iscsi")) return GetVolumeSource(v, vp, Volume::Kind::kIscsi, "iqn", vol);
    if (KeyIs(k, "rbd")) return GetVolumeSource(v, vp, Volume::Kind::kRbd, "image", vol);
    return absl::OkStatus();
  });
}

absl::Status GetPodMetadata(element e, const Path& p, Pod* pod) {
  return ForObject(e, p, [&](std::string_view k, element v, const Path& vp) {
    if (KeyIs(k, "name")) return GetString(v, vp, &pod->name);
    if (KeyIs(k, "namespace")) return GetString(v, vp, &pod->namespace_);
    if (KeyIs(k, "uid")) return GetString(v, vp, &pod->uid);
    if (KeyIs(k, "resourceVersion")) return GetString(v, vp, &pod->resource_version.mut());
    if (KeyIs(k, "labels")) return GetLabels(v, vp, &pod->labels.map());
    if (KeyIs(k, "annotations")) return GetLabels(v, vp, &pod->annotations.mut());
    if (KeyIs(k, "deletionTimestamp")) {
      pod->deleting = !v.is_null();
      return absl::OkStatus();
    }
    if (KeyIs(k, "ownerReferences")) {
      pod->owner_references.clear();
      pod->owner_references.reserve(ArraySize(v));
      return ForArray(v, vp, [&](element item, const Path& ip) {
        OwnerReference& ref = pod->owner_references.emplace_back();
        return ForObject(item, ip, [&](std::string_view k2, element v2, const Path& vp2) {
          if (KeyIs(k2, "apiVersion")) return GetString(v2, vp2, &ref.api_version);
          if (KeyIs(k2, "kind")) return GetString(v2, vp2, &ref.kind);
          if (KeyIs(k2, "name")) return GetString(v2, vp2, &ref.name);
          if (KeyIs(k2, "uid")) return GetString(v2, vp2, &ref.uid);
          if (KeyIs(k2, "controller")) return GetBool(v2, vp2, &ref.controller);
          return absl::OkStatus();
        });
      });
    }
    return absl::OkStatus();
  });
}

absl::Status GetPodSpec(element e, const Path& p, Pod* pod) {
  return ForObject(e, p, [&](std::string_view k, element v, const Path& vp) {
    if (KeyIs(k, "nodeName")) return GetString(v, vp, &pod->node_name);
    if (KeyIs(k, "schedulerName")) return GetString(v, vp, &pod->scheduler_name.mut());
    if (KeyIs(k, "containers")) return GetContainers(v, vp, false, &pod->containers.mut());
    if (KeyIs(k, "initContainers")) return GetContainers(v, vp, true, &pod->init_containers.mut());
    if (KeyIs(k, "overhead")) return GetResourceList(v, vp, &pod->overhead.mut());
    if (KeyIs(k, "nodeSelector")) return GetLabels(v, vp, &pod->node_selector.mut());
    if (KeyIs(k, "affinity")) {
      return ForObject(v, vp, [&](std::string_view k2, element v2, const Path& vp2) {
        if (KeyIs(k2, "nodeAffinity")) return GetNodeAffinity(v2, vp2, &pod->node_affinity.mut());
        if (KeyIs(k2, "podAffinity")) return GetPodAffinity(v2, vp2, &pod->pod_affinity);
        if (KeyIs(k2, "podAntiAffinity")) return GetPodAffinity(v2, vp2, &pod->pod_anti_affinity);
        return absl::OkStatus();
      });
    }
    if (KeyIs(k, "tolerations")) {
      pod->tolerations.clear();
      pod->tolerations.reserve(ArraySize(v));
      return ForArray(v, vp, [&](element item, const Path& ip) {
        Toleration& t = pod->tolerations.emplace_back();
        return ForObject(item, ip, [&](std::string_view k2, element v2, const Path& vp2) {
          if (KeyIs(k2, "key")) return GetString(v2, vp2, &t.key);
          if (KeyIs(k2, "operator")) return GetString(v2, vp2, &t.op);
          if (KeyIs(k2, "value")) return GetString(v2, vp2, &t.value);
          if (KeyIs(k2, "effect")) return GetString(v2, vp2, &t.effect);
          return absl::OkStatus();
        });
      });
    }
    if (KeyIs(k, "volumes")) {
      pod->volumes.clear();
      pod->volumes.reserve(ArraySize(v));
      return ForArray(v, vp, [&](element item, const Path& ip) {
        return GetVolume(item, ip, &pod->volumes.emplace_back());
      });
    }
    if (KeyIs(k, "topologySpreadConstraints")) {
      if (v.is_null()) {
        pod->has_topology_spread_constraints = false;
        return absl::OkStatus();
      }
      array arr;
      if (v.get(arr) != SUCCESS) return PathError(vp, "expected an array");
      pod->has_topology_spread_constraints = arr.begin() != arr.end();
      return absl::OkStatus();
    }
    return absl::OkStatus();
  });
}

// ---- node ----

absl::Status GetNodeSpec(element e, const Path& p, Node* node) {
  return ForObject(e, p, [&](std::string_view k, element v, const Path& vp) {
    if (KeyIs(k, "unschedulable")) return GetBool(v, vp, &node->unschedulable);
    if (KeyIs(k, "taints")) {
      node->taints.clear();
      node->taints.reserve(ArraySize(v));
      return ForArray(v, vp, [&](element item, const Path& ip) {
        Taint& t = node->taints.emplace_back();
        return ForObject(item, ip, [&](std::string_view k2, element v2, const Path& vp2) {
          if (KeyIs(k2, "key")) return GetString(v2, vp2, &t.key);
          if (KeyIs(k2, "value")) return GetString(v2, vp2, &t.value);
          if (KeyIs(k2, "effect")) return GetString(v2, vp2, &t.effect);
          return absl::OkStatus();
        });
      });
    }
    return absl::OkStatus();
  });
}

absl::Status GetNodeStatus(element e, const Path& p, Node* node) {
  return ForObject(e, p, [&](std::string_view k, element v, const Path& vp) {
    if (KeyIs(k, "allocatable")) return GetResourceList(v, vp, &node->allocatable_list);
    if (KeyIs(k, "conditions")) {
      node->conditions.clear();
      node->conditions.reserve(ArraySize(v));
      return ForArray(v, vp, [&](element item, const Path& ip) {
        NodeCondition& c = node->conditions.emplace_back();
        return ForObject(item, ip, [&](std::string_view k2, element v2, const Path& vp2) {
          if (KeyIs(k2, "type")) return GetString(v2, vp2, &c.type);
          if (KeyIs(k2, "status")) return GetString(v2, vp2, &c.status);
          return absl::OkStatus();
        });
      });
    }
    return absl::OkStatus();
  });
}

// ---- controllers (SelectorSpread) ----

absl::Status DecodeWorkload(element e, const Path& p, WorkloadSelector::Kind kind,
                            WorkloadSelector* w) {
  w->kind = kind;
  const bool map_selector = kind == WorkloadSelector::Kind::kService ||
                            kind == WorkloadSelector::Kind::kReplicationController;
  // A nil LabelSelector selects nothing (metav1.LabelSelectorAsSelector).
  if (!map_selector) w->label_selector.nothing = true;
  return ForObject(e, p, [&](std::string_view k, element v, const Path& vp) {
    if (KeyIs(k, "metadata")) {
      return ForObject(v, vp, [&](std::string_view k2, element v2, const Path& vp2) {
        if (KeyIs(k2, "name")) return GetString(v2, vp2, &w->name);
        if (KeyIs(k2, "namespace")) return GetString(v2, vp2, &w->namespace_);
        return absl::OkStatus();
      });
    }
    if (KeyIs(k, "spec")) {
      return ForObject(v, vp, [&](std::string_view k2, element v2, const Path& vp2) {
        if (!KeyIs(k2, "selector")) return absl::OkStatus();
        if (map_selector) return GetLabels(v2, vp2, &w->map_selector);
        if (v2.is_null()) {
          w->label_selector = LabelSelector();
          w->label_selector.nothing = true;
          return absl::OkStatus();
        }
        return GetLabelSelector(v2, vp2, &w->label_selector);
      });
    }
    return absl::OkStatus();
  });
}

}  // namespace

std::string Path::ToString() const {
  std::string parent_text = parent != nullptr ? parent->ToString() : std::string();
  if (index >= 0) return parent_text + "[" + std::to_string(index) + "]";
  if (parent_text.empty()) return std::string(key);
  return parent_text + "." + std::string(key);
}

absl::Status PathError(const Path& path, std::string_view message) {
  std::string text = path.ToString();
  if (!text.empty()) text += ": ";
  text += message;
  return absl::InvalidArgumentError(text);
}

simdjson::dom::parser& ThreadParser() {
  thread_local simdjson::dom::parser parser;
  if (parser.max_depth() != kMaxDepth) {
    // On failure the next parse allocates with the default depth; the check below repeats.
    if (parser.allocate(kInitialCapacity, kMaxDepth) != SUCCESS) return parser;
  }
  return parser;
}

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer)
#define NBSCHED_STRICT_READS 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define NBSCHED_STRICT_READS 1
#endif

// simdjson reads up to SIMDJSON_PADDING bytes past the end of its input; their content does not
// affect parsing (simdjson's "page trick"). Memory is protected per page, so when those bytes lie
// in the page of the input's last byte they are readable, and the input need not be copied into
// a padded buffer (a copy of a 26 MB NodeList costs ~15 % of its decode). 4096 is the smallest
// page size Linux uses. Sanitizers report such reads, so their builds always copy.
bool PaddingReadable(std::string_view json) {
#ifdef NBSCHED_STRICT_READS
  static_cast<void>(json);
  return false;
#else
  constexpr uintptr_t kPage = 4096;
  if (json.empty()) return false;
  const uintptr_t last = reinterpret_cast<uintptr_t>(json.data()) + json.size() - 1;
  return last % kPage + simdjson::SIMDJSON_PADDING < kPage;
#endif
}

// A large list (a 5,000-node NodeList is 26 MB) makes simdjson write, then the decoder read back,
// tens of MB of tape and strings; on 4 KiB pages that walk misses the TLB at every page. Where
// transparent huge pages are "madvise" (Debian's default), asking for them before the buffers are
// first touched saves ~3 % of such a decode. Only a hint: failure changes nothing.
constexpr size_t kHugeDocument = 4 << 20;

void AdviseHugePages(const void* begin, size_t bytes) {
#ifdef MADV_HUGEPAGE
  constexpr uintptr_t kPage = 4096;
  const uintptr_t start = (reinterpret_cast<uintptr_t>(begin) + kPage - 1) & ~(kPage - 1);
  const uintptr_t end = (reinterpret_cast<uintptr_t>(begin) + bytes) & ~(kPage - 1);
  if (end > start)
    static_cast<void>(madvise(reinterpret_cast<void*>(start), end - start, MADV_HUGEPAGE));
#else
  static_cast<void>(begin);
  static_cast<void>(bytes);
#endif
}

absl::Status ParseDocument(std::string_view json, std::string_view root, element* out) {
  simdjson::dom::parser& parser = ThreadParser();
  if (parser.max_depth() != kMaxDepth) return absl::ResourceExhaustedError("out of memory");
  // parse() would grow the document's buffers itself; growing them here first lets them be
  // advised (sizes as in simdjson's document::allocate: a tape word per byte, 5/3 bytes of
  // strings). If allocation fails here, parse() fails the same way.
  if (json.size() >= kHugeDocument && parser.doc.capacity() < json.size() &&
      parser.doc.allocate(json.size()) == SUCCESS) {
    AdviseHugePages(parser.doc.tape.get(), (json.size() + 3) * sizeof(uint64_t));
    AdviseHugePages(parser.doc.string_buf.get(), 5 * json.size() / 3);
  }
  const simdjson::error_code err =
      parser.parse(json.data(), json.size(), !PaddingReadable(json)).get(*out);
  if (err == SUCCESS) return absl::OkStatus();
  if (err == simdjson::DEPTH_ERROR)
    return absl::InvalidArgumentError("JSON nesting deeper than 64");
  if (err == simdjson::MEMALLOC) return absl::ResourceExhaustedError("out of memory");
  std::string message = root.empty() ? std::string() : std::string(root) + ": ";
  message += "invalid JSON: ";
  message += simdjson::error_message(err);
  return absl::InvalidArgumentError(message);
}

absl::Status GetStringView(element e, const Path& p, std::string_view* out) {
  if (e.is_null()) {
    *out = {};
    return absl::OkStatus();
  }
  if (e.get(*out) != SUCCESS) return PathError(p, "expected a string");
  return absl::OkStatus();
}

absl::Status GetString(element e, const Path& path, std::string* out) {
  std::string_view s;
  NBSCHED_RETURN_IF_ERROR(GetStringView(e, path, &s));
  out->assign(s);
  return absl::OkStatus();
}

absl::Status GetInt64(element e, const Path& path, int64_t* out) {
  if (e.is_null()) {
    *out = 0;
    return absl::OkStatus();
  }
  if (e.get(*out) == SUCCESS) return absl::OkStatus();
  if (e.is_uint64()) return PathError(path, "integer out of range");
  return PathError(path, "expected an integer");
}

bool EqualFold(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

absl::Status DecodePod(element e, const Path& path, Pod* pod) {
  if (!e.is_object()) return PathError(path, "expected an object");
  NBSCHED_RETURN_IF_ERROR(ForObject(e, path, [&](std::string_view k, element v, const Path& vp) {
    if (KeyIs(k, "metadata")) return GetPodMetadata(v, vp, pod);
    if (KeyIs(k, "spec")) return GetPodSpec(v, vp, pod);
    if (KeyIs(k, "status")) {
      return ForObject(v, vp, [&](std::string_view k2, element v2, const Path& vp2) {
        if (KeyIs(k2, "phase")) return GetString(v2, vp2, &pod->phase);
        return absl::OkStatus();
      });
    }
    return absl::OkStatus();
  }));
  pod->Finalize();
  return absl::OkStatus();
}

absl::Status DecodeNode(element e, const Path& path, Node* node) {
  if (!e.is_object()) return PathError(path, "expected an object");
  NBSCHED_RETURN_IF_ERROR(ForObject(e, path, [&](std::string_view k, element v, const Path& vp) {
    if (KeyIs(k, "metadata")) {
      return ForObject(v, vp, [&](std::string_view k2, element v2, const Path& vp2) {
        if (KeyIs(k2, "name")) return GetString(v2, vp2, &node->name);
        if (KeyIs(k2, "labels")) return GetLabels(v2, vp2, &node->labels);
        return absl::OkStatus();
      });
    }
    if (KeyIs(k, "spec")) return GetNodeSpec(v, vp, node);
    if (KeyIs(k, "status")) return GetNodeStatus(v, vp, node);
    return absl::OkStatus();
  }));
  node->Finalize();
  return absl::OkStatus();
}

}  // namespace internal

using internal::KeyIs;
using internal::Path;
using internal::PathError;

absl::StatusOr<Pod> DecodePodJson(std::string_view json, std::string_view path) {
  simdjson::dom::element root;
  NBSCHED_RETURN_IF_ERROR(internal::ParseDocument(json, path, &root));
  Pod pod;
  NBSCHED_RETURN_IF_ERROR(internal::DecodePod(root, Path{nullptr, path}, &pod));
  return pod;
}

absl::StatusOr<Node> DecodeNodeJson(std::string_view json, std::string_view path) {
  simdjson::dom::element root;
  NBSCHED_RETURN_IF_ERROR(internal::ParseDocument(json, path, &root));
  Node node;
  NBSCHED_RETURN_IF_ERROR(internal::DecodeNode(root, Path{nullptr, path}, &node));
  return node;
}

absl::StatusOr<ClusterObjects> DecodeList(std::string_view json) {
  simdjson::dom::element root;
  NBSCHED_RETURN_IF_ERROR(internal::ParseDocument(json, "", &root));
  simdjson::dom::object top;
  if (root.get(top) != simdjson::SUCCESS) {
    return absl::InvalidArgumentError("expected a JSON object with items (a List)");
  }
  const Path items_path{nullptr, "items"};
  // A typed list (NodeList, PodList, ...) gives the kind of items that carry none.
  std::string_view default_kind;
  simdjson::dom::element items;
  bool have_items = false;
  for (simdjson::dom::key_value_pair field : top) {
    if (KeyIs(field.key, "kind")) {
      std::string_view kind;
      if (field.value.get(kind) == simdjson::SUCCESS && kind.size() > 4 && kind != "List" &&
          kind.substr(kind.size() - 4) == "List") {
        default_kind = kind.substr(0, kind.size() - 4);
      }
    } else if (KeyIs(field.key, "items")) {
      items = field.value;
      have_items = !field.value.is_null();
    }
  }
  if (!have_items) return absl::InvalidArgumentError("items: missing (not a List)");
  simdjson::dom::array arr;
  if (items.get(arr) != simdjson::SUCCESS) return PathError(items_path, "expected an array");

  ClusterObjects out;
  out.nodes.reserve(arr.size());
  size_t i = 0;
  internal::NextItemPrefetcher prefetcher;
  for (simdjson::dom::element item : arr) {
    const Path ip = items_path.Index(i++);
    if (!item.is_object()) return PathError(ip, "expected an object");
    prefetcher.Visit(item);
    std::string_view kind = default_kind;
    simdjson::dom::element kind_value;
    if (item.at_key("kind").get(kind_value) == simdjson::SUCCESS && !kind_value.is_null()) {
      if (kind_value.get(kind) != simdjson::SUCCESS) {
        return PathError(ip.Key("kind"), "expected a string");
      }
    }
    if (kind.empty()) return PathError(ip.Key("kind"), "missing");
    if (KeyIs(kind, "Node")) {
      auto node = std::make_shared<Node>();
      NBSCHED_RETURN_IF_ERROR(internal::DecodeNode(item, ip, node.get()));
      out.nodes.push_back(std::move(node));
    } else if (KeyIs(kind, "Pod")) {
      auto pod = std::make_shared<Pod>();
      NBSCHED_RETURN_IF_ERROR(internal::DecodePod(item, ip, pod.get()));
      out.pods.push_back(std::move(pod));
    } else {
      WorkloadSelector::Kind wkind;
      if (KeyIs(kind, "Service")) {
        wkind = WorkloadSelector::Kind::kService;
      } else if (KeyIs(kind, "ReplicationController")) {
        wkind = WorkloadSelector::Kind::kReplicationController;
      } else if (KeyIs(kind, "ReplicaSet")) {
        wkind = WorkloadSelector::Kind::kReplicaSet;
      } else if (KeyIs(kind, "StatefulSet")) {
        wkind = WorkloadSelector::Kind::kStatefulSet;
      } else {
        continue;  // other kinds are not scheduling input
      }
      WorkloadSelector w;
      NBSCHED_RETURN_IF_ERROR(internal::DecodeWorkload(item, ip, wkind, &w));
      out.workloads.push_back(std::move(w));
    }
  }
  return out;
}

}  // namespace nbsched::codec
