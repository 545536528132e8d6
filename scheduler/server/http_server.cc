#include "scheduler/server/http_server.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/optional.hpp>
#include <condition_variable>
#include <exception>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <string_view>
#include <system_error>
#include <thread>
#include <unordered_map>

#include "absl/status/status.h"
#include "scheduler/model/text.h"
#include "scheduler/server/tls.h"

namespace nbsched::server {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

// After a reply that ends the connection we stop sending and read (and discard) what the client
// still sends for a short while: closing a socket with unread input makes the kernel send RST,
// which can destroy our reply before the client reads it (e.g. a 413 sent mid-upload).
constexpr std::chrono::milliseconds kMaxLinger{2000};
constexpr size_t kMaxDrainBytes = size_t{4} << 20;
// Accept errors such as EMFILE repeat at once; retrying without a pause would spin a core.
constexpr std::chrono::milliseconds kAcceptBackoff{50};
constexpr size_t kReadChunk = 16384;
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
constexpr std::string_view kServiceUnavailable =
    "HTTP/1.1 503 Service Unavailable\r\nServer: nbsched\r\nContent-Type: application/json\r\n"
    "Content-Length: 38\r\nConnection: close\r\n\r\n{\"Error\": \"too many open connections\"}";

// The message as a JSON string (control characters escaped, invalid UTF-8 replaced by U+FFFD), so
// that the body stays valid JSON whatever the request carried.
std::string JsonError(std::string_view message) {
  std::string out = "{\"Error\": ";
  AppendJsonString(&out, message);
  out += "}";
  return out;
}

// A Beast body of an owned head and views written after it (HttpResponse::body_parts),
// handed to the socket in batches of views (one gather write each).
struct PartsBody {
  struct value_type {
    std::string head;
    std::vector<std::string_view> parts;
  };
  static std::uint64_t size(const value_type& v) {
    std::uint64_t n = v.head.size();
    for (std::string_view p : v.parts) n += p.size();
    return n;
  }
  class writer {
   public:
    using const_buffers_type = std::vector<net::const_buffer>;
    template <bool isRequest, class Fields>
    writer(const http::header<isRequest, Fields>&, const value_type& v) : v_(v) {}
    void init(beast::error_code& ec) { ec = {}; }
    boost::optional<std::pair<const_buffers_type, bool>> get(beast::error_code& ec) {
      ec = {};
      constexpr size_t kBatch = 64;
      const_buffers_type out;
      out.reserve(kBatch + 1);
      if (!head_done_) {
        head_done_ = true;
        if (!v_.head.empty()) out.emplace_back(v_.head.data(), v_.head.size());
      }
      for (; next_ < v_.parts.size() && out.size() < kBatch; ++next_) {
        if (!v_.parts[next_].empty())
          out.emplace_back(v_.parts[next_].data(), v_.parts[next_].size());
      }
      if (out.empty()) return boost::none;
      return std::make_pair(std::move(out), next_ < v_.parts.size());
    }

   private:
    const value_type& v_;
    bool head_done_ = false;
    size_t next_ = 0;
  };
};

HttpResponse ErrorResponse(int status, std::string_view message) {
  HttpResponse res;
  res.status = status;
  res.body = JsonError(message);
  return res;
}

std::string_view PathOf(std::string_view target) {
  const size_t q = target.find_first_of("?#");
  return q == std::string_view::npos ? target : target.substr(0, q);
}

}  // namespace

// What Stop() needs of a connection, whatever its stream.
class SessionBase {
 public:
  SessionBase(HttpServer::Impl& server, uint64_t id) : server_(server), id_(id) {}
  virtual ~SessionBase();
  SessionBase(const SessionBase&) = delete;
  SessionBase& operator=(const SessionBase&) = delete;
  virtual void Start() = 0;
  virtual void CloseIfIdle() = 0;  // Stop(), phase one
  virtual void ForceClose() = 0;   // Stop(), phase two

 protected:
  HttpServer::Impl& server_;
  const uint64_t id_;
};

struct HttpServer::Impl {
  explicit Impl(ServerOptions o) : opts(std::move(o)) {}

  HttpResponse Dispatch(const HttpRequest& req) const;
  void DoAccept();
  void OnAccept(beast::error_code ec, tcp::socket socket);
  void Unregister(uint64_t id);
  void StopLocked(std::chrono::milliseconds grace);  // lifecycle_mu held
  std::vector<std::shared_ptr<SessionBase>> LiveSessions();

