#include "scheduler/framework/policy.h"

#include <sstream>

namespace nbsched::framework {

int64_t Policy::WeightSum() const {
  int64_t sum = 0;
  for (const WeightedScorer& s : scorers) sum += s.weight;
  return sum;
}

std::string Policy::ToYaml() const {
  std::ostringstream out;
  out << "predicates:\n";
  for (const auto& f : filters) out << "  - " << f->Name() << "\n";
  out << "priorities:";
  if (scorers.empty()) out << " []";
  out << "\n";
  for (const WeightedScorer& s : scorers) {
    out << "  - {name: " << s.plugin->Name() << ", weight: " << s.weight;
    if (!s.args.empty()) {
      out << ", args: {";
      bool first = true;
      for (const auto& [key, values] : s.args) {
        out << (first ? "" : ", ") << key << ": ";
        first = false;
        if (values.size() == 1) {
          out << values[0];
        } else {
          out << "[";
          for (size_t i = 0; i < values.size(); ++i) out << (i ? ", " : "") << values[i];
          out << "]";
        }
      }
      out << "}";
    }
    out << "}\n";
  }
  out << "selection: " << (selection == Selection::kBestInFilter ? "best-in-filter" : "score")
      << "\n";
  out << "tieBreak: {seed: " << tie_break_seed << "}\n";
  return out.str();
}

uint64_t TieBreakRank(uint64_t seed, std::string_view node_name) {
  uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a 64
  for (unsigned char c : node_name) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  uint64_t z = h + seed * 0x9e3779b97f4a7c15ULL + 0x9e3779b97f4a7c15ULL;  // SplitMix64 finaliser
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

bool PolicyUsesUsage(const Policy& policy) {
  for (const WeightedScorer& s : policy.scorers) {
    if (s.plugin != nullptr && s.plugin->UsesUsage()) return true;
  }
  return false;
}

}  // namespace nbsched::framework
