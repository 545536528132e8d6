#pragma once

/// Test-only HTTP clients for servers on 127.0.0.1. Every call has a deadline; none sleeps.
///
/// - HttpClient: a synchronous Beast HTTP/1.1 client (one connection, reused while both sides
///   keep it alive). Each call drives a private io_context until the operation ends or the
///   deadline closes the stream.
/// - RawConnection: a non-blocking socket for sending arbitrary bytes (malformed requests, one
///   byte at a time, pipelines) and reading back what comes, waiting with poll(2).
///
/// Not thread-safe: use one object per thread. Failures are reported in the result (`error`),
/// never thrown, so that only the main thread asserts.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nbsched::testing {

inline std::string Lowercase(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

struct HttpReply {
  std::string error;  // empty on success, else what failed ("timeout", "connect: ...")
  int status = 0;
  std::map<std::string, std::string> headers;  // lowercase names
  std::string body;

  bool ok() const { return error.empty(); }
  std::string Header(std::string_view name) const {
    const auto it = headers.find(Lowercase(name));
    return it == headers.end() ? std::string() : it->second;
  }
};

class HttpClient {
 public:
  explicit HttpClient(uint16_t port,
                      std::chrono::milliseconds timeout = std::chrono::milliseconds(5000))
      : port_(port), timeout_(timeout), stream_(ioc_) {}

  HttpReply Get(const std::string& target, bool keep_alive = true) {
    return Send("GET", target, "", "", keep_alive);
  }
  HttpReply Post(const std::string& target, const std::string& body, bool keep_alive = true,
                 const std::string& content_type = "application/json") {
    return Send("POST", target, body, content_type, keep_alive);
  }

  /// One request/response exchange; connects first if there is no open connection. The
  /// connection is closed afterwards unless both sides keep it alive.
  HttpReply Send(const std::string& method, const std::string& target, const std::string& body,
                 const std::string& content_type, bool keep_alive,
                 const std::vector<std::pair<std::string, std::string>>& extra_headers = {}) {
    namespace beast = boost::beast;
    namespace http = boost::beast::http;
    HttpReply reply;
    if (!connected_) {
      const boost::asio::ip::tcp::endpoint endpoint(boost::asio::ip::make_address_v4("127.0.0.1"),
                                                    port_);
      if (auto ec = Run([&](auto handler) { stream_.async_connect(endpoint, handler); })) {
        reply.error = "connect: " + ec.message();
        return Reset(std::move(reply));
      }
      connected_ = true;
      ++connections_;
    }
    http::request<http::string_body> req;
    req.method_string(method);
    req.target(target);
    req.version(11);
    req.set(http::field::host, "127.0.0.1");
    if (!content_type.empty()) req.set(http::field::content_type, content_type);
    for (const auto& [name, value] : extra_headers) req.insert(name, value);
    req.body() = body;
    req.keep_alive(keep_alive);
    if (!body.empty() || method == "POST" || method == "PUT") req.prepare_payload();
    if (auto ec = Run([&](auto handler) { http::async_write(stream_, req, handler); })) {
      reply.error = "write: " + ec.message();
      return Reset(std::move(reply));
    }
    http::response_parser<http::string_body> parser;
    parser.body_limit(std::numeric_limits<uint64_t>::max());
    if (auto ec = Run([&](auto handler) { http::async_read(stream_, buffer_, parser, handler); })) {
      reply.error = "read: " + ec.message();
      return Reset(std::move(reply));
    }
    const auto& res = parser.get();
    reply.status = static_cast<int>(res.result_int());
    for (const auto& field : res) {
      const auto name = field.name_string();
      reply.headers[Lowercase(std::string_view(name.data(), name.size()))] =
          std::string(field.value());
    }
    reply.body = res.body();
    if (!keep_alive || !res.keep_alive()) return Reset(std::move(reply));
    return reply;
  }

  bool connected() const { return connected_; }
  int connections() const { return connections_; }  // connections opened so far

 private:
  // Starts one async operation, runs the io_context until it completes; the stream's deadline
  // turns a hang into beast::error::timeout.
  template <typename Start>
  boost::beast::error_code Run(Start start) {
    boost::beast::error_code result = boost::asio::error::would_block;
    stream_.expires_after(timeout_);
    start([&result](boost::beast::error_code ec, auto&&...) { result = ec; });
    ioc_.restart();
    ioc_.run();
    return result;
  }

  HttpReply Reset(HttpReply reply) {
    boost::beast::error_code ignored;
    stream_.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
    stream_.close();
    buffer_.consume(buffer_.size());
    connected_ = false;
    return reply;
  }

  const uint16_t port_;
  const std::chrono::milliseconds timeout_;
  boost::asio::io_context ioc_;
  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  bool connected_ = false;
  int connections_ = 0;
};

struct RawResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // lowercase names
  std::string body;

  std::string Header(std::string_view name) const {
    const auto it = headers.find(Lowercase(name));
    return it == headers.end() ? std::string() : it->second;
  }
};

