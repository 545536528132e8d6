// libFuzzer target: ExtenderPreemptionArgs (/preempt), both casings, full and meta victims;
// the decoded victims are encoded back as the reply would be.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "scheduler/codec/extender_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto args = nbsched::codec::DecodePreemptionArgs(text);
  if (args.ok()) (void)nbsched::codec::EncodePreemptionResult(args->node_to_victims);
  return 0;
}
