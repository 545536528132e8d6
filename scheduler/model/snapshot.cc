#include "scheduler/model/snapshot.h"

#include <algorithm>
#include <cstring>
#include <functional>
#include <unordered_map>

namespace nbsched {

namespace {

// A fast hash for short names (node names are DNS subdomains, typically 5–40 bytes): eight bytes
// at a time, multiply-xorshift mixing, a final avalanche so that both halves of the result are
// usable (the lower bits pick the slot, the upper half is the tag).
uint64_t HashName(std::string_view name) {
  constexpr uint64_t kMul = 0x9E3779B97F4A7C15ull;
  uint64_t h = name.size() * kMul;
  const char* p = name.data();
  size_t n = name.size();
  for (; n >= 8; p += 8, n -= 8) {
    uint64_t word;
    std::memcpy(&word, p, 8);
    h = (h ^ word) * kMul;
    h ^= h >> 32;
  }
  uint64_t tail = 0;
  for (size_t i = 0; i < n; ++i) tail |= uint64_t{static_cast<unsigned char>(p[i])} << (8 * i);
  h = (h ^ tail) * 0xFF51AFD7ED558CCDull;
  h ^= h >> 33;
  h *= 0xC4CEB9FE1A85EC53ull;
  h ^= h >> 33;
  return h;
}

uint32_t Tag(uint64_t hash) { return static_cast<uint32_t>(hash >> 32); }

bool SameBytes(const char* a, const char* b, size_t n) {
  if (n > 16) return std::memcmp(a, b, n) == 0;
  for (size_t i = 0; i < n; ++i) {
    if (a[i] != b[i]) return false;
  }
  return true;
}

}  // namespace

size_t NodeNameIndex::SlotOf(std::string_view name, uint64_t hash) const {
  const size_t mask = slots_.size() - 1;
  const uint32_t tag = Tag(hash);
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    const Slot& s = slots_[i];
    if (s.position == kEmpty) return i;
    if (s.tag != tag) continue;
    const std::string_view candidate = NameAt(s.position);
    if (candidate.size() == name.size() && SameBytes(candidate.data(), name.data(), name.size())) {
      return i;
    }
  }
}

void NodeNameIndex::Grow() {
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(old.empty() ? 16 : old.size() * 2, Slot{});
  const size_t mask = slots_.size() - 1;
  for (const Slot& s : old) {
    if (s.position == kEmpty) continue;
    size_t i = HashName(NameAt(s.position)) & mask;
    while (slots_[i].position != kEmpty) i = (i + 1) & mask;  // names are distinct
    slots_[i] = s;
  }
}

bool NodeNameIndex::Insert(std::string_view name, size_t position) {
  // Load factor ≤ 2/3. Offsets are 32-bit: the names of one snapshot stay far below 4 GiB
  // (a request body is capped well below that, and so is a node name, 253 characters).
  if (3 * (size_ + 1) > 2 * slots_.size()) Grow();
  const uint64_t hash = HashName(name);
  Slot& s = slots_[SlotOf(name, hash)];
  if (s.position != kEmpty) return false;
  Names& names = *names_;
  if (names.at.size() <= position) names.at.resize(position + 1, {0, 0});
  names.at[position] = {static_cast<uint32_t>(names.chars.size()),
                        static_cast<uint32_t>(name.size())};
  names.chars.append(name);
  s = {Tag(hash), static_cast<uint32_t>(position)};
  ++size_;
  return true;
}

size_t NodeNameIndex::Find(std::string_view name) const {
  if (slots_.empty()) return kNotFound;
  const Slot& s = slots_[SlotOf(name, HashName(name))];
  return s.position == kEmpty ? kNotFound : s.position;
}

void NodeNameIndex::FindAll(std::span<const std::string> names, std::vector<size_t>& out) const {
  out.assign(names.size(), kNotFound);
  if (slots_.empty()) return;
  // A slot load misses the cache (a request's other data evicts the table between requests):
  // prefetch the slot of the name kAhead positions further while probing this one.
  constexpr size_t kAhead = 8;
  const size_t mask = slots_.size() - 1;
  uint64_t hashes[kAhead];
  const size_t n = names.size();
  for (size_t i = 0; i < std::min(n, kAhead); ++i) {
    hashes[i] = HashName(names[i]);
    __builtin_prefetch(&slots_[hashes[i] & mask]);
  }
  for (size_t i = 0; i < n; ++i) {
    const uint64_t hash = hashes[i % kAhead];
    if (i + kAhead < n) {
      const uint64_t next = HashName(names[i + kAhead]);
      hashes[i % kAhead] = next;
      __builtin_prefetch(&slots_[next & mask]);
    }
    const Slot& s = slots_[SlotOf(names[i], hash)];
    if (s.position != kEmpty) out[i] = s.position;
  }
}

