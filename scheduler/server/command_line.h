#pragma once

/// Command-line parsing shared by nbsched's sub-commands (interfaces.md §2), on
/// Boost.Program_options: `--name VALUE` and `--name=VALUE`, no abbreviations, no short options
/// but `-h`; a value flag given twice keeps its last value. Errors are one line naming the flag
/// ("unknown flag --x", "flag --x needs a value", "flag --x takes no value"), returned as
/// InvalidArgument for the caller to print and exit 2 with. Thread-compatible.

#include <boost/program_options/options_description.hpp>
#include <boost/program_options/variables_map.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace nbsched::server {

class FlagSet {
 public:
  /// A flag taking a value (`--name VALUE`).
  FlagSet& Value(const std::string& name);
  /// A flag taking none (`--name`); `--name=x` is an error.
  FlagSet& Boolean(const std::string& name);

  struct Parsed {
    bool help = false;                    // --help or -h was given
    std::vector<std::string> positional;  // arguments that are not flags, in order
    boost::program_options::variables_map values;

    bool Has(const std::string& name) const { return values.count(name) > 0; }
    /// The flag's last value, if given.
    std::optional<std::string> Get(const std::string& name) const;
  };

  /// Parses argv[first..argc).
  [[nodiscard]] absl::StatusOr<Parsed> Parse(int argc, const char* const* argv, int first) const;

 private:
  boost::program_options::options_description flags_;
};

/// Value checks; the error names the flag, e.g.
/// `flag --threads needs a positive integer (got "x")`.
[[nodiscard]] absl::StatusOr<int64_t> FlagPositive(const std::string& flag,
                                                   const std::string& text);
/// A duration N (seconds), Nms, Ns or Nm; positive.
[[nodiscard]] absl::StatusOr<std::chrono::milliseconds> FlagDuration(const std::string& flag,
                                                                     const std::string& text);
struct HostPort {
  std::string host;  // brackets of an IPv6 literal removed
  uint16_t port = 0;
};
/// HOST:PORT, port 0..65535.
[[nodiscard]] absl::StatusOr<HostPort> FlagHostPort(const std::string& flag,
                                                    const std::string& text);

}  // namespace nbsched::server
