#include "scheduler/simulate/merge.h"

#include <charconv>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "scheduler/simulate/sweep.h"

namespace nbsched::simulate {
namespace {

constexpr std::string_view kMergeUsage =
    "usage: nbsched simulate merge --out DIR SHARD_DIR...\n"
    "  writes to DIR what the unsharded run would have written, from the directories of the\n"
    "  --shard I/N runs of one sweep (each holds shard.txt), in any order\n";

struct RunLines {
  int64_t index = 0;
  std::vector<int64_t> lines;  // per file, in the manifest's file order
};

struct Manifest {
  std::filesystem::path dir;
  std::string sweep;
  ShardSpec shard;
  int64_t runs = 0;
  std::vector<std::string> files;
  std::vector<RunLines> run_lines;
};

bool ParseInt(const std::string& s, int64_t& v) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return !s.empty() && ec == std::errc() && p == s.data() + s.size() && v >= 0;
}

// Reads DIR/shard.txt; an error message on failure.
std::optional<std::string> ReadManifest(const std::filesystem::path& dir, Manifest& m) {
  m.dir = dir;
  const auto path = dir / kShardManifest;
  std::ifstream in(path);
  if (!in) return path.string() + ": missing (not the output of a --shard I/N run?)";
  std::string line;
  int line_no = 0;
  auto bad = [&](const std::string& what) {
    return path.string() + ":" + std::to_string(line_no) + ": " + what;
  };
  bool have_shard = false, have_runs = false;
  if (!std::getline(in, line) || line != kShardMagic) {
    return path.string() + ":1: not a shard manifest (want \"" + std::string(kShardMagic) + "\")";
  }
  line_no = 1;
  while (std::getline(in, line)) {
    ++line_no;
    std::istringstream fields(line);
    std::string key;
    fields >> key;
    if (key == "sweep") {
      fields >> m.sweep;
    } else if (key == "shard") {
      std::string i, n;
      fields >> i >> n;
      if (!ParseInt(i, m.shard.index) || !ParseInt(n, m.shard.count) || m.shard.count < 1 ||
          m.shard.index >= m.shard.count) {
        return bad("bad shard line");
      }
      have_shard = true;
    } else if (key == "runs") {
      std::string n;
      fields >> n;
      if (!ParseInt(n, m.runs)) return bad("bad runs line");
      have_runs = true;
    } else if (key == "file") {
      std::string f;
      fields >> f;
      if (f.empty() || f.find('/') != std::string::npos) return bad("bad file line");
      m.files.push_back(f);
    } else if (key == "run") {
      RunLines r;
      std::string v;
      fields >> v;
      if (!ParseInt(v, r.index)) return bad("bad run index");
      for (size_t f = 0; f < m.files.size(); ++f) {
        int64_t n = 0;
        if (!(fields >> v) || !ParseInt(v, n)) return bad("bad line count");
        r.lines.push_back(n);
      }
      m.run_lines.push_back(std::move(r));
    } else if (!key.empty()) {
      return bad("unknown key \"" + key + "\"");
    }
  }
  if (m.sweep.empty() || !have_shard || !have_runs || m.files.empty()) {
    return path.string() + ": incomplete (needs sweep, shard, runs and file lines)";
  }
  for (const RunLines& r : m.run_lines) {
    if (r.index >= m.runs || !InShard(m.shard, r.index)) {
      return path.string() + ": run " + std::to_string(r.index) + " does not belong to shard " +
             std::to_string(m.shard.index) + "/" + std::to_string(m.shard.count);
    }
  }
  int64_t expected = 0;
  for (int64_t i = m.shard.index; i < m.runs; i += m.shard.count) ++expected;
  if (static_cast<int64_t>(m.run_lines.size()) != expected) {
    return path.string() + ": lists " + std::to_string(m.run_lines.size()) + " runs, shard " +
           std::to_string(m.shard.index) + "/" + std::to_string(m.shard.count) + " of " +
           std::to_string(m.runs) + " has " + std::to_string(expected);
  }
  return std::nullopt;
}

int Fail(const std::string& message) {
  std::cerr << "nbsched simulate merge: " << message << "\n";
  return 1;
}

}  // namespace

