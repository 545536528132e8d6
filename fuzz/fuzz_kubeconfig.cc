// libFuzzer target: the kubeconfig parser (state::ParseKubeconfig) on the input bytes, in memory.
// Relative certificate paths resolve inside a folder that does not exist, so they fail cleanly;
// absolute ones are read only when they name a regular file, and at most 1 MiB of it (a FIFO,
// /dev/zero or a /proc entry that blocks cannot hang a run).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "scheduler/state/kube_client.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string kBaseDir = "/nonexistent/nbsched-fuzz-kubeconfig";
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)nbsched::state::ParseKubeconfig(text, kBaseDir);
  (void)nbsched::state::ParseKubeconfig(text, kBaseDir, "other");
  return 0;
}
