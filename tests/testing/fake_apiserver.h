#pragma once

/// Runs tests/testing/fake_apiserver.py (a fake Kubernetes API server, Python stdlib) for the
/// live-cluster tests and benchmark, and drives it through its plain-HTTP control port. The
/// script path and the python3 interpreter come from the build (NBSCHED_FAKE_APISERVER,
/// NBSCHED_PYTHON3). Every wait has a deadline; nothing sleeps. Not thread-safe.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tests/testing/http_client.h"
#include "tests/testing/subprocess.h"

namespace nbsched::testing {

class FakeApiServer {
 public:
  /// Starts the server with extra arguments (--token T, --tls-cert F --tls-key F, --client-ca F,
  /// --nodes N --pods M). ok() is false when it did not report its ports within `startup`.
  explicit FakeApiServer(const std::vector<std::string>& args = {},
                         std::chrono::milliseconds startup = std::chrono::milliseconds(120000)) {
    std::vector<std::string> argv = {NBSCHED_PYTHON3, NBSCHED_FAKE_APISERVER};
    argv.insert(argv.end(), args.begin(), args.end());
    process_ = std::make_unique<Subprocess>(argv);
    const auto line = process_->ReadLine(startup);
    if (!line || line->rfind("PORTS ", 0) != 0) {
      error_ = "fake API server did not start: " + line.value_or("(no output)") + " " +
               process_->ReadAllStderr(std::chrono::milliseconds(1000));
      return;
    }
    const size_t space = line->find(' ', 6);
    api_port_ = static_cast<uint16_t>(std::stoi(line->substr(6, space - 6)));
    control_port_ = static_cast<uint16_t>(std::stoi(line->substr(space + 1)));
  }

  /// Makes a test CA, server (127.0.0.1) and client certificates in `dir` with the openssl CLI:
  /// ca.crt, server.{crt,key}, client.{crt,key}, and other-ca.crt (signed nothing).
  static std::string MakeCerts(const std::string& dir) {
    Subprocess make({NBSCHED_PYTHON3, NBSCHED_FAKE_APISERVER, "--make-certs", dir});
    const auto line = make.ReadLine(std::chrono::milliseconds(60000));
    make.Wait(std::chrono::milliseconds(10000));
    if (!line || line->rfind("CERTS ", 0) != 0) return "making certificates failed";
    return "";
  }

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  uint16_t api_port() const { return api_port_; }
  std::string url(const std::string& scheme = "http") const {
    return scheme + "://127.0.0.1:" + std::to_string(api_port_);
  }

  HttpReply Post(const std::string& path, const std::string& body) {
    HttpClient client(control_port_, std::chrono::milliseconds(10000));
    return client.Post(path, body, false);
  }
  HttpReply Get(const std::string& path) {
    HttpClient client(control_port_, std::chrono::milliseconds(10000));
    return client.Get(path, false);
  }

  /// Injects a watch event; returns its resourceVersion ("" on failure).
  std::string Event(const std::string& type, const std::string& resource,
                    const std::string& object_json, bool silent = false) {
    const HttpReply reply =
        Post("/_fake/event", "{\"type\":\"" + type + "\",\"resource\":\"" + resource +
                                 "\",\"object\":" + object_json +
                                 ",\"silent\":" + (silent ? "true" : "false") + "}");
    return ResourceVersionOf(reply);
  }
  std::string Bookmark(const std::string& resource) {
    return ResourceVersionOf(Post("/_fake/bookmark", "{\"resource\":\"" + resource + "\"}"));
  }
  /// The server's current resourceVersion.
  std::string ResourceVersion() { return ResourceVersionOf(Get("/_fake/stats")); }

 private:
  static std::string ResourceVersionOf(const HttpReply& reply) {
    const std::string key = "\"resourceVersion\": \"";
    const size_t at = reply.body.find(key);
    if (!reply.ok() || reply.status != 200 || at == std::string::npos) return "";
    const size_t start = at + key.size();
    return reply.body.substr(start, reply.body.find('"', start) - start);
  }

  std::unique_ptr<Subprocess> process_;
  std::string error_;
  uint16_t api_port_ = 0;
  uint16_t control_port_ = 0;
};

}  // namespace nbsched::testing
