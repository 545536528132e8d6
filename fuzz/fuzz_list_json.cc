// libFuzzer target: the cluster List decoder behind --snapshot (codec::DecodeList).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "scheduler/codec/k8s_json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)nbsched::codec::DecodeList(text);
  return 0;
}
