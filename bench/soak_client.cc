// Soak client for bench/soak.sh: sends a bounded mix of valid and invalid requests over keep-alive
// connections to an nbsched on 127.0.0.1, checks every status against the expected one, and
// samples the server's RSS and open file descriptors (from /proc/PID) into a CSV.
//
//   soak_client --port P --server-pid PID --requests N [--connections C] [--csv FILE]
//               [--examples DIR]
// Prints a summary line; exit 0 when every request got its expected status, 1 otherwise.
// Only the standard library and POSIX sockets: it builds with a bare `g++ -std=c++20`.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Case {
  std::string name;
  std::string request;  // complete HTTP/1.1 request bytes (keep-alive)
  int want;             // expected status
  bool closes = false;  // the server closes after answering (malformed HTTP)
};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string Post(const std::string& path, const std::string& body,
                 const std::string& type = "application/json") {
  return "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: " + type +
         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}
std::string Get(const std::string& path) {
  return "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
}

std::vector<Case> Cases(const std::string& examples) {
  const std::string pod = ReadFile(examples + "/notebook-pod.json");
  const std::string gpu_pod = ReadFile(examples + "/gpu-notebook-pod.json");
  if (pod.empty() || gpu_pod.empty()) {
    std::cerr << "soak_client: cannot read pods from " << examples << "\n";
    std::exit(2);
  }
  const std::string names = R"(["master","worker-1","worker-2","gpu-1"])";
  const std::string args = "{\"Pod\": " + pod + ", \"NodeNames\": " + names + "}";
  const std::string lower = "{\"pod\": " + gpu_pod + ", \"nodenames\": " + names + "}";
  std::string deep(200, '[');
  deep += std::string(200, ']');
  std::string many = "{\"Pod\": " + pod + ", \"NodeNames\": [";
  for (int i = 0; i < 10001; ++i) many += (i ? ",\"n" : "\"n") + std::to_string(i) + "\"";
  many += "]}";
  return {
      // valid
      {"healthz", Get("/healthz"), 200},
      {"filter", Post("/filter", args), 200},
      {"filter-lowercase", Post("/filter", lower), 200},
      {"prioritize", Post("/prioritize", args), 200},
      {"explain", Post("/explain", args), 200},
      {"readyz", Get("/readyz"), 200},
      {"preempt", Post("/preempt", "{\"Pod\": " + pod + ", \"NodeNameToMetaVictims\": {}}"), 200},
      {"filter-2", Post("/filter", args), 200},
      {"prioritize-2", Post("/prioritize", lower), 200},
      {"metrics", Get("/metrics"), 200},
      // invalid
      {"truncated-json", Post("/filter", args.substr(0, args.size() / 2)), 400},
      {"wrong-type", Post("/filter", "{\"Pod\": 5}"), 400},
      {"form-body", Post("/filter", "a=b", "application/x-www-form-urlencoded"), 400},
      {"invalid-utf8", Post("/filter", "{\"Pod\": {\"metadata\": {\"name\": \"\xff\"}}}"), 400},
      {"deep-nesting", Post("/prioritize", deep), 400},
      {"negative-cpu",
       Post("/filter",
            "{\"Pod\": {\"spec\": {\"containers\": [{\"resources\": {\"requests\": {\"cpu\": "
            "\"-1\"}}}]}}, \"NodeNames\": [\"worker-1\"]}"),
       400},
      {"huge-number", Post("/bind", "{\"PodName\": 1e999, \"Node\": \"w\"}"), 400},
      {"too-many-nodes", Post("/filter", many), 400},
      {"unknown-path", Get("/nope"), 404},
      {"wrong-method", Get("/filter"), 405},
      {"malformed-http", "GET / HTTP/1.1\r\nHost x\r\n\r\n", 400, true},
  };
}

class Conn {
 public:
  explicit Conn(uint16_t port) : port_(port) {}
  ~Conn() { Close(); }

  // Sends one request and reads one response; returns the status or -1 on a transport error.
  int Exchange(const std::string& request) {
    if (fd_ < 0 && !Connect()) return -1;
    const char* p = request.data();
    size_t left = request.size();
    while (left > 0) {
      const ssize_t n = ::send(fd_, p, left, MSG_NOSIGNAL);
      if (n <= 0) return Fail();
      p += n;
      left -= static_cast<size_t>(n);
    }
    for (;;) {
      const size_t end = buf_.find("\r\n\r\n");
      if (end != std::string::npos) {
        if (buf_.size() < 12) return Fail();
        const int status = std::atoi(buf_.substr(9, 3).c_str());
        size_t length = 0;
        const std::string head = buf_.substr(0, end);
        for (const char* key : {"Content-Length: ", "content-length: "}) {
          const size_t at = head.find(key);
          if (at != std::string::npos) length = std::stoul(head.substr(at + std::strlen(key)));
        }
        if (buf_.size() >= end + 4 + length) {
          const bool close = head.find("Connection: close") != std::string::npos;
          buf_.erase(0, end + 4 + length);
          if (close) Close();
          return status;
        }
      }
      char chunk[65536];
      const ssize_t n = ::recv(fd_, chunk, sizeof(chunk), 0);
      if (n <= 0) return Fail();
      buf_.append(chunk, static_cast<size_t>(n));
    }
  }

