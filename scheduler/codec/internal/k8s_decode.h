#pragma once

/// simdjson-element level decoders shared by k8s_json.cc and extender_codec.cc (this folder only).
/// A JSON path is a chain of stack frames, rendered only when an error is reported, so decoding a
/// valid document never builds path strings.

#include <simdjson.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "scheduler/model/node.h"
#include "scheduler/model/pod.h"

// Returns early with the status of `expr` when it is not OK.
#define NBSCHED_RETURN_IF_ERROR(expr)                  \
  do {                                                 \
    absl::Status nbsched_status_ = (expr);             \
    if (!nbsched_status_.ok()) return nbsched_status_; \
  } while (false)

namespace nbsched::codec::internal {

/// One step of a JSON path: a key (`.key`, or the root name when there is no parent) or an index.
struct Path {
  const Path* parent = nullptr;
  std::string_view key;
  int64_t index = -1;

  Path Key(std::string_view k) const { return Path{this, k, -1}; }
  Path Index(size_t i) const { return Path{this, {}, static_cast<int64_t>(i)}; }
  std::string ToString() const;
};

/// InvalidArgument "<path>: <message>".
absl::Status PathError(const Path& path, std::string_view message);

/// The thread's parser, limited to 64 nesting levels.
simdjson::dom::parser& ThreadParser();
/// Parses `json` with the thread's parser; errors are InvalidArgument ("<root>: invalid JSON: ...",
/// "JSON nesting deeper than 64"). The element lives until the thread's next parse.
absl::Status ParseDocument(std::string_view json, std::string_view root,
                           simdjson::dom::element* out);
/// Whether the SIMDJSON_PADDING bytes past `json`'s end lie in the page of its last byte (so
/// simdjson may read them without a padded copy). Always false in sanitizer builds.
bool PaddingReadable(std::string_view json);

absl::Status DecodePod(simdjson::dom::element e, const Path& path, Pod* pod);     // Finalize()s
absl::Status DecodeNode(simdjson::dom::element e, const Path& path, Node* node);  // Finalize()s

/// null → "" ; string → copied; anything else → "expected a string".
absl::Status GetString(simdjson::dom::element e, const Path& path, std::string* out);
/// null → 0; an integer in int64 range, else "expected an integer".
absl::Status GetInt64(simdjson::dom::element e, const Path& path, int64_t* out);

/// ASCII case-insensitive equality (Go's encoding/json key folding, minus K/S specials).
bool EqualFold(std::string_view a, std::string_view b);

/// null → {} ; a string → a view into the parser's buffer.
absl::Status GetStringView(simdjson::dom::element e, const Path& path, std::string_view* out);

// Calls f(key, value, path-of-value) for each member; null is an empty object.
template <typename F>
absl::Status ForObject(simdjson::dom::element e, const Path& p, F&& f) {
  if (e.is_null()) return absl::OkStatus();
  simdjson::dom::object obj;
  if (e.get(obj) != simdjson::SUCCESS) return PathError(p, "expected an object");
  for (simdjson::dom::key_value_pair field : obj) {
    const Path kp = p.Key(field.key);
    NBSCHED_RETURN_IF_ERROR(f(field.key, field.value, kp));
  }
  return absl::OkStatus();
}

// Calls f(value, path-of-value) for each element; null is an empty array.
template <typename F>
absl::Status ForArray(simdjson::dom::element e, const Path& p, F&& f) {
  if (e.is_null()) return absl::OkStatus();
  simdjson::dom::array arr;
  if (e.get(arr) != simdjson::SUCCESS) return PathError(p, "expected an array");
  size_t i = 0;
  for (simdjson::dom::element item : arr) {
    const Path ip = p.Index(i++);
    NBSCHED_RETURN_IF_ERROR(f(item, ip));
  }
  return absl::OkStatus();
}

}  // namespace nbsched::codec::internal