  const ServerOptions opts;
  std::map<std::string, std::map<std::string, Handler>, std::less<>> routes;  // path → method → h

  std::mutex lifecycle_mu;  // serialises Start/Stop; guards the members up to `threads`
  bool running = false;
  std::unique_ptr<net::io_context> ioc;
  std::unique_ptr<tcp::acceptor> acceptor;          // on its own strand
  std::unique_ptr<net::steady_timer> accept_retry;  // same strand as the acceptor
  std::vector<std::thread> threads;

  std::atomic<bool> stopping{false};
  std::atomic<uint16_t> bound_port{0};

  std::mutex sessions_mu;               // guards sessions, next_session_id
  std::condition_variable sessions_cv;  // signalled when sessions becomes empty
  std::unordered_map<uint64_t, std::weak_ptr<SessionBase>> sessions;
  uint64_t next_session_id = 0;

  std::unique_ptr<TlsContextSource> tls;  // set by Start() when opts.tls is
};

SessionBase::~SessionBase() { server_.Unregister(id_); }

using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// One connection, plaintext (PlainStream) or TLS (TlsStream). Every member function runs on the
// connection's strand (the socket's executor), so no member needs a lock; Stop() reaches it only
// by posting to that strand.
template <class Stream>
class Session : public SessionBase, public std::enable_shared_from_this<Session<Stream>> {
 public:
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

  Session(tcp::socket&& socket, HttpServer::Impl& server, uint64_t id) requires(!kTls)
      : SessionBase(server, id), stream_(std::move(socket)), strand_(stream_.get_executor()) {}
  Session(tcp::socket&& socket, std::shared_ptr<net::ssl::context> ctx, HttpServer::Impl& server,
          uint64_t id) requires(kTls)
      : SessionBase(server, id),
        ctx_(std::move(ctx)),
        stream_(std::move(socket), *ctx_),
        strand_(stream_.get_executor()) {}

  void Start() override {
    if constexpr (kTls) {
      net::dispatch(strand_,
                    beast::bind_front_handler(&Session::Handshake, this->shared_from_this()));
    } else {
      net::dispatch(strand_,
                    beast::bind_front_handler(&Session::ReadRequest, this->shared_from_this()));
    }
  }

  // Stop(), phase one: a connection with no request under way is closed now.
  void CloseIfIdle() override {
    net::post(strand_, [self = this->shared_from_this()] {
      if (self->phase_ == Phase::kIdle || self->phase_ == Phase::kLingering) self->Lowest().close();
    });
  }

  // Stop(), phase two (grace over): every connection is closed; pending I/O completes aborted.
  void ForceClose() override {
    net::post(strand_, [self = this->shared_from_this()] {
      self->phase_ = Phase::kClosed;
      self->Lowest().close();
    });
  }

 private:
  enum class Phase { kIdle, kReading, kHandling, kWriting, kLingering, kClosed };
  using Parser = http::request_parser<http::string_body>;

  beast::tcp_stream& Lowest() { return beast::get_lowest_layer(stream_); }

  // TLS: the handshake counts against the first request's read_timeout. A client that is not
  // speaking TLS (plain HTTP on the TLS port), or has no acceptable certificate under mutual
  // TLS, fails here and is closed without an HTTP reply.
  void Handshake() requires(kTls) {
    phase_ = Phase::kIdle;
    deadline_ = Clock::now() + opts().read_timeout;
    Lowest().expires_at(deadline_);
    stream_.async_handshake(
        net::ssl::stream_base::server,
        beast::bind_front_handler(&Session::OnHandshake, this->shared_from_this()));
  }

  void OnHandshake(beast::error_code ec) requires(kTls) {
    if (ec) return Close();
    handshake_done_ = true;
    // Under mutual TLS a client may still connect without a certificate (the kubelet's probes
    // do); such a connection is limited to TlsOptions::anonymous_paths. A certificate that does
    // not chain to the client CA has already failed the handshake.
    SSL* ssl = stream_.native_handle();
    client_verified_ =
        SSL_get0_peer_certificate(ssl) != nullptr && SSL_get_verify_result(ssl) == X509_V_OK;
    ReadRequest();
  }

  const ServerOptions& opts() const { return server_.opts; }

