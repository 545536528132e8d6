#pragma once

/// A generic HTTP/1.1 server on Boost.Beast/Asio that knows nothing about scheduling.
///
/// One io_context runs on a fixed pool of threads; every connection is fully asynchronous (accept,
/// read, write), so a slow client holds a socket and a few kilobytes, never a thread. Each
/// connection is served in order on its own strand: keep-alive (HTTP/1.1 by default, HTTP/1.0 with
/// `Connection: keep-alive`), pipelined requests answered in turn, `Connection: close` honoured,
/// `Expect: 100-continue` answered. Handlers run on the pool thread that read the request.
/// With ServerOptions::tls the same server speaks HTTPS only (TLS 1.2+, ALPN http/1.1, optional
/// mutual TLS, certificate files re-read on change: see tls.h).
///
/// Errors are answered by the server itself, always with a JSON body `{"Error": "..."}`:
///   unknown path → 404; known path, other method → 405 with `Allow`; body over max_body_bytes →
///   413 and close; header over max_header_bytes → 431 and close; malformed HTTP → 400 and close;
///   a handler that throws → 500 (the connection and the server carry on); more than
///   max_connections open → 503 and close. A request not read whole within read_timeout, or a
///   keep-alive connection idle for idle_timeout, is closed without a reply (for a fresh
///   connection, read_timeout covers the wait for its first byte and, under TLS, the handshake).
/// Every reply carries Content-Type, Content-Length and `Server: nbsched`.
///
/// Thread-safety: Route() must be called before Start(). Start() and Stop() may be called from any
/// thread except a handler's (Stop joins the pool); port() from any thread.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "scheduler/server/tls.h"

namespace nbsched::server {

struct HttpRequest {
  std::string method;  // as sent, e.g. "POST"
  std::string target;  // as sent, query string included, e.g. "/filter?x=1"
  std::string path;    // target without its query string, e.g. "/filter"
  std::string body;
  std::string content_type;                                  // "" when absent
  std::vector<std::pair<std::string, std::string>> headers;  // in arrival order, names as sent

  /// The first header named `name` (case-insensitive), or "" when absent.
  std::string_view Header(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers, added as given
  /// Written after `body`, without a copy: each view must stay valid until the reply is written
  /// (it may point into the request's body, kept until then, or into release_after_write).
  std::vector<std::string_view> body_parts;
  /// Released once the reply is written (or the connection fails): per-request state whose
  /// destruction need not delay the reply (a full-NodeList /filter frees 5,000 decoded Nodes).
  std::shared_ptr<const void> release_after_write;
};

/// Called on a pool thread, possibly concurrently for different connections. May throw: the
/// client then gets 500 `{"Error": "internal error: <what()>"}`.
using Handler = std::function<HttpResponse(const HttpRequest&)>;

struct ServerOptions {
  std::string host = "0.0.0.0";  // an address or a resolvable name
  uint16_t port = 8888;          // 0 picks an ephemeral port (see Start)
  int threads = 0;               // 0 = std::thread::hardware_concurrency()
  size_t max_body_bytes = size_t{256} << 20;
  size_t max_header_bytes = size_t{64} << 10;
  std::chrono::milliseconds read_timeout{10000};   // one whole request, first byte to last
  std::chrono::milliseconds idle_timeout{60000};   // keep-alive wait for the next request
  std::chrono::milliseconds write_timeout{60000};  // one whole reply
  size_t max_connections = 4096;
  /// Set: HTTPS only (HTTP/1.1 over TLS 1.2+, ALPN http/1.1), with the certificate files re-read
  /// when they change (see tls.h); with a client CA, mutual TLS. Start() fails with
  /// InvalidArgument if the files do not load. A client that fails the handshake (plain HTTP,
  /// a client certificate from another CA) is closed without a reply; under mutual TLS a client
  /// without a certificate gets 403 on every path but tls->anonymous_paths; over
  /// max_connections, TLS connections are closed without the 503.
  std::optional<TlsOptions> tls;
  /// Called after every reply is decided (path, status, time spent handling it; for requests
  /// rejected before routing, e.g. 413, the path is empty). Must be thread-safe and cheap.
  std::function<void(std::string_view path, int status, std::chrono::nanoseconds handling)>
      observer;
};

class HttpServer {
 public:
  explicit HttpServer(ServerOptions opts);
  ~HttpServer();  // Stop(0 ms) if still running
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  /// Registers `h` for exactly `method` (case-sensitive, e.g. "POST") on exactly `path` (the query
  /// string is ignored when matching). A later Route() for the same pair replaces the earlier.
  /// Call before Start().
  void Route(std::string method, std::string path, Handler h);

  /// Binds and listens on host:port, then starts the pool. Returns the bound port.
  /// InvalidArgument if the host does not resolve, Unavailable if bind/listen fails,
  /// FailedPrecondition if already running.
  [[nodiscard]] absl::StatusOr<uint16_t> Start();

  /// Stops accepting and closes idle connections at once; requests being read, handled or written
  /// may finish (their reply says `Connection: close`) for up to `grace`; then every connection is
  /// closed and the pool joined. A handler still running past `grace` is waited for, since a
  /// thread cannot be interrupted. No-op when not running. Start() may be called again afterwards.
  void Stop(std::chrono::milliseconds grace);

  /// The bound port once Start() succeeded, else 0.
  uint16_t port() const;

  struct Impl;  // public only so that connection objects in http_server.cc can name it

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace nbsched::server
