// libFuzzer target: one API-server watch event line and one list page; the first byte picks the
// kind.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "scheduler/codec/watch_json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (text.empty()) return 0;
  const auto kind = static_cast<nbsched::codec::ObjectKind>(static_cast<uint8_t>(text[0]) % 6);
  text.remove_prefix(1);
  (void)nbsched::codec::DecodeWatchEvent(text, kind);
  (void)nbsched::codec::DecodeListPage(text, kind);
  (void)nbsched::codec::StatusMessage(text);
  return 0;
}
