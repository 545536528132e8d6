#include "scheduler/server/tls.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/stat.h>

#include <utility>

#include "absl/status/status.h"

namespace nbsched::server {
namespace {

namespace ssl = boost::asio::ssl;

// The most recent OpenSSL error of this thread as text (the queue is cleared).
std::string OpenSslError() {
  std::string text;
  while (const unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof(buf));
    text = buf;  // the last one is the most specific
  }
  return text.empty() ? "unknown OpenSSL error" : text;
}

absl::Status FileError(std::string_view what, const std::string& path) {
  return absl::InvalidArgumentError(std::string(what) + " \"" + path + "\": " + OpenSslError());
}

// ALPN: the server speaks HTTP/1.1 only. A client that offers something else gets no ALPN
// extension back (it may still talk HTTP/1.1); h2-only clients fail at their end.
int SelectAlpn(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
               unsigned int inlen, void*) {
  static constexpr unsigned char kHttp11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  unsigned char* selected = nullptr;
  if (SSL_select_next_proto(&selected, outlen, kHttp11, sizeof(kHttp11), in, inlen) ==
      OPENSSL_NPN_NEGOTIATED) {
    *out = selected;
    return SSL_TLSEXT_ERR_OK;
  }
  return SSL_TLSEXT_ERR_NOACK;
}

}  // namespace

absl::StatusOr<std::shared_ptr<ssl::context>> BuildTlsContext(const TlsOptions& options) {
  if (options.cert_file.empty() || options.key_file.empty()) {
    return absl::InvalidArgumentError("TLS needs both a certificate and a key file");
  }
  ERR_clear_error();
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = ctx->native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  SSL_CTX_set_options(
      native, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  if (SSL_CTX_use_certificate_chain_file(native, options.cert_file.c_str()) != 1) {
    return FileError("cannot load TLS certificate", options.cert_file);
  }
  if (SSL_CTX_use_PrivateKey_file(native, options.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    return FileError("cannot load TLS key", options.key_file);
  }
  if (SSL_CTX_check_private_key(native) != 1) {
    return FileError("TLS key does not match the certificate in", options.cert_file);
  }
  if (!options.client_ca_file.empty()) {
    if (SSL_CTX_load_verify_locations(native, options.client_ca_file.c_str(), nullptr) != 1) {
      return FileError("cannot load client CA", options.client_ca_file);
    }
    // Tell clients which CAs we accept (curl and Go pick their certificate by it).
    STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(options.client_ca_file.c_str());
    if (names == nullptr) return FileError("no CA certificate in", options.client_ca_file);
    SSL_CTX_set_client_CA_list(native, names);
    // No SSL_VERIFY_FAIL_IF_NO_PEER_CERT: certificate-less clients are limited per path by the
    // HTTP server (tls.h).
    SSL_CTX_set_verify(native, SSL_VERIFY_PEER, nullptr);
    // Session resumption with client verification needs a session id context.
    static constexpr unsigned char kSidContext[] = "nbsched";
    SSL_CTX_set_session_id_context(native, kSidContext, sizeof(kSidContext) - 1);
  }
  SSL_CTX_set_alpn_select_cb(native, &SelectAlpn, nullptr);
  return ctx;
}

TlsContextSource::Stamp TlsContextSource::StampOf(const TlsOptions& options) {
  const auto id = [](const std::string& path) {
    FileId f;
    struct stat st {};
    if (path.empty() || ::stat(path.c_str(), &st) != 0) return f;
    f.dev = static_cast<uint64_t>(st.st_dev);
    f.ino = static_cast<uint64_t>(st.st_ino);
    f.size = static_cast<uint64_t>(st.st_size);
    f.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
    return f;
  };
  return Stamp{id(options.cert_file), id(options.key_file), id(options.client_ca_file)};
}

absl::StatusOr<std::unique_ptr<TlsContextSource>> TlsContextSource::Create(TlsOptions options) {
  std::unique_ptr<TlsContextSource> source(new TlsContextSource(std::move(options)));
  source->stamp_ = StampOf(source->options_);
  auto ctx = BuildTlsContext(source->options_);
  if (!ctx.ok()) return ctx.status();
  source->current_ = *std::move(ctx);
  source->generation_ = 1;
  source->next_check_ = std::chrono::steady_clock::now() + source->options_.reload_check;
  return source;
}

std::shared_ptr<ssl::context> TlsContextSource::Current() {
  std::lock_guard<std::mutex> lock(mu_);
  const auto now = std::chrono::steady_clock::now();
  if (now < next_check_) return current_;
  next_check_ = now + options_.reload_check;
  const Stamp stamp = StampOf(options_);
  if (stamp == stamp_) return current_;
  auto ctx = BuildTlsContext(options_);
  if (!ctx.ok()) return current_;  // caught mid-rotation: try again at the next check
  stamp_ = stamp;
  current_ = *std::move(ctx);
  ++generation_;
  return current_;
}

uint64_t TlsContextSource::generation() const {
  std::lock_guard<std::mutex> lock(mu_);
  return generation_;
}

}  // namespace nbsched::server