  // Waits for the first byte of the next request unless some are buffered (pipelining).
  void ReadRequest() {
    if (server_.stopping.load() || phase_ == Phase::kClosed) return Close();
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(
        std::min<size_t>(opts().max_header_bytes, std::numeric_limits<uint32_t>::max())));
    parser_->body_limit(opts().max_body_bytes);
    if (buffer_.size() > 0) {
      deadline_ = Clock::now() + opts().read_timeout;
      return ReadHeader();
    }
    phase_ = Phase::kIdle;
    if (first_request_) {
      // A fresh connection gets read_timeout for its whole first request, waiting included (and
      // the TLS handshake before it).
      if (!handshake_done_) deadline_ = Clock::now() + opts().read_timeout;
      Lowest().expires_at(deadline_);
    } else {
      Lowest().expires_after(opts().idle_timeout);
    }
    stream_.async_read_some(
        buffer_.prepare(kReadChunk),
        beast::bind_front_handler(&Session::OnFirstBytes, this->shared_from_this()));
  }

  void OnFirstBytes(beast::error_code ec, size_t n) {
    if (ec) return Close();  // EOF, idle timeout, or closed by Stop(): nothing to answer
    buffer_.commit(n);
    if (!first_request_) deadline_ = Clock::now() + opts().read_timeout;
    ReadHeader();
  }

  void ReadHeader() {
    phase_ = Phase::kReading;
    first_request_ = false;
    header_bytes_ = 0;
    Lowest().expires_at(deadline_);
    ParseHeader();
  }

  // Beast 1.74 applies header_limit to each unparsed line only (whole fields are consumed as
  // they arrive), so the total header size is counted here: read, put, repeat.
  void ParseHeader() {
    if (buffer_.size() > 0) {
      beast::error_code ec;
      const size_t used = parser_->put(buffer_.data(), ec);
      buffer_.consume(used);
      header_bytes_ += used;
      if (ec && ec != http::error::need_more) return FailRead(ec);
      if (parser_->is_header_done()) return OnHeaderDone();
      if (header_bytes_ + buffer_.size() > opts().max_header_bytes) {
        return FailRead(http::error::header_limit);
      }
    }
    stream_.async_read_some(
        buffer_.prepare(kReadChunk),
        beast::bind_front_handler(&Session::OnHeaderBytes, this->shared_from_this()));
  }

  void OnHeaderBytes(beast::error_code ec, size_t n) {
    if (ec) return Close();  // EOF mid-header, timeout, reset: nothing sensible to answer
    buffer_.commit(n);
    ParseHeader();
  }

  void OnHeaderDone() {
    if (parser_->is_done()) return Respond();
    const auto& req = parser_->get();
    if (req.version() >= 11 && beast::iequals(req[http::field::expect], "100-continue")) {
      // The client waits for this before sending the body (curl does for large bodies).
      net::async_write(
          stream_, net::buffer(kContinue.data(), kContinue.size()),
          beast::bind_front_handler(&Session::OnContinueSent, this->shared_from_this()));
      return;
    }
    ReadBody();
  }

  void OnContinueSent(beast::error_code ec, size_t) {
    if (ec) return Close();
    ReadBody();
  }

  void ReadBody() {
    Lowest().expires_at(deadline_);
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&Session::OnBody, this->shared_from_this()));
  }

  void OnBody(beast::error_code ec, size_t) {
    if (ec) return FailRead(ec);
    Respond();
  }

  void FailRead(beast::error_code ec) {
    const unsigned version = 11;
    if (ec == http::error::body_limit) {
      return ReplyAndClose(
          413, "request body exceeds " + std::to_string(opts().max_body_bytes) + " bytes", version);
    }
    if (ec == http::error::header_limit) {
      return ReplyAndClose(
          431, "request header exceeds " + std::to_string(opts().max_header_bytes) + " bytes",
          version);
    }
    // end_of_stream / partial_message: the client went away; timeout, resets and aborts: the
    // connection is gone or must go. Only a malformed message deserves an answer.
    if (ec == http::error::end_of_stream || ec == http::error::partial_message ||
        ec.category() != beast::http::make_error_code(http::error::bad_method).category()) {
      return Close();
    }
    ReplyAndClose(400, "malformed HTTP request: " + ec.message(), version);
  }

  void Respond() {
    phase_ = Phase::kHandling;
    http::request<http::string_body> msg = parser_->release();
    parser_.reset();
    request_ = {};
    HttpRequest& req = request_;
    req.method = std::string(msg.method_string());
    req.target = std::string(msg.target());
    req.path = std::string(PathOf(req.target));
    req.content_type = std::string(msg[http::field::content_type]);
    req.headers.reserve(static_cast<size_t>(std::distance(msg.begin(), msg.end())));
    for (const auto& field : msg) {
      req.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    req.body = std::move(msg.body());
    const auto started = Clock::now();
    HttpResponse res = NeedsClientCertificate(req.path)
                           ? ErrorResponse(403,
                                           "a client certificate signed by the client CA is "
                                           "required for " +
                                               req.path)
                           : server_.Dispatch(req);
    if (res.status < 200 || res.status > 999) {  // Beast throws on > 999; 1xx would break framing
      res = ErrorResponse(500,
                          "internal error: handler returned status " + std::to_string(res.status));
    }
    if (opts().observer) opts().observer(req.path, res.status, Clock::now() - started);
    // Read after the handler: a Stop() that began meanwhile must end this connection.
    const bool keep_alive = msg.keep_alive() && !server_.stopping.load();
    Write(std::move(res), msg.version(), keep_alive);
  }

  bool NeedsClientCertificate(std::string_view path) const {
    if constexpr (kTls) {
      const auto& tls = opts().tls;
      if (client_verified_ || !tls || tls->client_ca_file.empty()) return false;
      return std::find(tls->anonymous_paths.begin(), tls->anonymous_paths.end(), path) ==
             tls->anonymous_paths.end();
    } else {
      return false;
    }
  }

  void ReplyAndClose(int status, std::string_view message, unsigned version) {
    parser_.reset();
    if (opts().observer) opts().observer("", status, std::chrono::nanoseconds(0));
    Write(ErrorResponse(status, message), version, /*keep_alive=*/false);
  }

  template <typename Message>
  void SetHead(Message& m, const HttpResponse& res, unsigned version, bool keep_alive) {
    m.version(version);
    m.result(static_cast<unsigned>(res.status));
    m.set(http::field::server, "nbsched");
    m.set(http::field::content_type, res.content_type);
    for (auto& [name, value] : res.headers) m.insert(name, value);
    m.keep_alive(keep_alive);
  }

  void Write(HttpResponse res, unsigned version, bool keep_alive) {
    phase_ = Phase::kWriting;
    release_after_write_ = std::move(res.release_after_write);
    Lowest().expires_after(opts().write_timeout);
    if (!res.body_parts.empty()) {
      // Gathered from where the parts are (the request's body, release_after_write): no copy.
      parts_res_ = {};
      SetHead(parts_res_, res, version, keep_alive);
      parts_res_.body().head = std::move(res.body);
      parts_res_.body().parts = std::move(res.body_parts);
      parts_res_.prepare_payload();
      http::async_write(
          stream_, parts_res_,
          beast::bind_front_handler(&Session::OnWrite, this->shared_from_this(), keep_alive));
      return;
    }
    res_ = {};
    SetHead(res_, res, version, keep_alive);
    res_.body() = std::move(res.body);
    res_.prepare_payload();
    http::async_write(
        stream_, res_,
        beast::bind_front_handler(&Session::OnWrite, this->shared_from_this(), keep_alive));
  }

  void OnWrite(bool keep_alive, beast::error_code ec, size_t) {
    res_ = {};  // a large reply should not stay allocated while the connection idles
    parts_res_ = {};
    release_after_write_.reset();
    request_ = {};
    if (ec) return Close();
    if (!keep_alive) return Linger();
    ReadRequest();
  }

  // Half-closes, then discards input until the client closes too (or linger/bytes run out).
  // TLS: sends close_notify and waits (as long) for the client's.
  void Linger() {
    phase_ = Phase::kLingering;
    if (server_.stopping.load()) return Close();
    Lowest().expires_after(std::min(opts().read_timeout, kMaxLinger));
    if constexpr (kTls) {
      stream_.async_shutdown(
          [self = this->shared_from_this()](beast::error_code) { self->Close(); });
    } else {
      beast::error_code ec;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
      if (ec) return Close();
      Drain();
    }
  }

  void Drain() {
    stream_.async_read_some(net::buffer(drain_),
                            beast::bind_front_handler(&Session::OnDrain, this->shared_from_this()));
  }

  void OnDrain(beast::error_code ec, size_t n) {
    drained_ += n;
    if (ec || drained_ > kMaxDrainBytes) return Close();
    Drain();
  }

  void Close() {
    phase_ = Phase::kClosed;
    Lowest().close();
  }

  std::shared_ptr<net::ssl::context> ctx_;  // TLS: outlives stream_
  Stream stream_;
  const beast::tcp_stream::executor_type strand_;
  Phase phase_ = Phase::kIdle;
  bool first_request_ = true;
  bool handshake_done_ = false;
  bool client_verified_ = false;  // TLS: a client certificate chaining to the client CA
  Clock::time_point deadline_;
  size_t header_bytes_ = 0;
  beast::flat_buffer buffer_;
  std::optional<Parser> parser_;
  http::response<http::string_body> res_;
  http::response<PartsBody> parts_res_;              // replies with HttpResponse::body_parts
  std::shared_ptr<const void> release_after_write_;  // HttpResponse::release_after_write
  HttpRequest request_;  // kept until its reply is written: body_parts may point into it
  std::array<char, 4096> drain_{};
  size_t drained_ = 0;
};