/// A blocking TCP socket connected to 127.0.0.1:port, or -1 with errno set.
inline int ConnectLoopback(uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0) {
    const int saved = errno;
    ::close(fd);
    errno = saved;
    return -1;
  }
  return fd;
}

class RawConnection {
 public:
  using Clock = std::chrono::steady_clock;

  /// Connects (blocking, to a local listener) and then switches the socket to non-blocking.
  explicit RawConnection(uint16_t port) {
    fd_ = ConnectLoopback(port);
    if (fd_ < 0) {
      connect_errno_ = errno;
      return;
    }
    const int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL, 0) | O_NONBLOCK);
  }
  ~RawConnection() {
    if (fd_ >= 0) ::close(fd_);
  }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return fd_ >= 0; }
  int connect_errno() const { return connect_errno_; }

  /// Sends all of `bytes` before the deadline; false on error or timeout.
  bool Send(std::string_view bytes,
            std::chrono::milliseconds timeout = std::chrono::milliseconds(5000)) {
    const auto deadline = Clock::now() + timeout;
    while (!bytes.empty()) {
      if (fd_ < 0) return false;
      const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n > 0) {
        bytes.remove_prefix(static_cast<size_t>(n));
        continue;
      }
      if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return false;
      if (!Wait(POLLOUT, deadline)) return false;
    }
    return true;
  }

  /// Reads one complete response (Content-Length framing; 1xx responses have no body).
  /// nullopt if the deadline passes or the peer closes before a whole response arrived.
  std::optional<RawResponse> ReadResponse(
      std::chrono::milliseconds timeout = std::chrono::milliseconds(5000)) {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
      if (auto res = TakeResponse()) return res;
      if (eof_ || !Fill(deadline)) return std::nullopt;
    }
  }

  /// Waits until the peer closes (EOF or reset); bytes arriving meanwhile stay in pending().
  bool WaitClosed(std::chrono::milliseconds timeout = std::chrono::milliseconds(5000)) {
    const auto deadline = Clock::now() + timeout;
    while (!eof_) {
      if (!Fill(deadline)) return false;
    }
    return true;
  }

  /// True if the peer has neither sent anything nor closed: poll(2) with a zero timeout.
  bool OpenAndQuiet() {
    if (fd_ < 0 || eof_ || !pending_.empty()) return false;
    pollfd p{fd_, POLLIN, 0};
    return ::poll(&p, 1, 0) == 0;
  }

  const std::string& pending() const { return pending_; }

 private:
  // Waits for `events` until the deadline; false on timeout or error.
  bool Wait(short events, Clock::time_point deadline) {
    for (;;) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) return false;
      pollfd p{fd_, events, 0};
      const int r = ::poll(&p, 1, static_cast<int>(left));
      if (r > 0) return true;
      if (r < 0 && errno != EINTR) return false;
    }
  }

  // Reads what is available (waiting until the deadline for something); sets eof_ on close.
  bool Fill(Clock::time_point deadline) {
    if (fd_ < 0) return false;
    for (;;) {
      char buf[16384];
      const ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
      if (n > 0) {
        pending_.append(buf, static_cast<size_t>(n));
        return true;
      }
      if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
        eof_ = true;  // orderly close, or reset
        return true;
      }
      if (!Wait(POLLIN, deadline)) return false;
    }
  }

  std::optional<RawResponse> TakeResponse() {
    const size_t header_end = pending_.find("\r\n\r\n");
    if (header_end == std::string::npos) return std::nullopt;
    RawResponse res;
    std::string_view head(pending_.data(), header_end);
    const size_t line_end = head.find("\r\n");
    const std::string_view status_line = head.substr(0, line_end);
    const size_t sp = status_line.find(' ');
    if (sp == std::string_view::npos) return std::nullopt;
    res.status = std::atoi(std::string(status_line.substr(sp + 1, 3)).c_str());
    if (line_end != std::string_view::npos) {
      std::string_view rest = head.substr(line_end + 2);
      while (!rest.empty()) {
        const size_t eol = rest.find("\r\n");
        const std::string_view line = rest.substr(0, eol);
        const size_t colon = line.find(':');
        if (colon != std::string_view::npos) {
          std::string_view value = line.substr(colon + 1);
          while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
          res.headers[Lowercase(line.substr(0, colon))] = std::string(value);
        }
        if (eol == std::string_view::npos) break;
        rest.remove_prefix(eol + 2);
      }
    }
    size_t length = 0;
    if (res.status >= 200) {
      const auto it = res.headers.find("content-length");
      if (it != res.headers.end()) length = std::stoul(it->second);
    }
    const size_t total = header_end + 4 + length;
    if (pending_.size() < total) return std::nullopt;
    res.body = pending_.substr(header_end + 4, length);
    pending_.erase(0, total);
    return res;
  }

  int fd_ = -1;
  int connect_errno_ = 0;
  bool eof_ = false;
  std::string pending_;
};

}  // namespace nbsched::testing
