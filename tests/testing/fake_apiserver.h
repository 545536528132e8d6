#pragma once

/// Runs tests/testing/fake_apiserver.py (a fake Kubernetes API server, Python stdlib, with the
/// metrics.k8s.io API) for the live-cluster tests and benchmark, and drives it through its
/// plain-HTTP control port; likewise tests/testing/fake_prometheus.py (FakePrometheus, where the
/// build defines NBSCHED_FAKE_PROMETHEUS). The script paths and the python3 interpreter come
/// from the build (NBSCHED_FAKE_APISERVER, NBSCHED_PYTHON3). Every wait has a deadline; nothing
/// sleeps. Not thread-safe.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tests/testing/http_client.h"
#include "tests/testing/subprocess.h"

namespace nbsched::testing {

/// A fake server script run as `python3 SCRIPT ARGS...` that prints "PORTS <api> <control>".
class FakeServerProcess {
 public:
  FakeServerProcess(const std::string& script, const std::vector<std::string>& args,
                    std::chrono::milliseconds startup) {
    std::vector<std::string> argv = {NBSCHED_PYTHON3, script};
    argv.insert(argv.end(), args.begin(), args.end());
    process_ = std::make_unique<Subprocess>(argv);
    const auto line = process_->ReadLine(startup);
    if (!line || line->rfind("PORTS ", 0) != 0) {
      error_ = "fake server " + script + " did not start: " + line.value_or("(no output)") + " " +
               process_->ReadAllStderr(std::chrono::milliseconds(1000));
      return;
    }
    const size_t space = line->find(' ', 6);
    api_port_ = static_cast<uint16_t>(std::stoi(line->substr(6, space - 6)));
    control_port_ = static_cast<uint16_t>(std::stoi(line->substr(space + 1)));
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

 private:
  std::unique_ptr<Subprocess> process_;
  std::string error_;
  uint16_t api_port_ = 0;
  uint16_t control_port_ = 0;
};

class FakeApiServer : public FakeServerProcess {
 public:
  /// Starts the server with extra arguments (--token T, --tls-cert F --tls-key F, --client-ca F,
  /// --nodes N --pods M). ok() is false when it did not report its ports within `startup`.
  explicit FakeApiServer(const std::vector<std::string>& args = {},
                         std::chrono::milliseconds startup = std::chrono::milliseconds(120000))
      : FakeServerProcess(NBSCHED_FAKE_APISERVER, args, startup) {}

  /// Makes a test CA, server (127.0.0.1) and client certificates in `dir` with the openssl CLI:
  /// ca.crt, server.{crt,key}, client.{crt,key}, and other-ca.crt (signed nothing).
  static std::string MakeCerts(const std::string& dir) {
    Subprocess make({NBSCHED_PYTHON3, NBSCHED_FAKE_APISERVER, "--make-certs", dir});
    const auto line = make.ReadLine(std::chrono::milliseconds(60000));
    make.Wait(std::chrono::milliseconds(10000));
    if (!line || line->rfind("CERTS ", 0) != 0) return "making certificates failed";
    return "";
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

  // The metrics API (metrics.k8s.io/v1beta1). Each returns whether the fake took it.
  /// Sets a node's usage, measured `age_seconds` before each GET.
  bool SetNodeUsage(const std::string& node, const std::string& cpu, const std::string& memory,
                    int age_seconds = 0) {
    return Post("/_fake/metrics/node",
                "{\"name\":\"" + node + "\",\"cpu\":\"" + cpu + "\",\"memory\":\"" + memory +
                    "\",\"age_seconds\":" + std::to_string(age_seconds) + "}")
               .status == 200;
  }
  /// Sets a pod's usage: one container per (cpu, memory) pair.
  bool SetPodUsage(const std::string& ns, const std::string& name,
                   const std::vector<std::pair<std::string, std::string>>& containers,
                   int age_seconds = 0) {
    std::string list;
    for (size_t i = 0; i < containers.size(); ++i) {
      list += (i ? "," : "") + std::string("{\"name\":\"c") + std::to_string(i) + "\",\"cpu\":\"" +
              containers[i].first + "\",\"memory\":\"" + containers[i].second + "\"}";
    }
    return Post("/_fake/metrics/pod", "{\"namespace\":\"" + ns + "\",\"name\":\"" + name +
                                          "\",\"age_seconds\":" + std::to_string(age_seconds) +
                                          ",\"containers\":[" + list + "]}")
               .status == 200;
  }
  /// Drops one sample ("nodes" + node name, "pods" + "namespace/name"), or all of `resource`.
  bool DeleteUsage(const std::string& resource, const std::string& key = "") {
    const std::string key_field = key.empty() ? "" : ",\"key\":\"" + key + "\"";
    return Post("/_fake/metrics/delete", "{\"resource\":\"" + resource + "\"" + key_field + "}")
               .status == 200;
  }
  /// "ok", "503", "garbage" or "wrong_types" for "nodes", "pods" or "all".
  bool SetMetricsMode(const std::string& resource, const std::string& mode) {
    return Post("/_fake/metrics/mode",
                "{\"resource\":\"" + resource + "\",\"mode\":\"" + mode + "\"}")
               .status == 200;
  }

 private:
  static std::string ResourceVersionOf(const HttpReply& reply) {
    const std::string key = "\"resourceVersion\": \"";
    const size_t at = reply.body.find(key);
    if (!reply.ok() || reply.status != 200 || at == std::string::npos) return "";
    const size_t start = at + key.size();
    return reply.body.substr(start, reply.body.find('"', start) - start);
  }
};

#ifdef NBSCHED_FAKE_PROMETHEUS
/// Runs tests/testing/fake_prometheus.py (a fake Prometheus HTTP API) and drives it.
class FakePrometheus : public FakeServerProcess {
 public:
  struct Series {
    std::string labels_json;  // the series' labels, e.g. {"node":"w1"}
    std::string value;        // "0.5"
    int age_seconds = 0;
  };
  explicit FakePrometheus(std::chrono::milliseconds startup = std::chrono::milliseconds(60000))
      : FakeServerProcess(NBSCHED_FAKE_PROMETHEUS, {}, startup) {}

  /// Replaces the series that `query` answers.
  bool SetSeries(const std::string& query, const std::vector<Series>& series) {
    std::string list;
    for (size_t i = 0; i < series.size(); ++i) {
      list += (i ? "," : "") + std::string("{\"metric\":") + series[i].labels_json +
              ",\"value\":\"" + series[i].value +
              "\",\"age_seconds\":" + std::to_string(series[i].age_seconds) + "}";
    }
    return Post("/_fake/series", "{\"query\":" + JsonString(query) + ",\"series\":[" + list + "]}")
               .status == 200;
  }
  /// "ok", "503", "garbage", "wrong_types", "error" or "matrix".
  bool SetMode(const std::string& mode) {
    return Post("/_fake/mode", "{\"mode\":\"" + mode + "\"}").status == 200;
  }
  /// The query strings received so far, as a JSON array.
  std::string Queries() { return Get("/_fake/queries").body; }

  static std::string JsonString(const std::string& text) {
    std::string out = "\"";
    for (const char c : text) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    return out + "\"";
  }
};
#endif

}  // namespace nbsched::testing