HttpResponse HttpServer::Impl::Dispatch(const HttpRequest& req) const {
  const auto path_it = routes.find(req.path);
  if (path_it == routes.end()) return ErrorResponse(404, "no such endpoint: " + req.path);
  const auto& methods = path_it->second;
  const auto method_it = methods.find(req.method);
  if (method_it == methods.end()) {
    std::string allow;
    for (const auto& [method, handler] : methods) {
      if (!allow.empty()) allow += ", ";
      allow += method;
    }
    HttpResponse res = ErrorResponse(
        405, "method " + req.method + " not allowed on " + req.path + "; use " + allow);
    res.headers.emplace_back("Allow", allow);
    return res;
  }
  try {
    return method_it->second(req);
  } catch (const std::exception& e) {
    return ErrorResponse(500, std::string("internal error: ") + e.what());
  } catch (...) {
    return ErrorResponse(500, "internal error: unknown exception");
  }
}

void HttpServer::Impl::DoAccept() {
  acceptor->async_accept(net::make_strand(*ioc), [this](beast::error_code ec, tcp::socket socket) {
    OnAccept(ec, std::move(socket));
  });
}

void HttpServer::Impl::OnAccept(beast::error_code ec, tcp::socket socket) {
  if (stopping.load() || ec == net::error::operation_aborted || !acceptor->is_open()) return;
  if (ec) {
    accept_retry->expires_after(kAcceptBackoff);
    accept_retry->async_wait([this](beast::error_code wait_ec) {
      if (!wait_ec && !stopping.load()) DoAccept();
    });
    return;
  }
  beast::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);  // replies are written whole; don't wait
  std::shared_ptr<SessionBase> session;
  {
    std::lock_guard<std::mutex> lock(sessions_mu);
    if (sessions.size() < opts.max_connections) {
      const uint64_t id = next_session_id++;
      if (tls) {
        session =
            std::make_shared<Session<TlsStream>>(std::move(socket), tls->Current(), *this, id);
      } else {
        session = std::make_shared<Session<PlainStream>>(std::move(socket), *this, id);
      }
      sessions.emplace(id, session);
    }
  }
  if (session) {
    session->Start();
  } else {
    // Over the limit: a canned 503 fits any socket buffer, so one non-blocking write suffices.
    // (Under TLS there is no cheap way to answer before a handshake: the connection is closed.)
    if (!tls) {
      socket.non_blocking(true, ignored);
      socket.write_some(net::buffer(kServiceUnavailable.data(), kServiceUnavailable.size()),
                        ignored);
    }
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
  }
  DoAccept();
}

