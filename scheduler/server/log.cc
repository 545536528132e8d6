#include "scheduler/server/log.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>

namespace nbsched::server {
namespace {
std::atomic<int> g_level{static_cast<int>(LogLevel::kInfo)};
constexpr const char* kNames[] = {"debug", "info", "warn", "error"};
}  // namespace

bool ParseLogLevel(std::string_view text, LogLevel& out) {
  for (int i = 0; i < 4; ++i) {
    if (text == kNames[i]) {
      out = static_cast<LogLevel>(i);
      return true;
    }
  }
  return false;
}

void SetLogLevel(LogLevel level) { g_level = static_cast<int>(level); }
bool LogEnabled(LogLevel level) { return static_cast<int>(level) >= g_level.load(); }

void Log(LogLevel level, std::string_view message, const LogFields& fields) {
  if (!LogEnabled(level)) return;
  nlohmann::json line;
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  line["ts"] = std::chrono::duration<double>(now).count();
  line["level"] = kNames[static_cast<int>(level)];
  line["msg"] = std::string(message);
  for (const auto& [key, value] : fields) {
    std::visit([&](const auto& v) { line[key] = v; }, value);
  }
  const std::string text =
      line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  std::fwrite(text.data(), 1, text.size(), stderr);
}

}  // namespace nbsched::server
