#include "scheduler/state/kube_client.h"

#include <fcntl.h>
#include <openssl/ssl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <optional>

#include "absl/strings/escaping.h"
#include "yaml-cpp/yaml.h"

namespace nbsched::state {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;

// ---- configuration ----

namespace {

// Certificates, keys, CA bundles and tokens are a few KiB (a CA bundle some hundred).
constexpr size_t kMaxReferencedFileBytes = size_t{1} << 20;
constexpr size_t kMaxKubeconfigBytes = size_t{16} << 20;

enum class ReadError { kNone, kCannotRead, kNotRegular, kTooLarge };

// Reads `path` into `out`, at most `limit` bytes. With `regular_only`, anything but a regular
// file (a FIFO, a device such as /dev/zero, a socket) is refused before it is opened, so that a
// path named in a kubeconfig can neither block the loader nor feed it without end.
ReadError ReadLimited(const std::string& path, size_t limit, bool regular_only, std::string* out) {
  struct stat st {};
  if (regular_only) {
    if (::stat(path.c_str(), &st) != 0) return ReadError::kCannotRead;
    if (!S_ISREG(st.st_mode)) return ReadError::kNotRegular;
  }
  const int fd =
      ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | (regular_only ? O_NONBLOCK : 0));
  if (fd < 0) return ReadError::kCannotRead;
  ReadError error = ReadError::kNone;
  if (regular_only && (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))) {  // replaced meanwhile
    error = ReadError::kNotRegular;
  }
  out->clear();
  char chunk[16384];
  while (error == ReadError::kNone) {
    const ssize_t n = ::read(fd, chunk, std::min(sizeof chunk, limit + 1 - out->size()));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) error = ReadError::kCannotRead;
    if (n <= 0) break;
    out->append(chunk, static_cast<size_t>(n));
    if (out->size() > limit) error = ReadError::kTooLarge;
  }
  ::close(fd);
  return error;
}

// A file named in a kubeconfig (or the service account's): errors name `what` and the path.
absl::StatusOr<std::string> ReadReferencedFile(const std::string& path, std::string_view what) {
  std::string text;
  switch (ReadLimited(path, kMaxReferencedFileBytes, /*regular_only=*/true, &text)) {
    case ReadError::kNone:
      return text;
    case ReadError::kCannotRead:
      return absl::InvalidArgumentError(std::string(what) + ": cannot read " + path);
    case ReadError::kNotRegular:
      return absl::InvalidArgumentError(std::string(what) + ": " + path + " is not a regular file");
    case ReadError::kTooLarge:
      break;
  }
  return absl::InvalidArgumentError(std::string(what) + ": " + path + " is larger than " +
                                    std::to_string(kMaxReferencedFileBytes) + " bytes");
}

std::string Resolve(const std::filesystem::path& base_dir, const std::string& path) {
  if (path.empty() || std::filesystem::path(path).is_absolute()) return path;
  return (base_dir / path).string();
}

// Reads `file_key` (a path) or `data_key` (base64 PEM) of `node` into `out`; empty when neither.
absl::Status FileOrData(const YAML::Node& node, const std::string& file_key,
                        const std::string& data_key, const std::filesystem::path& base_dir,
                        const std::string& where, std::string* out) {
  if (node[data_key] && !node[data_key].as<std::string>().empty()) {
    if (!absl::Base64Unescape(node[data_key].as<std::string>(), out)) {
      return absl::InvalidArgumentError(where + "." + data_key + ": invalid base64");
    }
    return absl::OkStatus();
  }
  if (node[file_key] && !node[file_key].as<std::string>().empty()) {
    auto text = ReadReferencedFile(Resolve(base_dir, node[file_key].as<std::string>()),
                                   where + "." + file_key);
    if (!text.ok()) return text.status();
    *out = std::move(*text);
  }
  return absl::OkStatus();
}

// The `field` of the entry of `list` named `name` (an undefined node when there is none).
YAML::Node FindNamed(const YAML::Node& list, const std::string& name, const std::string& field) {
  if (list && list.IsSequence()) {
    for (const auto& item : list) {
      if (item["name"] && item["name"].as<std::string>() == name) return item[field];
    }
  }
  return YAML::Node(YAML::NodeType::Undefined);
}

