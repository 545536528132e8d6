// libFuzzer target: the Kubernetes quantity parser (scheduler/model/quantity.h).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "scheduler/model/quantity.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto q = nbsched::Quantity::Parse(text);
  if (q.ok()) {
    // Whatever parses must also print and round-trip without trouble.
    auto again = nbsched::Quantity::Parse(q->ToString());
    if (!again.ok() || !(*again == *q)) __builtin_trap();
  }
  return 0;
}