  int connects() const { return connects_; }

 private:
  bool Connect() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0) return false;
    timeval tv{30, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    const int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port_);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0) {
      Close();
      return false;
    }
    ++connects_;
    return true;
  }
  int Fail() {
    Close();
    return -1;
  }
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    buf_.clear();
  }

  const uint16_t port_;
  int fd_ = -1;
  int connects_ = 0;
  std::string buf_;
};

long ProcField(int pid, const char* field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  const size_t n = std::strlen(field);
  while (std::getline(in, line)) {
    if (line.compare(0, n, field) == 0) return std::atol(line.c_str() + n);
  }
  return -1;
}

long OpenFds(int pid) {
  std::error_code ec;
  long count = 0;
  for (auto it = std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    ++count;
  }
  return ec ? -1 : count;
}

}  // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> flags = {{"connections", "8"},
                                              {"csv", "build/soak.csv"},
                                              {"examples", "examples"},
                                              {"requests", "20000"},
                                              {"server-pid", "0"}};
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string name = argv[i];
    if (!name.starts_with("--") || (!flags.contains(name.substr(2)) && name != "--port")) {
      std::cerr << "soak_client: unknown flag " << name << "\n";
      return 2;
    }
    flags[name.substr(2)] = argv[i + 1];
  }
  if (!flags.contains("port")) {
    std::cerr << "soak_client: --port is required\n";
    return 2;
  }
  const auto port = static_cast<uint16_t>(std::stoi(flags["port"]));
  const int64_t total = std::stoll(flags["requests"]);
  const int connections = std::max(1, std::stoi(flags["connections"]));
  const int pid = std::stoi(flags["server-pid"]);
  const std::vector<Case> cases = Cases(flags["examples"]);

  std::atomic<int64_t> next{0}, done{0}, errors{0}, reconnects{0};
  std::mutex first_errors_mu;
  std::map<std::string, int64_t> errors_by_case;
  const auto start = Clock::now();

  std::ofstream csv(flags["csv"]);
  csv << "elapsed_s,requests,errors,rss_kb,open_fds,threads\n";
  long rss_start = -1, rss_end = -1, rss_max = -1;
  const auto sample = [&] {
    const double t = std::chrono::duration<double>(Clock::now() - start).count();
    const long rss = pid > 0 ? ProcField(pid, "VmRSS:") : -1;
    if (rss_start < 0) rss_start = rss;
    rss_end = rss;
    rss_max = std::max(rss_max, rss);
    csv << t << ',' << done.load() << ',' << errors.load() << ',' << rss << ','
        << (pid > 0 ? OpenFds(pid) : -1) << ',' << (pid > 0 ? ProcField(pid, "Threads:") : -1)
        << '\n'
        << std::flush;
  };
  sample();

  std::vector<std::thread> workers;
  for (int w = 0; w < connections; ++w) {
    workers.emplace_back([&, w] {
      Conn conn(port);
      for (;;) {
        const int64_t i = next.fetch_add(1);
        if (i >= total) break;
        const Case& c = cases[static_cast<size_t>(i % static_cast<int64_t>(cases.size()))];
        const int status = conn.Exchange(c.request);
        if (status != c.want) {
          errors.fetch_add(1);
          std::lock_guard<std::mutex> lock(first_errors_mu);
          if (++errors_by_case[c.name + " got " + std::to_string(status)] == 1) {
            std::cerr << "soak_client: " << c.name << ": want " << c.want << ", got " << status
                      << "\n";
          }
        }
        done.fetch_add(1);
      }
      reconnects.fetch_add(conn.connects());
    });
  }
  // Sample once a second (and at the end) while the workers run.
  std::atomic<bool> finished{false};
  std::thread sampler([&] {
    auto tick = Clock::now();
    while (!finished.load()) {
      tick += std::chrono::seconds(1);
      while (!finished.load() && Clock::now() < tick) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      if (!finished.load()) sample();
    }
  });
  for (auto& t : workers) t.join();
  finished.store(true);
  sampler.join();
  sample();
  const double secs = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf(
      "soak: requests=%lld errors=%lld connections_opened=%lld seconds=%.1f req/s=%.0f "
      "rss_start_kb=%ld rss_end_kb=%ld rss_max_kb=%ld csv=%s\n",
      static_cast<long long>(done.load()), static_cast<long long>(errors.load()),
      static_cast<long long>(reconnects.load()), secs, done.load() / secs, rss_start, rss_end,
      rss_max, flags["csv"].c_str());
  for (const auto& [what, n] : errors_by_case) {
    std::printf("  error: %s x%lld\n", what.c_str(), static_cast<long long>(n));
  }
  return errors.load() == 0 ? 0 : 1;
}
