// libFuzzer target: ExtenderBindingArgs (/bind), both casings.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "scheduler/codec/extender_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)nbsched::codec::DecodeBindingArgs(text);
  return 0;
}
