#pragma once

/// A small Kubernetes API client on Boost.Beast + OpenSSL: kubeconfig and in-cluster
/// configuration, GET with query parameters, POST JSON, and streaming GET (watch) that hands out
/// the body line by line as chunks arrive. One connection per call (no pooling: list pages and
/// watches are long or rare). Authentication: a bearer token (a token file is re-read whenever
/// it changes on disk, and once more on a 401), a client certificate and key, or none.
///
/// Errors: transport failures (resolve, connect, TLS, timeout, dropped stream) are Unavailable,
/// a cancelled call is Cancelled, bad configuration is InvalidArgument. HTTP error statuses are
/// not errors: the caller reads HttpResult::status. Thread-safe: one client may serve any number
/// of concurrent calls.

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace nbsched::state {

/// Where the API server is and how to authenticate. File paths are absolute; inline data is the
/// decoded PEM text.
struct KubeConfig {
  std::string server;       // "https://host:port[/prefix]" or "http://host:port"
  std::string token;        // static bearer token
  std::string token_file;   // bearer token file, re-read on change (wins over `token`)
  std::string client_cert;  // PEM
  std::string client_key;   // PEM
  std::string ca;           // PEM; empty: the system's trust store
  bool insecure_skip_tls_verify = false;
  std::string tls_server_name;  // overrides the host name checked in the server certificate
};

/// Parses kubeconfig text (its current-context, or `context` when given): cluster server,
/// certificate-authority(-data), insecure-skip-tls-verify, tls-server-name; user token,
/// tokenFile, client-certificate(-data), client-key(-data). Relative paths resolve against
/// `base_dir`. The certificate and key files are read now (regular files of at most 1 MiB;
/// anything else, e.g. a FIFO or /dev/zero, is InvalidArgument naming it); the token file is only
/// named (KubeClient reads it per call, with the same limits). Unsupported auth (exec,
/// auth-provider, username/password) is InvalidArgument naming it. Every error starts with
/// `source` (YAML errors: "<source>:<line>: ...").
[[nodiscard]] absl::StatusOr<KubeConfig> ParseKubeconfig(std::string_view yaml,
                                                         const std::string& base_dir,
                                                         const std::string& context = "",
                                                         const std::string& source = "kubeconfig");

/// Reads the kubeconfig file at `path` (at most 16 MiB; a pipe will do) and parses it with
/// ParseKubeconfig: relative paths are relative to the file's folder, errors start with `path`.
[[nodiscard]] absl::StatusOr<KubeConfig> LoadKubeconfig(const std::string& path,
                                                        const std::string& context = "");

/// In-cluster configuration: KUBERNETES_SERVICE_HOST/_PORT and the service account's token and
/// ca.crt in `service_account_dir`. FailedPrecondition when not running in a pod.
[[nodiscard]] absl::StatusOr<KubeConfig> LoadInClusterConfig(
    const std::string& service_account_dir = "/var/run/secrets/kubernetes.io/serviceaccount");

/// Aborts a call in progress from another thread (used to stop informers). Thread-safe. Once
/// cancelled, every later call given this object fails at once with Cancelled.
class Canceller {
 public:
  void Cancel();
  bool cancelled() const;

 private:
  friend class CallScope;
  mutable std::mutex mu_;
  bool cancelled_ = false;
  std::function<void()> abort_;  // stops the call in progress, if any
};

struct HttpResult {
  int status = 0;
  std::string body;  // the whole body (streams: only for non-2xx replies)
};

struct RequestOptions {
  /// Non-streaming: the whole call. Streaming: each read (the stream may last longer).
  std::chrono::milliseconds timeout{30000};
  Canceller* canceller = nullptr;
  /// Called with the reply's status once its header is in (e.g. a watch is established).
  std::function<void(int status)> on_headers;
};

using Query = std::vector<std::pair<std::string, std::string>>;

class KubeClient {
 public:
  /// Checks the configuration, loads certificates. InvalidArgument on a bad server URL or PEM.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<KubeClient>> Create(KubeConfig config);
  ~KubeClient();
  KubeClient(const KubeClient&) = delete;
  KubeClient& operator=(const KubeClient&) = delete;

  [[nodiscard]] absl::StatusOr<HttpResult> Get(std::string_view path, const Query& query,
                                               const RequestOptions& options = {});
  [[nodiscard]] absl::StatusOr<HttpResult> PostJson(std::string_view path, std::string body,
                                                    const RequestOptions& options = {});
  /// GET whose 2xx body is handed to `on_line` one line at a time (without the '\n') as it
  /// arrives. Returns the status when the server ends the body (status and body of a non-2xx
  /// reply), Unavailable when the connection drops or a read times out.
  [[nodiscard]] absl::StatusOr<HttpResult> StreamLines(
      std::string_view path, const Query& query,
      const std::function<void(std::string_view line)>& on_line,
      const RequestOptions& options = {});

  const KubeConfig& config() const { return config_; }

  struct Impl;  // opaque: Asio/OpenSSL state

 private:
  KubeClient(KubeConfig config, std::unique_ptr<Impl> impl);
  absl::StatusOr<HttpResult> Call(std::string_view method, std::string_view path,
                                  const Query& query, std::string body,
                                  const std::function<void(std::string_view)>* on_line,
                                  const RequestOptions& options);
  std::string BearerToken(bool force_reread);

  const KubeConfig config_;
  std::unique_ptr<Impl> impl_;
  std::mutex token_mu_;  // guards the token cache below
  std::string token_;
  int64_t token_mtime_ns_ = -1;
  int64_t token_size_ = -1;
  uint64_t token_inode_ = 0;
};

/// Percent-encodes a query value or path segment (RFC 3986 unreserved characters kept).
std::string UrlEncode(std::string_view text);

}  // namespace nbsched::state