int RunMerge(int argc, char** argv) {
  std::string out;
  std::vector<std::string> dirs;
  for (int i = 3; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << kMergeUsage;
      return 0;
    }
    if (arg == "--out") {
      if (i + 1 >= argc) {
        std::cerr << "nbsched simulate merge: flag --out needs a value\n" << kMergeUsage;
        return 2;
      }
      out = argv[++i];
    } else if (arg.starts_with("--out=")) {
      out = arg.substr(6);
    } else if (arg.starts_with("--")) {
      std::cerr << "nbsched simulate merge: unknown flag " << arg << "\n" << kMergeUsage;
      return 2;
    } else {
      dirs.push_back(arg);
    }
  }
  if (out.empty() || dirs.empty()) {
    std::cerr << "nbsched simulate merge: needs --out DIR and at least one SHARD_DIR\n"
              << kMergeUsage;
    return 2;
  }

  std::vector<Manifest> shards(dirs.size());
  for (size_t d = 0; d < dirs.size(); ++d) {
    if (auto err = ReadManifest(dirs[d], shards[d])) return Fail(*err);
  }
  const Manifest& first = shards[0];
  std::map<int64_t, size_t> by_index;
  for (size_t d = 0; d < shards.size(); ++d) {
    const Manifest& m = shards[d];
    if (m.sweep != first.sweep || m.runs != first.runs || m.shard.count != first.shard.count) {
      return Fail(dirs[d] + " is a shard of another sweep than " + dirs[0] + " (sweep " + m.sweep +
                  " vs " + first.sweep + ", " + std::to_string(m.runs) + " vs " +
                  std::to_string(first.runs) + " runs, " + std::to_string(m.shard.count) + " vs " +
                  std::to_string(first.shard.count) + " shards)");
    }
    if (m.files != first.files) {
      return Fail(dirs[d] + " holds other files than " + dirs[0] + " (e.g. nodes.csv)");
    }
    auto [it, fresh] = by_index.emplace(m.shard.index, d);
    if (!fresh) {
      return Fail("shard " + std::to_string(m.shard.index) + "/" + std::to_string(m.shard.count) +
                  " given twice: " + dirs[it->second] + " and " + dirs[d]);
    }
  }
  for (int64_t i = 0; i < first.shard.count; ++i) {
    if (by_index.count(i) == 0) {
      return Fail("shard " + std::to_string(i) + "/" + std::to_string(first.shard.count) +
                  " is missing");
    }
  }

  // Each file: header once, then the runs' chunks in the sweep's order.
  std::error_code ec;
  std::filesystem::create_directories(out, ec);
  if (ec) return Fail("cannot create " + out + ": " + ec.message());
  std::filesystem::remove(std::filesystem::path(out) / kShardManifest, ec);  // not a shard
  for (size_t f = 0; f < first.files.size(); ++f) {
    const std::string& file = first.files[f];
    std::vector<std::string> chunks(static_cast<size_t>(first.runs));
    std::vector<bool> filled(static_cast<size_t>(first.runs), false);
    std::string header;
    for (size_t d = 0; d < shards.size(); ++d) {
      const Manifest& m = shards[d];
      const auto path = m.dir / file;
      std::ifstream in(path, std::ios::binary);
      if (!in) return Fail(path.string() + ": missing");
      std::string line, this_header;
      if (!std::getline(in, this_header)) return Fail(path.string() + ": empty");
      if (d == 0) {
        header = this_header;
      } else if (this_header != header) {
        return Fail(path.string() + ": header differs from " + (first.dir / file).string());
      }
      for (const RunLines& r : m.run_lines) {
        std::string& chunk = chunks[static_cast<size_t>(r.index)];
        for (int64_t n = 0; n < r.lines[f]; ++n) {
          if (!std::getline(in, line)) {
            return Fail(path.string() + ": fewer rows than " + (m.dir / kShardManifest).string() +
                        " lists");
          }
          chunk += line;
          chunk += '\n';
        }
        filled[static_cast<size_t>(r.index)] = true;
      }
      if (std::getline(in, line)) {
        return Fail(path.string() + ": more rows than " + (m.dir / kShardManifest).string() +
                    " lists");
      }
    }
    for (size_t i = 0; i < filled.size(); ++i) {
      if (!filled[i]) return Fail("run " + std::to_string(i) + " is in no shard");
    }
    std::ofstream o(std::filesystem::path(out) / file, std::ios::binary);
    o << header << '\n';
    for (const std::string& c : chunks) o << c;
    if (!o) return Fail("cannot write " + (std::filesystem::path(out) / file).string());
  }
  std::fprintf(stderr, "nbsched simulate merge: %lld runs from %zu shards; wrote %s\n",
               static_cast<long long>(first.runs), shards.size(), out.c_str());
  return 0;
}

}  // namespace nbsched::simulate
