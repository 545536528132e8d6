#include "predicates/pod_fits_resources.h"

#include <array>
#include <iterator>
#include <string>
#include <vector>

#include "scheduler/model/gpu.h"

namespace nbsched::predicates {
namespace {

// Upstream strings, verbatim: kube-scheduler shows them to users, and tests compare them.
constexpr std::string_view kTooManyPods = "Too many pods";
constexpr std::string_view kInsufficientCpu = "Insufficient cpu";
constexpr std::string_view kInsufficientMemory = "Insufficient memory";
constexpr std::string_view kInsufficientEphemeralStorage = "Insufficient ephemeral-storage";
constexpr std::string_view kInsufficientPrefix = "Insufficient ";

bool NoRequest(const Resources& want) {
  return want.milli_cpu == 0 && want.memory == 0 && want.ephemeral_storage == 0 &&
         want.scalars.empty();
}

// The four native checks, in reason order: bit i set means kNativeReasons[i] applies.
constexpr std::string_view kNativeReasons[] = {kTooManyPods, kInsufficientCpu, kInsufficientMemory,
                                               kInsufficientEphemeralStorage};

unsigned NativeShortage(const Pod& pod, const NodeInfo& node) {
  const Resources& want = pod.request;
  const Resources& alloc = node.allocatable();
  const Resources& used = node.requested();
  unsigned mask = 0;
  if (node.pod_count() + 1 > alloc.allowed_pods) mask |= 1u;
  // The `> 0` guards (current form): a resource the pod does not ask for is not checked, even
  // when the node is already over-committed in it (so a request-less pod needs only a pod slot).
  if (want.milli_cpu > 0 && want.milli_cpu > alloc.milli_cpu - used.milli_cpu) mask |= 2u;
  if (want.memory > 0 && want.memory > alloc.memory - used.memory) mask |= 4u;
  if (want.ephemeral_storage > 0 &&
      want.ephemeral_storage > alloc.ephemeral_storage - used.ephemeral_storage) {
    mask |= 8u;
  }
  return mask;
}

// Appends to `reasons` only when `reasons` is non-null; returns whether anything is missing.
// Called first without a vector so that the common (fitting) case allocates nothing.
bool Insufficient(const Pod& pod, const NodeInfo& node, std::vector<std::string>* reasons) {
  const Resources& want = pod.request;
  const unsigned native = NativeShortage(pod, node);
  bool short_of_something = native != 0;
  if (reasons != nullptr) {
    for (unsigned bit = 0; bit < std::size(kNativeReasons); ++bit) {
      if (native & (1u << bit)) reasons->emplace_back(kNativeReasons[bit]);
    }
  }
  if (NoRequest(want)) return short_of_something;
  const Resources& alloc = node.allocatable();
  const Resources& used = node.requested();
  // Scalars iterate in name order (upstream's map order is random; nbsched sorts). A resource
  // missing from allocatable counts as 0.
  bool gpu_reported = false;
  for (const auto& [name, amount] : want.scalars) {
    if (amount <= 0 || amount <= alloc.scalars.Get(name) - used.scalars.Get(name)) continue;
    short_of_something = true;
    gpu_reported |= name == kResourceNvidiaGpu || name == kResourceGpuMilli;
    if (reasons != nullptr) reasons->push_back(std::string(kInsufficientPrefix) + name);
  }
  // Per-GPU fit (interfaces.md §9): whole GPUs must be fully free, a share must fit inside one
  // GPU. Counting alone misses both once GPUs are shared.
  const GpuDemand demand = PodGpuDemand(pod);
  if (!gpu_reported && !demand.none() && !node.gpus().Fits(demand)) {
    short_of_something = true;
    if (reasons != nullptr) {
      reasons->push_back(std::string(kInsufficientPrefix) +
                         std::string(demand.shared() ? kResourceGpuMilli : kResourceNvidiaGpu));
    }
  }
  return short_of_something;
}

// The reasons when only pods/cpu/memory/ephemeral-storage are short (the common failures), one
// shared Status per NativeShortage mask.
const Status& NativeFailure(unsigned mask) {
  static const std::array<Status, 16> kTable = [] {
    std::array<Status, 16> table;
    for (unsigned m = 1; m < table.size(); ++m) {
      std::vector<std::string> reasons;
      for (unsigned bit = 0; bit < std::size(kNativeReasons); ++bit) {
        if (m & (1u << bit)) reasons.emplace_back(kNativeReasons[bit]);
      }
      table[m] = Status::Unschedulable(std::move(reasons));
    }
    return table;
  }();
  return kTable[mask & 15u];
}

// A pod whose only scalar request is whole nvidia.com/gpu (a GPU notebook): its reasons are
// the native ones, then at most `Insufficient nvidia.com/gpu` (Insufficient's order), so a
// failure is one of 32 shared Statuses, not a vector allocated per rejected node.
bool OnlyWholeGpus(const Pod& pod) {
  const ScalarResources& scalars = pod.request.scalars;
  if (scalars.empty() || std::next(scalars.begin()) != scalars.end()) return false;
  return scalars.begin()->first == kResourceNvidiaGpu && !PodGpuDemand(pod).shared();
}

const Status& NativeOrGpuFailure(unsigned native, bool gpu_short) {
  static const std::array<Status, 32> kTable = [] {
    std::array<Status, 32> table;
    for (unsigned m = 1; m < table.size(); ++m) {
      std::vector<std::string> reasons;
      for (unsigned bit = 0; bit < std::size(kNativeReasons); ++bit) {
        if (m & (1u << bit)) reasons.emplace_back(kNativeReasons[bit]);
      }
      if (m & 16u)
        reasons.push_back(std::string(kInsufficientPrefix) + std::string(kResourceNvidiaGpu));
      table[m] = Status::Unschedulable(std::move(reasons));
    }
    return table;
  }();
  return kTable[(native & 15u) | (gpu_short ? 16u : 0u)];
}

}  // namespace

namespace {

// The pod's facts every node's check reads, computed once per request (PreFilter).
struct PodFit {
  GpuDemand demand;
  bool only_whole_gpus = false;
};

PodFit PodFitOf(const Pod& pod) { return {PodGpuDemand(pod), OnlyWholeGpus(pod)}; }

// OnlyWholeGpus pods: the native shortages, then at most the GPU one (Insufficient's order).
Status WholeGpuFit(const Pod& pod, const GpuDemand& demand, const NodeInfo& node) {
  const int64_t want = pod.request.scalars.begin()->second;
  const Resources& alloc = node.allocatable();
  const Resources& used = node.requested();
  // As Insufficient: the count first; the per-GPU fit only when the count did not report.
  const bool counted_short = want > 0 && want > alloc.scalars.Get(kResourceNvidiaGpu) -
                                                    used.scalars.Get(kResourceNvidiaGpu);
  const bool gpu_short = counted_short || (!demand.none() && !node.gpus().Fits(demand));
  const unsigned native = NativeShortage(pod, node);
  if (native == 0 && !gpu_short) return Status::Success();
  return NativeOrGpuFailure(native, gpu_short);
}

}  // namespace

void PodFitsResources::PreFilter(CycleState& state, const Pod& pod, const Snapshot&) const {
  state.Write(kName, PodFitOf(pod));
}

Status PodFitsResources::Filter(const CycleState& state, const Pod& pod,
                                const NodeInfo& node) const {
  // A pod without scalar requests (most notebooks) asks for no GPU: nothing to read.
  const PodFit* prepared = pod.request.scalars.empty() ? nullptr : state.Read<PodFit>(kName);
  const PodFit fit = prepared != nullptr ? *prepared : PodFitOf(pod);
  if (fit.only_whole_gpus) return WholeGpuFit(pod, fit.demand, node);
  if (!Insufficient(pod, node, nullptr)) return Status::Success();
  // Pods without scalar or GPU requests can only be short of the four native resources.
  if (pod.request.scalars.empty() && fit.demand.none()) {
    return NativeFailure(NativeShortage(pod, node));
  }
  std::vector<std::string> reasons;  // every reason, not just the first, as upstream
  static_cast<void>(Insufficient(pod, node, &reasons));
  return Status::Unschedulable(std::move(reasons));
}

Status PodFitsResources::FilterRow(const CycleState& state, const Pod& pod,
                                   const NodeRow& row) const {
  // Without scalar requests there is no GPU demand either (PodGpuDemand reads the scalars): the
  // four native checks are the whole answer, as in Filter's NativeFailure path.
  if (!pod.request.scalars.empty()) return Filter(state, pod, *row.info);
  const Resources& want = pod.request;
  unsigned mask = 0;
  if (row.pod_count + 1 > row.allowed_pods) mask |= 1u;
  if (want.milli_cpu > 0 && want.milli_cpu > row.allocatable.milli_cpu - row.requested.milli_cpu) {
    mask |= 2u;
  }
  if (want.memory > 0 && want.memory > row.allocatable.memory - row.requested.memory) mask |= 4u;
  if (want.ephemeral_storage > 0 && want.ephemeral_storage > row.allocatable_ephemeral_storage -
                                                                 row.requested_ephemeral_storage) {
    mask |= 8u;
  }
  if (mask == 0) return Status::Success();
  return NativeFailure(mask);
}

}  // namespace nbsched::predicates
