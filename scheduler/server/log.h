#pragma once

/// Structured logs: one JSON object per line on stderr, `{"ts": ..., "level": ..., "msg": ...,
/// <fields>}`. Thread-safe (one write per line).

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace nbsched::server {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

/// Parses debug|info|warn|error.
bool ParseLogLevel(std::string_view text, LogLevel& out);
void SetLogLevel(LogLevel level);
bool LogEnabled(LogLevel level);

using LogValue = std::variant<std::string, int64_t, double, bool>;
using LogFields = std::vector<std::pair<std::string, LogValue>>;

void Log(LogLevel level, std::string_view message, const LogFields& fields = {});

}  // namespace nbsched::server