NodeRow NodeRow::Of(const NodeInfo& info) {
  NodeRow row;
  row.info = &info;
  row.taints = info.taints_ptr().get();
  row.label_pairs = info.label_ids().pairs().data();
  row.label_count = static_cast<uint32_t>(info.label_ids().size());
  row.flags = info.flags();
  row.pod_count = info.pod_count();
  const Resources& alloc = info.allocatable();
  row.allowed_pods = alloc.allowed_pods;
  row.allocatable = {alloc.milli_cpu, alloc.memory};
  row.allocatable_ephemeral_storage = alloc.ephemeral_storage;
  row.requested = {info.requested().milli_cpu, info.requested().memory};
  row.requested_ephemeral_storage = info.requested().ephemeral_storage;
  row.non_zero_requested = {info.non_zero_requested().milli_cpu, info.non_zero_requested().memory};
  return row;
}

uint16_t Snapshot::TaintIndexOf(const TaintSet* set) const {
  if (set == nullptr) return NodeRow::kNoTaintIndex;
  const std::vector<const TaintSet*>& sets = taint_sets_->sets;
  for (size_t i = 0; i < sets.size(); ++i) {
    if (sets[i] == set) return static_cast<uint16_t>(i);
  }
  return NodeRow::kNoTaintIndex;
}

void Snapshot::SetRow(size_t position, const NodeInfo& info) {
  NodeRow row = NodeRow::Of(info);
  row.taint_index = TaintIndexOf(row.taints);
  if (row.taints != nullptr && row.taint_index == NodeRow::kNoTaintIndex &&
      taint_sets_->sets.size() < NodeRow::kNoTaintIndex) {
    auto sets = std::make_shared<TaintSets>(*taint_sets_);
    row.taint_index = static_cast<uint16_t>(sets->sets.size());
    sets->sets.push_back(row.taints);
    sets->owners.push_back(info.taints_ptr());
    taint_sets_ = std::move(sets);
  }
  std::shared_ptr<const Chunk>& chunk = chunks_[position / kRowsPerChunk];
  auto copy = std::make_shared<Chunk>(*chunk);
  copy->rows[position % kRowsPerChunk] = row;
  chunk = std::move(copy);
}

const NodeInfo* Snapshot::Find(std::string_view name) const {
  const size_t i = index_.Find(name);
  return i == NodeNameIndex::kNotFound ? nullptr : nodes_[i].get();
}

std::shared_ptr<const NodeInfo> Snapshot::FindShared(std::string_view name) const {
  const size_t i = index_.Find(name);
  return i == NodeNameIndex::kNotFound ? nullptr : nodes_[i];
}

std::shared_ptr<const Snapshot> Snapshot::WithNodeInfo(
    std::shared_ptr<const NodeInfo> replacement) const {
  auto next = std::make_shared<Snapshot>();
  next->nodes_ = nodes_;
  next->workloads_ = workloads_;
  next->index_ = index_;  // same names at the same positions
  next->chunks_ = chunks_;
  next->taint_sets_ = taint_sets_;
  next->label_pairs_ = label_pairs_;
  const size_t position = index_.Find(replacement->name());
  if (position == NodeNameIndex::kNotFound) return next;
  const NodeInfo& old = *nodes_[position];
  next->pod_count_ = pod_count_ - old.pods().size() + replacement->pods().size();
  const auto has_affinity = [](const std::shared_ptr<const Pod>& pod) {
    return !pod->pod_affinity.empty() || !pod->pod_anti_affinity.empty();
  };
  next->pods_with_affinity_.reserve(pods_with_affinity_.size());
  for (const auto& pod : pods_with_affinity_) {
    if (pod->node_name != old.name()) next->pods_with_affinity_.push_back(pod);
  }
  for (const auto& pod : replacement->pods()) {
    if (has_affinity(pod)) next->pods_with_affinity_.push_back(pod);
  }
  next->SetRow(position, *replacement);  // labels in the NodeInfo's own array from now on
  next->nodes_[position] = std::move(replacement);
  return next;
}

