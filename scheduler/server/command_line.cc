#include "scheduler/server/command_line.h"

#include <boost/program_options/errors.hpp>
#include <boost/program_options/parsers.hpp>
#include <boost/program_options/positional_options.hpp>
#include <boost/program_options/value_semantic.hpp>
#include <string_view>
#include <utility>

#include "absl/status/status.h"

namespace nbsched::server {
namespace {

namespace po = boost::program_options;
using Strings = std::vector<std::string>;

constexpr const char* kPositional = "nbsched-positional-arguments";

}  // namespace

FlagSet& FlagSet::Value(const std::string& name) {
  // Every value flag collects its values, so a repeated flag is not an error: the last one wins.
  flags_.add_options()(name.c_str(), po::value<Strings>());
  return *this;
}

FlagSet& FlagSet::Boolean(const std::string& name) {
  flags_.add_options()(name.c_str(), po::value<Strings>()->zero_tokens());
  return *this;
}

std::optional<std::string> FlagSet::Parsed::Get(const std::string& name) const {
  const auto it = values.find(name);
  if (it == values.end()) return std::nullopt;
  const auto& all = it->second.as<Strings>();
  if (all.empty()) return std::string();
  return all.back();
}

absl::StatusOr<FlagSet::Parsed> FlagSet::Parse(int argc, const char* const* argv, int first) const {
  po::options_description all;
  all.add(flags_);
  all.add_options()("help", po::value<Strings>()->zero_tokens())(kPositional, po::value<Strings>());
  po::positional_options_description positional;
  positional.add(kPositional, -1);
  Strings args;
  for (int i = first; i < argc; ++i) args.emplace_back(argv[i]);
  // Long options only, as --name VALUE or --name=VALUE; no guessing of abbreviations (a typo
  // must not pick another flag), so "-1" stays a value and "-h" a positional handled below.
  const int style = po::command_line_style::allow_long |
                    po::command_line_style::long_allow_adjacent |
                    po::command_line_style::long_allow_next;
  Parsed parsed;
  try {
    po::store(po::command_line_parser(args).options(all).positional(positional).style(style).run(),
              parsed.values);
  } catch (const po::unknown_option& e) {
    return absl::InvalidArgumentError("unknown flag " + e.get_option_name());
  } catch (const po::invalid_command_line_syntax& e) {
    const std::string flag = e.get_option_name();
    switch (e.kind()) {
      case po::invalid_syntax::missing_parameter:
      case po::invalid_syntax::empty_adjacent_parameter:
        return absl::InvalidArgumentError("flag " + flag + " needs a value");
      case po::invalid_syntax::extra_parameter:
        return absl::InvalidArgumentError("flag " + flag + " takes no value");
      default:
        return absl::InvalidArgumentError(e.what());
    }
  } catch (const po::error& e) {
    return absl::InvalidArgumentError(e.what());
  }
  parsed.help = parsed.values.count("help") > 0;
  parsed.values.erase("help");
  if (auto it = parsed.values.find(kPositional); it != parsed.values.end()) {
    for (const std::string& arg : it->second.as<Strings>()) {
      if (arg == "-h") {
        parsed.help = true;
      } else {
        parsed.positional.push_back(arg);
      }
    }
    parsed.values.erase(it);
  }
  return parsed;
}

absl::StatusOr<int64_t> FlagPositive(const std::string& flag, const std::string& text) {
  try {
    size_t used = 0;
    const long long v = std::stoll(text, &used);
    if (used == text.size() && v > 0) return v;
  } catch (const std::exception&) {
  }
  return absl::InvalidArgumentError("flag --" + flag + " needs a positive integer (got \"" + text +
                                    "\")");
}

absl::StatusOr<std::chrono::milliseconds> FlagDuration(const std::string& flag,
                                                       const std::string& text) {
  std::string number = text;
  int64_t unit_ms = 1000;
  for (const auto& [suffix, ms] :
       {std::pair<std::string_view, int64_t>{"ms", 1}, {"s", 1000}, {"m", 60000}}) {
    if (text.size() > suffix.size() && text.ends_with(suffix)) {
      number = text.substr(0, text.size() - suffix.size());
      unit_ms = ms;
      break;
    }
  }
  try {
    size_t used = 0;
    const long long n = std::stoll(number, &used);
    if (used == number.size() && n > 0 && n <= (int64_t{1} << 40)) {
      return std::chrono::milliseconds(n * unit_ms);
    }
  } catch (const std::exception&) {
  }
  return absl::InvalidArgumentError(
      "flag --" + flag + " needs a positive duration such as 10s or 500ms (got \"" + text + "\")");
}

absl::StatusOr<HostPort> FlagHostPort(const std::string& flag, const std::string& text) {
  const auto bad = [&] {
    return absl::InvalidArgumentError("flag --" + flag + " needs HOST:PORT (got \"" + text + "\")");
  };
  const auto colon = text.rfind(':');
  if (colon == std::string::npos) return bad();
  HostPort out;
  out.host = text.substr(0, colon);
  if (out.host.size() >= 2 && out.host.front() == '[' && out.host.back() == ']') {
    out.host = out.host.substr(1, out.host.size() - 2);
  }
  try {
    size_t used = 0;
    const int p = std::stoi(text.substr(colon + 1), &used);
    if (used != text.size() - colon - 1 || p < 0 || p > 65535) return bad();
    out.port = static_cast<uint16_t>(p);
  } catch (const std::exception&) {
    return bad();
  }
  if (out.host.empty()) return bad();
  return out;
}

}  // namespace nbsched::server
