#include "predicates/no_disk_conflict.h"

#include <algorithm>
#include <string>

namespace nbsched::predicates {
namespace {

constexpr std::string_view kReason = "node(s) had no available disk";

bool ShareMonitor(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  return std::any_of(a.begin(), a.end(), [&](const std::string& m) {
    return std::find(b.begin(), b.end(), m) != b.end();
  });
}

// Upstream isVolumeConflict (1.13 predicates.go, v1.32 volumerestrictions).
bool IsConflict(const Volume& v, const Volume& existing) {
  if (v.kind != existing.kind) return false;
  const bool both_read_only = v.read_only && existing.read_only;
  switch (v.kind) {
    case Volume::Kind::kGcePersistentDisk:
    case Volume::Kind::kIscsi:
      return v.id == existing.id && !both_read_only;
    case Volume::Kind::kAwsElasticBlockStore:
      return v.id == existing.id;  // EBS attaches to one instance, read-only or not
    case Volume::Kind::kRbd:
      return v.rbd_pool == existing.rbd_pool && v.id == existing.id && !both_read_only &&
             ShareMonitor(v.rbd_monitors, existing.rbd_monitors);
    case Volume::Kind::kOther:
      return false;
  }
  return false;
}

bool MayConflict(const Volume& v) { return v.kind != Volume::Kind::kOther; }

}  // namespace

bool NoDiskConflict::Skip(const CycleState&, const Pod& pod) const {
  return std::none_of(pod.volumes.begin(), pod.volumes.end(), MayConflict);
}

Status NoDiskConflict::Filter(const CycleState&, const Pod& pod, const NodeInfo& node) const {
  for (const Volume& v : pod.volumes) {
    if (!MayConflict(v)) continue;
    for (const auto& existing_pod : node.pods()) {
      for (const Volume& existing : existing_pod->volumes) {
        if (IsConflict(v, existing)) {
          static const Status kFailure = Status::Unschedulable({std::string(kReason)});
          return kFailure;
        }
      }
    }
  }
  return Status::Success();
}

}  // namespace nbsched::predicates
