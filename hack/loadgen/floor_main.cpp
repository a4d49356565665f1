// trove-floor: the benchmarks' "floor" reference server. A bare epoll loop
// that answers every HTTP request with one precomputed response carrying the
// same ~50-byte body trove serves: no parsing beyond finding the end of each
// request's headers, no allocation per request. Whatever latency and CPU per
// request it shows is the machine's (kernel + loopback) limit.
//
// Requests must not carry bodies (the benchmark's GETs never do).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <array>
#include <cerrno>
#include <cstring>
#include <iostream>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "reference_server.hpp"

namespace {

constexpr std::string_view kBody = trove::loadgen::kReferenceBody;

std::string make_response() {
  return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
         std::to_string(kBody.size()) + "\r\nETag: \"1\"\r\n\r\n" + std::string(kBody);
}

// Per connection: how far into "\r\n\r\n" the last read ended, so a request
// split across reads is still counted once.
struct Connection {
  int fd = -1;
  int matched = 0;
  std::string pending;  // unsent responses (only when the socket buffer is full)
};

int count_requests(Connection& c, const char* p, std::size_t n) {
  static constexpr char kEnd[] = "\r\n\r\n";
  int requests = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (p[i] == kEnd[c.matched]) {
      if (++c.matched == 4) {
        ++requests;
        c.matched = 0;
      }
    } else {
      c.matched = p[i] == '\r' ? 1 : 0;
    }
  }
  return requests;
}

// SIGTERM is the bench's normal way to stop a reference server: exit 0 at
// once (nothing to drain; the load generator has finished by then).
void exit_on_sigterm(int) {
  _exit(0);
}

// Returns the listening socket, or -1 after printing why not.
int listen_on(const std::string& bind, std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  ::inet_pton(AF_INET, bind.c_str(), &addr.sin_addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 4096) != 0) {
    std::cerr << "trove-floor: cannot listen on " << bind << ":" << port << ": "
              << std::generic_category().message(errno) << "\n";
    ::close(fd);
    return -1;
  }
  return fd;
}

std::uint16_t bound_port(int fd) {
  sockaddr_in addr{};
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  return ntohs(addr.sin_port);
}

void serve(int listener, const std::string& response, bool spin) {
  const int ep = ::epoll_create1(EPOLL_CLOEXEC);
  Connection listener_marker;  // the listener's epoll tag, never a client
  epoll_event lev{};
  lev.events = EPOLLIN;
  lev.data.ptr = &listener_marker;
  ::epoll_ctl(ep, EPOLL_CTL_ADD, listener, &lev);
  std::array<epoll_event, 256> events{};
  std::array<char, 65536> buf{};
  std::string out;
  for (;;) {
    const int n = ::epoll_wait(ep, events.data(), static_cast<int>(events.size()), spin ? 0 : -1);
    for (int i = 0; i < n; ++i) {
      auto* c = static_cast<Connection*>(events[static_cast<std::size_t>(i)].data.ptr);
      if (c == &listener_marker) {
        for (;;) {
          const int fd = ::accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
          if (fd < 0) break;
          const int one = 1;
          ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          auto* conn = new Connection{fd, 0, {}};
          epoll_event ev{};
          ev.events = EPOLLIN;
          ev.data.ptr = conn;
          ::epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
        }
        continue;
      }
      const ssize_t got = ::read(c->fd, buf.data(), buf.size());
      if (got <= 0) {
        if (got < 0 && errno == EAGAIN) continue;
        ::close(c->fd);  // also removes it from the epoll set
        delete c;
        continue;
      }
      const int requests = count_requests(*c, buf.data(), static_cast<std::size_t>(got));
      if (requests == 0 && c->pending.empty()) continue;
      out.assign(c->pending);
      for (int r = 0; r < requests; ++r)
        out += response;
      const ssize_t sent = ::send(c->fd, out.data(), out.size(), MSG_NOSIGNAL);
      const std::size_t done = sent < 0 ? 0 : static_cast<std::size_t>(sent);
      // A client that does not read gets its responses queued here and flushed
      // on its next request: enough for a benchmark peer, not for the Internet.
      c->pending.assign(out, done, std::string::npos);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"trove-floor: bare epoll server answering every request with a fixed response"};
  std::string bind = "127.0.0.1", port_file, cpus;
  std::uint16_t port = 0;
  unsigned threads = 1;
  bool spin = false;
  app.add_option("--bind", bind);
  app.add_option("--port", port, "0 = ephemeral");
  app.add_option("--port-file", port_file,
                 "write {\"data\":P,\"admin\":0,\"pid\":N} once listening");
  app.add_option("--threads", threads)->check(CLI::Range(1, 256));
  app.add_option("--cpu", cpus, "comma list of CPUs, one per thread");
  app.add_flag("--spin", spin, "busy-poll in epoll_wait");
  CLI11_PARSE(app, argc, argv);

  signal(SIGPIPE, SIG_IGN);
  signal(SIGTERM, exit_on_sigterm);
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
  }
  std::vector<int> cpu_list;
  std::stringstream ss(cpus);
  for (std::string item; std::getline(ss, item, ',');)
    if (!item.empty()) cpu_list.push_back(std::stoi(item));

  const std::string response = make_response();
  std::vector<int> listeners;
  listeners.push_back(listen_on(bind, port));
  port = bound_port(listeners[0]);
  for (unsigned i = 1; i < threads; ++i)
    listeners.push_back(listen_on(bind, port));
  if (!port_file.empty()) {
    trove::loadgen::write_reference_port_file(port_file, port);
  }
  std::vector<std::thread> pool;
  for (unsigned i = 0; i < threads; ++i) {
    pool.emplace_back([&, i] {
      if (!cpu_list.empty()) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(cpu_list[i % cpu_list.size()], &set);
        pthread_setaffinity_np(pthread_self(), sizeof set, &set);
      }
      serve(listeners[i], response, spin);
    });
  }
  for (auto& t : pool)
    t.join();
}