// ParseKubeconfig's body; yaml-cpp throws on syntax errors and bad conversions. `path` names the
// text in messages.
absl::StatusOr<KubeConfig> ParseOrThrow(std::string_view yaml,
                                        const std::filesystem::path& base_dir,
                                        const std::string& context, const std::string& path) {
  const YAML::Node root = YAML::Load(std::string(yaml));
  std::string context_name = context;
  if (context_name.empty() && root["current-context"]) {
    context_name = root["current-context"].as<std::string>();
  }
  if (context_name.empty()) return absl::InvalidArgumentError(path + ": no current-context");
  const YAML::Node ctx = FindNamed(root["contexts"], context_name, "context");
  if (!ctx) {
    return absl::InvalidArgumentError(path + ": context \"" + context_name + "\" not found");
  }
  const std::string cluster_name = ctx["cluster"] ? ctx["cluster"].as<std::string>() : "";
  const std::string user_name = ctx["user"] ? ctx["user"].as<std::string>() : "";
  const YAML::Node cluster = FindNamed(root["clusters"], cluster_name, "cluster");
  if (!cluster) {
    return absl::InvalidArgumentError(path + ": cluster \"" + cluster_name + "\" not found");
  }
  KubeConfig config;
  const std::string cwhere = path + ": cluster \"" + cluster_name + "\"";
  if (!cluster["server"] || cluster["server"].as<std::string>().empty()) {
    return absl::InvalidArgumentError(cwhere + ": no server");
  }
  config.server = cluster["server"].as<std::string>();
  if (cluster["insecure-skip-tls-verify"]) {
    config.insecure_skip_tls_verify = cluster["insecure-skip-tls-verify"].as<bool>();
  }
  if (cluster["tls-server-name"])
    config.tls_server_name = cluster["tls-server-name"].as<std::string>();
  if (absl::Status s = FileOrData(cluster, "certificate-authority", "certificate-authority-data",
                                  base_dir, cwhere, &config.ca);
      !s.ok()) {
    return s;
  }
  if (user_name.empty()) return config;
  const YAML::Node user = FindNamed(root["users"], user_name, "user");
  if (!user) return absl::InvalidArgumentError(path + ": user \"" + user_name + "\" not found");
  const std::string uwhere = path + ": user \"" + user_name + "\"";
  for (const char* unsupported : {"exec", "auth-provider", "username"}) {
    if (user[unsupported]) {
      return absl::InvalidArgumentError(uwhere + ": \"" + unsupported +
                                        "\" authentication is not supported (use a token, a "
                                        "token file or a client certificate)");
    }
  }
  if (user["token"]) config.token = user["token"].as<std::string>();
  if (user["tokenFile"]) config.token_file = Resolve(base_dir, user["tokenFile"].as<std::string>());
  if (absl::Status s = FileOrData(user, "client-certificate", "client-certificate-data", base_dir,
                                  uwhere, &config.client_cert);
      !s.ok()) {
    return s;
  }
  if (absl::Status s =
          FileOrData(user, "client-key", "client-key-data", base_dir, uwhere, &config.client_key);
      !s.ok()) {
    return s;
  }
  if (config.client_cert.empty() != config.client_key.empty()) {
    return absl::InvalidArgumentError(uwhere + ": a client certificate needs a client key");
  }
  return config;
}

}  // namespace

absl::StatusOr<KubeConfig> ParseKubeconfig(std::string_view yaml, const std::string& base_dir,
                                           const std::string& context, const std::string& source) {
  try {
    return ParseOrThrow(yaml, base_dir, context, source);
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(source + ":" + std::to_string(e.mark.line + 1) + ": " +
                                      e.msg);
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(source + ": " + e.what());
  }
}

