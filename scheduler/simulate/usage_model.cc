#include "scheduler/simulate/usage_model.h"

#include <algorithm>
#include <memory>

#include "absl/status/status.h"
#include "scheduler/simulate/replay.h"

namespace nbsched::simulate {
namespace {

constexpr int64_t kMiB = 1024 * 1024;

uint64_t Fnv1a(std::string_view s) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

// Uniform in [lo, hi] thousandths.
int64_t Thousandths(Rng& rng, int64_t lo, int64_t hi) {
  return lo + static_cast<int64_t>(rng.Uniform(static_cast<uint64_t>(hi - lo + 1)));
}

// value · t / 1000 without overflow for t ≤ 1000.
int64_t Part(int64_t value, int64_t t) { return value / 1000 * t + value % 1000 * t / 1000; }

}  // namespace

absl::StatusOr<UsageModel> ParseUsageModel(std::string_view text) {
  if (text == "none") return UsageModel::kNone;
  if (text == "notebook") return UsageModel::kNotebook;
  return absl::InvalidArgumentError("--usage-model must be none or notebook (got \"" +
                                    std::string(text) + "\")");
}

CpuMemory NotebookUsage(const Pod& pod, uint64_t seed) {
  Rng rng(seed ^ (Fnv1a(pod.Key()) * 0x9e3779b97f4a7c15ULL));
  const int64_t state = static_cast<int64_t>(rng.Uniform(1000));
  const int64_t cpu_limit = pod.limits.milli_cpu;
  const int64_t mem_request = pod.request.memory;
  const int64_t mem_limit = std::max(pod.limits.memory, mem_request);
  CpuMemory bytes;
  if (state < 700) {  // idle: a kernel waiting for its user
    bytes.milli_cpu = Part(cpu_limit, Thousandths(rng, 5, 30));
    bytes.memory = Part(mem_request, Thousandths(rng, 150, 400));
  } else if (state < 900) {  // active: editing, small cells
    bytes.milli_cpu = Part(cpu_limit, Thousandths(rng, 100, 400));
    bytes.memory = Part(mem_request, Thousandths(rng, 400, 1000));
  } else {  // busy: a training loop or a big dataframe, up to the limits
    bytes.milli_cpu = Part(cpu_limit, Thousandths(rng, 700, 1000));
    bytes.memory = mem_request + Part(mem_limit - mem_request, Thousandths(rng, 0, 1000));
  }
  return {bytes.milli_cpu, bytes.memory / kMiB};
}

absl::StatusOr<std::vector<SimPod>> ApplyUsageModel(std::vector<SimPod> pods, UsageModel model,
                                                    uint64_t seed) {
  for (SimPod& sp : pods) {
    const Pod& pod = *sp.pod;
    if (pod.usage_annotation_invalid) {
      return absl::InvalidArgumentError(
          "pod " + pod.Key() + ": annotation " + std::string(kUsageCpuAnnotation) + " / " +
          std::string(kUsageMemoryAnnotation) + " must be a non-negative integer");
    }
    if (model == UsageModel::kNone || pod.usage_annotated == 3) continue;
    const CpuMemory drawn = NotebookUsage(pod, seed);
    Pod copy = pod;
    if ((pod.usage_annotated & 1) == 0) {
      copy.annotations[std::string(kUsageCpuAnnotation)] = std::to_string(drawn.milli_cpu);
    }
    if ((pod.usage_annotated & 2) == 0) {
      copy.annotations[std::string(kUsageMemoryAnnotation)] = std::to_string(drawn.memory);
    }
    copy.Finalize();
    sp.pod = std::make_shared<const Pod>(std::move(copy));
  }
  return pods;
}

}  // namespace nbsched::simulate