SnapshotBuilder::SnapshotBuilder(const Snapshot& base) : workloads_(base.workloads_) {
  for (const auto& info : base.nodes_) {
    nodes_.push_back(info->node_ptr());
    auto& pods = pods_by_node_[info->name()];
    pods.insert(pods.end(), info->pods().begin(), info->pods().end());
  }
}

void SnapshotBuilder::AddNode(std::shared_ptr<const Node> node) {
  nodes_.push_back(std::move(node));
}

void SnapshotBuilder::ReplaceNode(std::shared_ptr<const Node> node) {
  for (auto& existing : nodes_) {
    if (existing->name == node->name) {
      existing = std::move(node);
      return;
    }
  }
  nodes_.push_back(std::move(node));
}

void SnapshotBuilder::AddPod(std::shared_ptr<const Pod> pod) {
  if (pod->node_name.empty() || !pod->IsActive()) return;
  pods_by_node_[pod->node_name].push_back(std::move(pod));
}

void SnapshotBuilder::AddWorkload(WorkloadSelector workload) {
  workloads_.push_back(std::move(workload));
}

std::shared_ptr<const Snapshot> SnapshotBuilder::Build() && {
  auto snapshot = std::make_shared<Snapshot>();
  snapshot->nodes_.reserve(nodes_.size());
  for (auto& node : nodes_) {
    if (snapshot->index_.contains(node->name)) continue;  // first one wins on duplicate names
    std::vector<std::shared_ptr<const Pod>> pods;
    if (auto it = pods_by_node_.find(node->name); it != pods_by_node_.end())
      pods = std::move(it->second);
    for (const auto& pod : pods) {
      if (!pod->pod_affinity.empty() || !pod->pod_anti_affinity.empty()) {
        snapshot->pods_with_affinity_.push_back(pod);
      }
    }
    snapshot->pod_count_ += pods.size();
    snapshot->nodes_.push_back(std::make_shared<const NodeInfo>(std::move(node), std::move(pods)));
    snapshot->index_.Insert(snapshot->nodes_.back()->name(), snapshot->nodes_.size() - 1);
  }
  snapshot->workloads_ = std::move(workloads_);
  // The node table: rows in position order, their label pairs side by side in one array, the
  // distinct TaintSets numbered.
  const auto& infos = snapshot->nodes_;
  size_t pairs = 0;
  for (const auto& info : infos) pairs += info->label_ids().size();
  auto label_pairs = std::make_shared_for_overwrite<uint64_t[]>(std::max<size_t>(pairs, 1));
  auto sets = std::make_shared<Snapshot::TaintSets>();
  std::unordered_map<const TaintSet*, uint16_t> set_index;
  size_t offset = 0;
  for (size_t begin = 0; begin < infos.size(); begin += Snapshot::kRowsPerChunk) {
    auto chunk = std::make_shared<Snapshot::Chunk>();
    const size_t end = std::min(infos.size(), begin + Snapshot::kRowsPerChunk);
    chunk->rows.reserve(Snapshot::kRowsPerChunk);
    for (size_t position = begin; position < end; ++position) {
      const NodeInfo& info = *infos[position];
      NodeRow row = NodeRow::Of(info);
      const std::span<const uint64_t> labels = info.label_ids().pairs();
      std::copy(labels.begin(), labels.end(), label_pairs.get() + offset);
      row.label_pairs = label_pairs.get() + offset;
      offset += labels.size();
      if (row.taints != nullptr) {
        auto [it, inserted] =
            set_index.try_emplace(row.taints, static_cast<uint16_t>(sets->sets.size()));
        if (inserted) {
          if (sets->sets.size() < NodeRow::kNoTaintIndex) {
            sets->sets.push_back(row.taints);
            sets->owners.push_back(info.taints_ptr());
          } else {
            it->second = NodeRow::kNoTaintIndex;  // more distinct sets than indexes
          }
        }
        row.taint_index = it->second;
      }
      chunk->rows.push_back(row);
    }
    snapshot->chunks_.push_back(std::move(chunk));
  }
  snapshot->label_pairs_ = std::move(label_pairs);
  snapshot->taint_sets_ = std::move(sets);
  return snapshot;
}

}  // namespace nbsched