absl::StatusOr<KubeConfig> LoadKubeconfig(const std::string& path, const std::string& context) {
  // Not regular_only: a kubeconfig may come through a pipe (`--kubeconfig <(...)`).
  std::string text;
  switch (ReadLimited(path, kMaxKubeconfigBytes, /*regular_only=*/false, &text)) {
    case ReadError::kNone:
      break;
    case ReadError::kTooLarge:
      return absl::InvalidArgumentError(path + ": larger than " +
                                        std::to_string(kMaxKubeconfigBytes) + " bytes");
    default:
      return absl::InvalidArgumentError(path + ": cannot read");
  }
  return ParseKubeconfig(text, std::filesystem::path(path).parent_path().string(), context, path);
}

absl::StatusOr<KubeConfig> LoadInClusterConfig(const std::string& service_account_dir) {
  const char* host = std::getenv("KUBERNETES_SERVICE_HOST");
  const char* port = std::getenv("KUBERNETES_SERVICE_PORT");
  if (host == nullptr || port == nullptr || *host == '\0' || *port == '\0') {
    return absl::FailedPreconditionError(
        "not running in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are unset");
  }
  KubeConfig config;
  const std::string h = host;
  config.server = "https://" + (h.find(':') != std::string::npos ? "[" + h + "]" : h) + ":" + port;
  config.token_file = service_account_dir + "/token";
  auto ca = ReadReferencedFile(service_account_dir + "/ca.crt", "in-cluster CA");
  if (!ca.ok()) return ca.status();
  config.ca = std::move(*ca);
  if (auto token = ReadReferencedFile(config.token_file, "in-cluster token"); !token.ok()) {
    return token.status();
  }
  return config;
}

std::string UrlEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

// ---- cancellation ----

void Canceller::Cancel() {
  std::lock_guard<std::mutex> lock(mu_);
  cancelled_ = true;
  if (abort_) abort_();
}

bool Canceller::cancelled() const {
  std::lock_guard<std::mutex> lock(mu_);
  return cancelled_;
}

// Registers the call's io_context with a Canceller for the call's lifetime, and drives
// asynchronous operations to completion one at a time.
class CallScope {
 public:
  CallScope(asio::io_context& ioc, Canceller* canceller) : ioc_(ioc), canceller_(canceller) {
    if (canceller_ == nullptr) return;
    std::lock_guard<std::mutex> lock(canceller_->mu_);
    canceller_->abort_ = [this] { ioc_.stop(); };
  }
  ~CallScope() {
    if (canceller_ == nullptr) return;
    std::lock_guard<std::mutex> lock(canceller_->mu_);
    canceller_->abort_ = nullptr;
  }
  CallScope(const CallScope&) = delete;
  CallScope& operator=(const CallScope&) = delete;

  bool cancelled() const { return canceller_ != nullptr && canceller_->cancelled(); }

  // Starts an operation with a completion handler and runs the io_context until it completes.
  // Returns operation_aborted when cancelled (the io_context is then stopped for good, and the
  // pending handler is destroyed with it, never called).
  template <typename Start>
  beast::error_code Run(Start&& start) {
    beast::error_code result;
    bool done = false;
    if (cancelled()) return asio::error::operation_aborted;
    start([&](beast::error_code ec, auto&&...) {
      result = ec;
      done = true;
    });
    ioc_.restart();
    // A Cancel() before restart() set the flag first, so it is seen here; one after stops run.
    if (cancelled()) return asio::error::operation_aborted;
    while (!done) {
      if (ioc_.run_one() == 0) return asio::error::operation_aborted;
    }
    return result;
  }

 private:
  asio::io_context& ioc_;
  Canceller* canceller_;
};

// ---- the client ----

struct KubeClient::Impl {
  bool tls = false;
  std::string host;  // without brackets
  std::string port;
  std::string prefix;  // path prefix of the server URL, no trailing '/'
  std::string host_header;
  std::optional<ssl::context> ssl_ctx;
};