void HttpServer::Impl::Unregister(uint64_t id) {
  std::lock_guard<std::mutex> lock(sessions_mu);
  sessions.erase(id);
  if (sessions.empty()) sessions_cv.notify_all();
}

std::vector<std::shared_ptr<SessionBase>> HttpServer::Impl::LiveSessions() {
  std::vector<std::shared_ptr<SessionBase>> live;
  std::lock_guard<std::mutex> lock(sessions_mu);
  live.reserve(sessions.size());
  for (const auto& [id, weak] : sessions) {
    if (auto s = weak.lock()) live.push_back(std::move(s));
  }
  return live;
}

std::string_view HttpRequest::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (beast::iequals(beast::string_view(key.data(), key.size()),
                       beast::string_view(name.data(), name.size()))) {
      return value;
    }
  }
  return {};
}

HttpServer::HttpServer(ServerOptions opts) : impl_(std::make_unique<Impl>(std::move(opts))) {}

HttpServer::~HttpServer() { Stop(std::chrono::milliseconds(0)); }

void HttpServer::Route(std::string method, std::string path, Handler h) {
  impl_->routes[std::move(path)][std::move(method)] = std::move(h);
}

absl::StatusOr<uint16_t> HttpServer::Start() {
  Impl& s = *impl_;
  std::lock_guard<std::mutex> lock(s.lifecycle_mu);
  if (s.running) return absl::FailedPreconditionError("HTTP server already running");
  const int threads = s.opts.threads > 0
                          ? s.opts.threads
                          : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  if (s.opts.tls && !s.tls) {
    auto tls = TlsContextSource::Create(*s.opts.tls);
    if (!tls.ok()) return tls.status();
    s.tls = *std::move(tls);
  }
  auto ioc = std::make_unique<net::io_context>(threads);

  beast::error_code ec;
  tcp::endpoint endpoint;
  const net::ip::address address = net::ip::make_address(s.opts.host, ec);
  if (!ec) {
    endpoint = tcp::endpoint(address, s.opts.port);
  } else {
    tcp::resolver resolver(*ioc);
    const auto results =
        resolver.resolve(s.opts.host, std::to_string(s.opts.port), tcp::resolver::passive, ec);
    if (ec || results.empty()) {
      return absl::InvalidArgumentError("cannot resolve listen host \"" + s.opts.host +
                                        "\": " + (ec ? ec.message() : "no address"));
    }
    endpoint = results.begin()->endpoint();
  }
  const std::string where = s.opts.host + ":" + std::to_string(s.opts.port);

  auto acceptor = std::make_unique<tcp::acceptor>(net::make_strand(*ioc));
  if (acceptor->open(endpoint.protocol(), ec); ec) {
    return absl::UnavailableError("open socket for " + where + ": " + ec.message());
  }
  if (acceptor->set_option(net::socket_base::reuse_address(true), ec); ec) {
    return absl::UnavailableError("set SO_REUSEADDR for " + where + ": " + ec.message());
  }
  if (acceptor->bind(endpoint, ec); ec) {
    return absl::UnavailableError("bind " + where + ": " + ec.message());
  }
  if (acceptor->listen(net::socket_base::max_listen_connections, ec); ec) {
    return absl::UnavailableError("listen on " + where + ": " + ec.message());
  }
  const tcp::endpoint local = acceptor->local_endpoint(ec);
  if (ec) return absl::UnavailableError("local endpoint of " + where + ": " + ec.message());

  s.accept_retry = std::make_unique<net::steady_timer>(acceptor->get_executor());
  s.acceptor = std::move(acceptor);
  s.ioc = std::move(ioc);
  s.stopping.store(false);
  s.bound_port.store(local.port());
  s.DoAccept();  // queued before the pool starts, so run() always has work
  s.running = true;
  s.threads.reserve(static_cast<size_t>(threads));
  try {
    for (int i = 0; i < threads; ++i) {
      s.threads.emplace_back([ioc = s.ioc.get()] {
        for (;;) {
          try {
            ioc->run();
            return;
          } catch (...) {
            // A bug in a completion handler; the connection it served is lost, the pool goes on.
          }
        }
      });
    }
  } catch (const std::system_error& e) {
    s.StopLocked(std::chrono::milliseconds(0));
    return absl::ResourceExhaustedError(std::string("start HTTP server threads: ") + e.what());
  }
  return local.port();
}

void HttpServer::Stop(std::chrono::milliseconds grace) {
  std::lock_guard<std::mutex> lock(impl_->lifecycle_mu);
  impl_->StopLocked(grace);
}

void HttpServer::Impl::StopLocked(std::chrono::milliseconds grace) {
  Impl& s = *this;
  if (!s.running) return;
  s.stopping.store(true);
  net::post(s.acceptor->get_executor(), [&s] {
    beast::error_code ignored;
    s.acceptor->close(ignored);
    s.accept_retry->cancel();
  });
  for (const auto& session : s.LiveSessions()) session->CloseIfIdle();
  {
    std::unique_lock<std::mutex> sessions_lock(s.sessions_mu);
    s.sessions_cv.wait_for(sessions_lock, grace, [&s] { return s.sessions.empty(); });
  }
  for (const auto& session : s.LiveSessions()) session->ForceClose();
  // With the acceptor and every socket closed, run() returns once the last handler is done.
  for (std::thread& t : s.threads) t.join();
  s.threads.clear();
  s.accept_retry.reset();
  s.acceptor.reset();
  s.ioc.reset();
  s.bound_port.store(0);
  s.running = false;
}

uint16_t HttpServer::port() const { return impl_->bound_port.load(); }

}  // namespace nbsched::server
