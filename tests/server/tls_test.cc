// HTTPS and mutual TLS on HttpServer: a test CA, server and client certificates made here with
// the OpenSSL C API (EC P-256 keys, in a temporary directory), a blocking OpenSSL client with
// socket timeouts. Covers accept, ALPN, plain HTTP on the TLS port, client-certificate
// verification and certificate rotation without a restart.

#include "scheduler/server/tls.h"

#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "scheduler/server/http_server.h"
#include "tests/testing/http_client.h"

namespace nbsched::server {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

struct KeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct CertFree {
  void operator()(X509* c) const { X509_free(c); }
};
using Key = std::unique_ptr<EVP_PKEY, KeyFree>;
using Cert = std::unique_ptr<X509, CertFree>;

Key NewKey() { return Key(EVP_EC_gen("P-256")); }

// A certificate for `cn` with `serial`, signed by issuer (self-signed when issuer is null).
Cert NewCert(const std::string& cn, long serial, EVP_PKEY* key, X509* issuer, EVP_PKEY* issuer_key,
             bool is_ca) {
  Cert cert(X509_new());
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 86400);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert.get(), issuer ? X509_get_subject_name(issuer) : name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer ? issuer : cert.get(), cert.get(), nullptr, nullptr, 0);
  const auto add = [&](int nid, const char* value) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    REQUIRE(ext != nullptr);
    X509_add_ext(cert.get(), ext, -1);
    X509_EXTENSION_free(ext);
  };
  if (is_ca) {
    add(NID_basic_constraints, "critical,CA:TRUE");
    add(NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    add(NID_basic_constraints, "CA:FALSE");
    add(NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost");
    add(NID_ext_key_usage, "serverAuth,clientAuth");
  }
  REQUIRE(X509_sign(cert.get(), issuer_key ? issuer_key : key, EVP_sha256()) > 0);
  return cert;
}

void WritePem(const fs::path& path, X509* cert) {
  FILE* f = std::fopen(path.c_str(), "w");
  REQUIRE(f != nullptr);
  PEM_write_X509(f, cert);
  std::fclose(f);
}
void WritePem(const fs::path& path, EVP_PKEY* key) {
  FILE* f = std::fopen(path.c_str(), "w");
  REQUIRE(f != nullptr);
  PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(f);
}

// A CA with its key, able to issue leaf certificates into files.
struct Ca {
  explicit Ca(const std::string& cn)
      : key(NewKey()), cert(NewCert(cn, 1, key.get(), nullptr, nullptr, true)) {}
  // Writes <stem>.crt and <stem>.key for a leaf `cn` with `serial`.
  void Issue(const fs::path& dir, const std::string& stem, const std::string& cn,
             long serial) const {
    Key leaf_key = NewKey();
    Cert leaf = NewCert(cn, serial, leaf_key.get(), cert.get(), key.get(), false);
    // Written beside and renamed into place, as the kubelet's atomic writer swaps Secret files.
    WritePem(dir / (stem + ".crt.tmp"), leaf.get());
    WritePem(dir / (stem + ".key.tmp"), leaf_key.get());
    fs::rename(dir / (stem + ".crt.tmp"), dir / (stem + ".crt"));
    fs::rename(dir / (stem + ".key.tmp"), dir / (stem + ".key"));
  }
  Key key;
  Cert cert;
};

struct TempDir {
  TempDir() {
    char tmpl[] = "/tmp/nbsched-tls-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
  fs::path path;
};

struct TlsReply {
  bool handshake = false;  // SSL_connect succeeded
  int status = 0;          // 0: no HTTP reply
  std::string body;
  std::string alpn;
  long peer_serial = -1;
};

// One HTTPS GET with Connection: close over a blocking socket (5 s timeouts).
TlsReply TlsGet(uint16_t port, const std::string& target, const fs::path& ca_file,
                const fs::path& client_cert = {}, const fs::path& client_key = {}) {
  TlsReply reply;
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  REQUIRE(SSL_CTX_load_verify_locations(ctx, ca_file.c_str(), nullptr) == 1);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  if (!client_cert.empty()) {
    REQUIRE(SSL_CTX_use_certificate_file(ctx, client_cert.c_str(), SSL_FILETYPE_PEM) == 1);
    REQUIRE(SSL_CTX_use_PrivateKey_file(ctx, client_key.c_str(), SSL_FILETYPE_PEM) == 1);
  }
  static constexpr unsigned char kProtos[] = {2,   'h', '2', 8,   'h', 't',
                                              't', 'p', '/', '1', '.', '1'};
  SSL_CTX_set_alpn_protos(ctx, kProtos, sizeof(kProtos));
  const int fd = testing::ConnectLoopback(port);
  SSL* ssl = SSL_new(ctx);
  if (fd >= 0) {
    timeval tv{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    SSL_set_fd(ssl, fd);
    SSL_set1_host(ssl, "127.0.0.1");
    if (SSL_connect(ssl) == 1) {
      reply.handshake = true;
      const unsigned char* alpn = nullptr;
      unsigned int alpn_len = 0;
      SSL_get0_alpn_selected(ssl, &alpn, &alpn_len);
      reply.alpn.assign(reinterpret_cast<const char*>(alpn), alpn_len);
      if (X509* peer = SSL_get1_peer_certificate(ssl)) {
        reply.peer_serial = ASN1_INTEGER_get(X509_get_serialNumber(peer));
        X509_free(peer);
      }
      const std::string req =
          "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
      std::string raw;
      if (SSL_write(ssl, req.data(), static_cast<int>(req.size())) > 0) {
        char buf[4096];
        for (;;) {
          const int n = SSL_read(ssl, buf, sizeof(buf));
          if (n <= 0) break;
          raw.append(buf, static_cast<size_t>(n));
        }
      }
      if (raw.starts_with("HTTP/1.1 ") && raw.size() >= 12) {
        reply.status = std::stoi(raw.substr(9, 3));
        const size_t end = raw.find("\r\n\r\n");
        if (end != std::string::npos) reply.body = raw.substr(end + 4);
      }
    }
  }
  SSL_free(ssl);
  if (fd >= 0) ::close(fd);
  SSL_CTX_free(ctx);
  ERR_clear_error();
  return reply;
}

struct TlsServer {
  TlsServer(const fs::path& dir, bool mutual, std::chrono::milliseconds reload_check = 10s)
      : http([&] {
          ServerOptions o;
          o.host = "127.0.0.1";
          o.port = 0;
          o.threads = 2;
          o.read_timeout = 3s;
          o.tls = TlsOptions{.cert_file = dir / "server.crt",
                             .key_file = dir / "server.key",
                             .client_ca_file = mutual ? (dir / "ca.crt").string() : "",
                             .reload_check = reload_check};
          return o;
        }()) {
    http.Route("GET", "/healthz", [](const HttpRequest&) {
      HttpResponse r;
      r.content_type = "text/plain";
      r.body = "ok";
      return r;
    });
    http.Route("GET", "/filter", [](const HttpRequest&) {
      HttpResponse r;
      r.body = "{}";
      return r;
    });
    auto started = http.Start();
    REQUIRE(started.ok());
    port = *started;
  }
  HttpServer http;
  uint16_t port = 0;
};

struct Pki {
  Pki() : ca("nbsched test CA"), other("some other CA") {
    WritePem(dir.path / "ca.crt", ca.cert.get());
    ca.Issue(dir.path, "server", "nbsched", 1001);
    ca.Issue(dir.path, "kube-scheduler", "system:kube-scheduler", 2001);
    other.Issue(dir.path, "stranger", "system:kube-scheduler", 3001);
  }
  TempDir dir;
  Ca ca;
  Ca other;
};

TEST_CASE("HTTPS: TLS clients are served, plain HTTP is not", "[server][tls]") {
  Pki pki;
  TlsServer server(pki.dir.path, /*mutual=*/false);
  SECTION("a TLS client that trusts the CA gets 200, ALPN http/1.1") {
    const TlsReply r = TlsGet(server.port, "/healthz", pki.dir.path / "ca.crt");
    CHECK(r.handshake);
    CHECK(r.status == 200);
    CHECK(r.body == "ok");
    CHECK(r.alpn == "http/1.1");
    CHECK(r.peer_serial == 1001);
  }
  SECTION("plain HTTP on the TLS port is closed without an HTTP reply") {
    testing::RawConnection conn(server.port);
    REQUIRE(conn.connected());
    REQUIRE(conn.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
    CHECK(conn.WaitClosed(5s));
    CHECK(conn.pending().find("HTTP/1.1 200") == std::string::npos);
    // And the server still serves TLS afterwards.
    CHECK(TlsGet(server.port, "/healthz", pki.dir.path / "ca.crt").status == 200);
  }
}

TEST_CASE("Mutual TLS: only a certificate from the client CA is accepted", "[server][tls]") {
  Pki pki;
  TlsServer server(pki.dir.path, /*mutual=*/true);
  const fs::path ca = pki.dir.path / "ca.crt";
  SECTION("kube-scheduler's CA-signed certificate") {
    const TlsReply r = TlsGet(server.port, "/filter", ca, pki.dir.path / "kube-scheduler.crt",
                              pki.dir.path / "kube-scheduler.key");
    CHECK(r.status == 200);
    CHECK(r.body == "{}");
  }
  SECTION("no client certificate: probes only, scheduling endpoints 403") {
    CHECK(TlsGet(server.port, "/healthz", ca).status == 200);  // the kubelet's HTTPS probe
    const TlsReply r = TlsGet(server.port, "/filter", ca);
    CHECK(r.status == 403);
    CHECK_THAT(r.body, Catch::Contains("client certificate"));
  }
  SECTION("a certificate from another CA, same subject: handshake refused") {
    // TLS 1.3: the client may finish its handshake before the server's alert; no reply either way.
    CHECK(TlsGet(server.port, "/healthz", ca, pki.dir.path / "stranger.crt",
                 pki.dir.path / "stranger.key")
              .status == 0);
  }
  SECTION("the server keeps serving good clients after rejecting") {
    CHECK(TlsGet(server.port, "/filter", ca, pki.dir.path / "stranger.crt",
                 pki.dir.path / "stranger.key")
              .status == 0);
    CHECK(TlsGet(server.port, "/filter", ca, pki.dir.path / "kube-scheduler.crt",
                 pki.dir.path / "kube-scheduler.key")
              .status == 200);
  }
}

TEST_CASE("TLS certificate rotation is picked up by new connections", "[server][tls]") {
  Pki pki;
  TlsServer server(pki.dir.path, /*mutual=*/false, /*reload_check=*/0ms);
  const fs::path ca = pki.dir.path / "ca.crt";
  CHECK(TlsGet(server.port, "/healthz", ca).peer_serial == 1001);
  pki.ca.Issue(pki.dir.path, "server", "nbsched", 1002);
  const TlsReply r = TlsGet(server.port, "/healthz", ca);
  CHECK(r.status == 200);
  CHECK(r.peer_serial == 1002);

  SECTION("a half-written pair (key not matching) keeps the old certificate") {
    Key stray = NewKey();
    WritePem(pki.dir.path / "server.key", stray.get());
    CHECK(TlsGet(server.port, "/healthz", ca).peer_serial == 1002);
    pki.ca.Issue(pki.dir.path, "server", "nbsched", 1003);
    CHECK(TlsGet(server.port, "/healthz", ca).peer_serial == 1003);
  }
}

TEST_CASE("TLS files that do not load fail Start with a message naming the file", "[server][tls]") {
  Pki pki;
  ServerOptions o;
  o.host = "127.0.0.1";
  o.port = 0;
  SECTION("missing certificate") {
    o.tls = TlsOptions{.cert_file = (pki.dir.path / "nope.crt").string(),
                       .key_file = (pki.dir.path / "server.key").string(),
                       .client_ca_file = ""};
    HttpServer http(o);
    const auto started = http.Start();
    REQUIRE_FALSE(started.ok());
    CHECK_THAT(std::string(started.status().message()), Catch::Contains("nope.crt"));
  }
  SECTION("key of another certificate") {
    o.tls = TlsOptions{.cert_file = (pki.dir.path / "server.crt").string(),
                       .key_file = (pki.dir.path / "stranger.key").string(),
                       .client_ca_file = ""};
    HttpServer http(o);
    const auto started = http.Start();
    REQUIRE_FALSE(started.ok());
    CHECK_THAT(std::string(started.status().message()), Catch::Contains("stranger.key"));
  }
  SECTION("client CA file that is not PEM") {
    o.tls = TlsOptions{.cert_file = (pki.dir.path / "server.crt").string(),
                       .key_file = (pki.dir.path / "server.key").string(),
                       .client_ca_file = (pki.dir.path / "server.key").string()};
    HttpServer http(o);
    CHECK_FALSE(http.Start().ok());
  }
}

}  // namespace
}  // namespace nbsched::server
