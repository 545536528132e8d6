#pragma once

/// Small text helpers shared across layers: JSON string literals (as Go's encoding/json writes
/// them: control characters escaped, invalid UTF-8 replaced by U+FFFD byte by byte), string
/// concatenation and splitting (Debian's abseil takes only absl::string_view). Pure functions.

#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace nbsched {

/// Appends `s` as a quoted JSON string literal.
void AppendJsonString(std::string* out, std::string_view s);
/// Appends the inside of that literal (no quotes), e.g. to write one string in pieces.
void AppendJsonEscaped(std::string* out, std::string_view s);
/// True when AppendJsonEscaped writes `s` unchanged (printable ASCII, no quote or backslash):
/// every valid Kubernetes object name. Lets encoders copy such strings without escaping.
bool IsPlainJson(std::string_view s);
inline std::string JsonString(std::string_view s) {
  std::string out;
  AppendJsonString(&out, s);
  return out;
}

/// Concatenates strings and numbers.
template <typename... T>
std::string Cat(const T&... parts) {
  std::ostringstream out;
  (out << ... << parts);
  return out.str();
}

/// Splits on `sep`, keeping empty pieces.
std::vector<std::string_view> Split(std::string_view text, char sep);

}  // namespace nbsched
