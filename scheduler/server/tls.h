#pragma once

/// TLS for the HTTP server: an OpenSSL server context built from PEM files (certificate chain,
/// private key, optional client CA for mutual TLS), re-read when the files change on disk.
///
/// Certificates rotate under a running server (cert-manager rewrites the Secret, the kubelet
/// swaps the mounted files): TlsContextSource::Current() compares the files' identity (inode,
/// size, mtime) at most once per `reload_check` and, when one changed and the new set loads,
/// swaps the context for the connections accepted from then on. Connections already open keep
/// the context they started with. A set that fails to load (e.g. key and certificate caught
/// between two writes) is ignored and retried at the next check; the old context stays.
///
/// Only TLS 1.2 and 1.3; ALPN selects `http/1.1` when the client offers it (no ALPN otherwise).
/// With a client CA, the server asks for a client certificate; one that does not chain to the CA
/// fails the handshake. A client that sends none completes the handshake but gets only
/// `anonymous_paths` (the kubelet's HTTPS probes send no certificate); every other path answers
/// 403. So only kube-scheduler's certificate reaches the scheduling endpoints.
///
/// Thread-safety: Current() from any thread.

#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace nbsched::server {

struct TlsOptions {
  std::string cert_file;       // PEM: server certificate, then intermediates
  std::string key_file;        // PEM: its private key
  std::string client_ca_file;  // PEM: CA(s) a client certificate must chain to; empty = none
  /// The files are looked at again at most this often (on new connections).
  std::chrono::milliseconds reload_check{std::chrono::seconds(10)};
  /// Under mutual TLS, the paths served to clients without a certificate.
  std::vector<std::string> anonymous_paths = {"/healthz", "/readyz"};
};

/// Builds a server context from the files now. InvalidArgument naming the file on failure.
[[nodiscard]] absl::StatusOr<std::shared_ptr<boost::asio::ssl::context>> BuildTlsContext(
    const TlsOptions& options);

class TlsContextSource {
 public:
  /// Loads the files once; InvalidArgument if they do not make a context.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<TlsContextSource>> Create(TlsOptions options);

  /// The context for a new connection (after a reload check when one is due).
  std::shared_ptr<boost::asio::ssl::context> Current();

  /// How many times the context was (re)built, 1 after Create().
  uint64_t generation() const;

 private:
  struct FileId {
    uint64_t dev = 0, ino = 0, size = 0;
    int64_t mtime_ns = 0;
    bool operator==(const FileId&) const = default;
  };
  struct Stamp {
    FileId cert, key, ca;
    bool operator==(const Stamp&) const = default;
  };
  static Stamp StampOf(const TlsOptions& options);

  explicit TlsContextSource(TlsOptions options) : options_(std::move(options)) {}

  const TlsOptions options_;
  mutable std::mutex mu_;
  std::shared_ptr<boost::asio::ssl::context> current_;
  Stamp stamp_;
  std::chrono::steady_clock::time_point next_check_;
  uint64_t generation_ = 0;
};

}  // namespace nbsched::server