namespace {

absl::Status ParseServer(const std::string& server, KubeClient::Impl* impl) {
  std::string_view rest = server;
  if (rest.starts_with("https://")) {
    impl->tls = true;
    rest.remove_prefix(8);
  } else if (rest.starts_with("http://")) {
    rest.remove_prefix(7);
  } else {
    return absl::InvalidArgumentError("server \"" + server + "\": expected http:// or https://");
  }
  const size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) {
    impl->prefix = std::string(rest.substr(slash));
    while (!impl->prefix.empty() && impl->prefix.back() == '/') impl->prefix.pop_back();
  }
  if (authority.starts_with("[")) {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return absl::InvalidArgumentError("server \"" + server + "\": bad IPv6 address");
    }
    impl->host = std::string(authority.substr(1, close - 1));
    authority.remove_prefix(close + 1);
    if (authority.starts_with(":")) impl->port = std::string(authority.substr(1));
  } else {
    const size_t colon = authority.rfind(':');
    impl->host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) impl->port = std::string(authority.substr(colon + 1));
  }
  if (impl->host.empty()) return absl::InvalidArgumentError("server \"" + server + "\": no host");
  if (impl->port.empty()) impl->port = impl->tls ? "443" : "80";
  impl->host_header =
      (impl->host.find(':') != std::string::npos ? "[" + impl->host + "]" : impl->host) + ":" +
      impl->port;
  return absl::OkStatus();
}

bool IsIpAddress(const std::string& host) {
  beast::error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

std::string SslError(const beast::error_code& ec) {
  return ec.message() + (ec.category() == asio::error::get_ssl_category() ? " (TLS)" : "");
}

}  // namespace

absl::StatusOr<std::unique_ptr<KubeClient>> KubeClient::Create(KubeConfig config) {
  auto impl = std::make_unique<Impl>();
  if (absl::Status s = ParseServer(config.server, impl.get()); !s.ok()) return s;
  if (impl->tls) {
    impl->ssl_ctx.emplace(ssl::context::tls_client);
    ssl::context& ctx = *impl->ssl_ctx;
    beast::error_code ec;
    ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                        ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1,
                    ec);
    if (config.insecure_skip_tls_verify) {
      ctx.set_verify_mode(ssl::verify_none, ec);
    } else {
      if (!config.ca.empty()) {
        ctx.add_certificate_authority(asio::buffer(config.ca), ec);
        if (ec) return absl::InvalidArgumentError("certificate authority: " + SslError(ec));
      } else {
        ctx.set_default_verify_paths(ec);
      }
      ctx.set_verify_mode(ssl::verify_peer, ec);
    }
    if (!config.client_cert.empty()) {
      ctx.use_certificate_chain(asio::buffer(config.client_cert), ec);
      if (ec) return absl::InvalidArgumentError("client certificate: " + SslError(ec));
      ctx.use_private_key(asio::buffer(config.client_key), ssl::context::pem, ec);
      if (ec) return absl::InvalidArgumentError("client key: " + SslError(ec));
    }
  }
  return std::unique_ptr<KubeClient>(new KubeClient(std::move(config), std::move(impl)));
}

KubeClient::KubeClient(KubeConfig config, std::unique_ptr<Impl> impl)
    : config_(std::move(config)), impl_(std::move(impl)) {}

KubeClient::~KubeClient() = default;

std::string KubeClient::BearerToken(bool force_reread) {
  std::lock_guard<std::mutex> lock(token_mu_);
  if (config_.token_file.empty()) return config_.token;
  struct stat st {};
  if (::stat(config_.token_file.c_str(), &st) != 0) return token_;  // keep the last one
  const int64_t mtime_ns =
      static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  if (force_reread || mtime_ns != token_mtime_ns_ || st.st_size != token_size_ ||
      st.st_ino != token_inode_) {
    // Bounded, regular files only: a token file that became a FIFO or a device cannot hang us.
    std::string token;
    if (ReadLimited(config_.token_file, kMaxReferencedFileBytes, /*regular_only=*/true, &token) ==
        ReadError::kNone) {
      while (!token.empty() &&
             (token.back() == '\n' || token.back() == '\r' || token.back() == ' '))
        token.pop_back();
      token_ = std::move(token);
      token_mtime_ns_ = mtime_ns;
      token_size_ = st.st_size;
      token_inode_ = st.st_ino;
    }
  }
  return token_;
}

