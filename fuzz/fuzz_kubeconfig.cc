// libFuzzer target: the kubeconfig loader (state::LoadKubeconfig), which reads a file: each input
// is written to one file in a private temporary folder first. Relative certificate paths in the
// input resolve inside that folder (empty, so they fail cleanly).
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "scheduler/state/kube_client.h"

namespace {

const std::string& ConfigPath() {
  static const std::string path = [] {
    char tmpl[] = "/tmp/nbsched-fuzz-kubeconfig-XXXXXX";
    const char* dir = ::mkdtemp(tmpl);
    if (dir == nullptr) std::abort();
    return std::string(dir) + "/config";
  }();
  return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string& path = ConfigPath();
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) std::abort();
  if (size > 0 && std::fwrite(data, 1, size, f) != size) std::abort();
  std::fclose(f);
  (void)nbsched::state::LoadKubeconfig(path);
  (void)nbsched::state::LoadKubeconfig(path, "other");
  return 0;
}