namespace {

constexpr size_t kReadChunk = 64 * 1024;

// Writes the request and reads the reply over a connected stream. Lines of a 2xx body go to
// `on_line` when given; otherwise the body is collected.
template <typename Stream>
absl::StatusOr<HttpResult> Exchange(Stream& stream, CallScope& scope,
                                    http::request<http::string_body>& request,
                                    const std::function<void(std::string_view)>* on_line,
                                    const RequestOptions& options, const std::string& what) {
  const std::chrono::milliseconds timeout = options.timeout;
  auto& lowest = beast::get_lowest_layer(stream);
  beast::error_code ec;
  lowest.expires_after(timeout);
  ec = scope.Run([&](auto handler) { http::async_write(stream, request, std::move(handler)); });
  if (ec == asio::error::operation_aborted && scope.cancelled())
    return absl::CancelledError(what + ": cancelled");
  if (ec) return absl::UnavailableError(what + ": write: " + SslError(ec));

  beast::flat_buffer buffer;
  http::response_parser<http::buffer_body> parser;
  parser.body_limit(std::numeric_limits<uint64_t>::max());
  if (on_line == nullptr) lowest.expires_after(timeout);
  ec = scope.Run(
      [&](auto handler) { http::async_read_header(stream, buffer, parser, std::move(handler)); });
  if (ec == asio::error::operation_aborted && scope.cancelled())
    return absl::CancelledError(what + ": cancelled");
  if (ec) return absl::UnavailableError(what + ": read: " + SslError(ec));

  HttpResult result;
  result.status = static_cast<int>(parser.get().result_int());
  if (options.on_headers) options.on_headers(result.status);
  const bool stream_lines = on_line != nullptr && result.status / 100 == 2;
  std::string pending;  // a partial line
  std::vector<char> data(kReadChunk);
  while (!parser.is_done()) {
    parser.get().body().data = data.data();
    parser.get().body().size = data.size();
    if (stream_lines) lowest.expires_after(timeout);
    ec = scope.Run(
        [&](auto handler) { http::async_read_some(stream, buffer, parser, std::move(handler)); });
    if (ec == http::error::need_buffer) ec = {};
    if (ec == asio::error::operation_aborted && scope.cancelled())
      return absl::CancelledError(what + ": cancelled");
    if (ec) return absl::UnavailableError(what + ": read: " + SslError(ec));
    const size_t n = data.size() - parser.get().body().size;
    if (!stream_lines) {
      result.body.append(data.data(), n);
      continue;
    }
    std::string_view chunk(data.data(), n);
    while (!chunk.empty()) {
      const size_t nl = chunk.find('\n');
      if (nl == std::string_view::npos) {
        pending.append(chunk);
        break;
      }
      if (pending.empty()) {
        if (nl > 0) (*on_line)(chunk.substr(0, nl));
      } else {
        pending.append(chunk.substr(0, nl));
        (*on_line)(pending);
        pending.clear();
      }
      chunk.remove_prefix(nl + 1);
    }
  }
  if (stream_lines && !pending.empty()) (*on_line)(pending);
  return result;
}

}  // namespace

absl::StatusOr<HttpResult> KubeClient::Call(std::string_view method, std::string_view path,
                                            const Query& query, std::string body,
                                            const std::function<void(std::string_view)>* on_line,
                                            const RequestOptions& options) {
  std::string target = impl_->prefix + std::string(path);
  for (size_t i = 0; i < query.size(); ++i) {
    target += i == 0 ? '?' : '&';
    target += UrlEncode(query[i].first) + "=" + UrlEncode(query[i].second);
  }
  const std::string what = std::string(method) + " " + target;
  for (int attempt = 0;; ++attempt) {
    http::request<http::string_body> request(method == "POST" ? http::verb::post : http::verb::get,
                                             target, 11);
    request.set(http::field::host, impl_->host_header);
    request.set(http::field::user_agent, "nbsched");
    request.set(http::field::accept, "application/json");
    request.keep_alive(false);
    const std::string token = BearerToken(attempt > 0);
    if (!token.empty()) request.set(http::field::authorization, "Bearer " + token);
    if (method == "POST") {
      request.set(http::field::content_type, "application/json");
      request.body() = body;
    }
    request.prepare_payload();

    asio::io_context ioc;
    CallScope scope(ioc, options.canceller);
    asio::ip::tcp::resolver resolver(ioc);
    asio::ip::tcp::resolver::results_type endpoints;
    beast::error_code ec = scope.Run([&](auto handler) {
      resolver.async_resolve(impl_->host, impl_->port,
                             [&endpoints, handler = std::move(handler)](
                                 beast::error_code e, asio::ip::tcp::resolver::results_type r) {
                               endpoints = std::move(r);
                               handler(e);
                             });
    });
    if (ec == asio::error::operation_aborted && scope.cancelled())
      return absl::CancelledError(what + ": cancelled");
    if (ec) return absl::UnavailableError(what + ": resolve " + impl_->host + ": " + ec.message());

    absl::StatusOr<HttpResult> result;
    if (impl_->tls) {
      beast::ssl_stream<beast::tcp_stream> stream(ioc, *impl_->ssl_ctx);
      const std::string& verify_name =
          config_.tls_server_name.empty() ? impl_->host : config_.tls_server_name;
      if (!IsIpAddress(verify_name)) {
        SSL_set_tlsext_host_name(stream.native_handle(), verify_name.c_str());
      }
      if (!config_.insecure_skip_tls_verify) {
        stream.set_verify_callback(ssl::host_name_verification(verify_name));
      }
      auto& lowest = beast::get_lowest_layer(stream);
      lowest.expires_after(options.timeout);
      ec = scope.Run([&](auto handler) {
        lowest.async_connect(
            endpoints, [handler = std::move(handler)](beast::error_code e, auto&&) { handler(e); });
      });
      if (!ec) {
        ec = scope.Run([&](auto handler) {
          stream.async_handshake(ssl::stream_base::client, std::move(handler));
        });
        if (ec && !(ec == asio::error::operation_aborted && scope.cancelled())) {
          return absl::UnavailableError(what + ": TLS handshake with " + impl_->host_header + ": " +
                                        SslError(ec));
        }
      }
      if (ec == asio::error::operation_aborted && scope.cancelled())
        return absl::CancelledError(what + ": cancelled");
      if (ec)
        return absl::UnavailableError(what + ": connect " + impl_->host_header + ": " +
                                      ec.message());
      result = Exchange(stream, scope, request, on_line, options, what);
    } else {
      beast::tcp_stream stream(ioc);
      stream.expires_after(options.timeout);
      ec = scope.Run([&](auto handler) {
        stream.async_connect(
            endpoints, [handler = std::move(handler)](beast::error_code e, auto&&) { handler(e); });
      });
      if (ec == asio::error::operation_aborted && scope.cancelled())
        return absl::CancelledError(what + ": cancelled");
      if (ec)
        return absl::UnavailableError(what + ": connect " + impl_->host_header + ": " +
                                      ec.message());
      result = Exchange(stream, scope, request, on_line, options, what);
    }
    // A 401 with a token file: the token may have been rotated since the last read; retry once.
    if (result.ok() && result->status == 401 && attempt == 0 && !config_.token_file.empty()) {
      continue;
    }
    return result;
  }
}

absl::StatusOr<HttpResult> KubeClient::Get(std::string_view path, const Query& query,
                                           const RequestOptions& options) {
  return Call("GET", path, query, {}, nullptr, options);
}

absl::StatusOr<HttpResult> KubeClient::PostJson(std::string_view path, std::string body,
                                                const RequestOptions& options) {
  return Call("POST", path, {}, std::move(body), nullptr, options);
}

absl::StatusOr<HttpResult> KubeClient::StreamLines(
    std::string_view path, const Query& query,
    const std::function<void(std::string_view line)>& on_line, const RequestOptions& options) {
  return Call("GET", path, query, {}, &on_line, options);
}

}  // namespace nbsched::state
