// A raw HTTP/1.1 server on 127.0.0.1 that misbehaves on cue, for tests of
// what the client does when a kept-alive connection dies. The first
// connection answers `answered_before_fault` requests keep-alive and then
// applies one fault; every later connection answers every request. The server
// records each request it read in full, so a test can count how many copies
// of a request reached it: the proof that a write is never applied twice.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace trove::kube::testing {

enum class ConnectionFault {
  // Reads the next request whole, then closes without answering: the request
  // reached the server and may have been applied, the client cannot know.
  kCloseAfterReadingRequest,
  // Closes the connection right after the last answer, while it sits idle in
  // the client's pool: nothing of the next request can reach the server.
  kCloseWhenIdle,
};

struct ReceivedRequest {
  std::string method;
  std::string target;
  std::string body;
};

class ScriptedHttpServer {
 public:
  explicit ScriptedHttpServer(ConnectionFault fault, int answered_before_fault = 1);
  ~ScriptedHttpServer();
  ScriptedHttpServer(const ScriptedHttpServer&) = delete;
  ScriptedHttpServer& operator=(const ScriptedHttpServer&) = delete;

  std::string url() const;
  // Copies of requests with this method that the server read in full.
  int count(std::string_view method) const;
  int connections_accepted() const;
  // Blocks until the first connection has applied its fault.
  void wait_until_fault_applied();

 private:
  void accept_loop();
  void serve(int fd, bool faulty);
  std::optional<ReceivedRequest> read_request(int fd, std::string& pending);
  void record(const ReceivedRequest& request);
  void close_connection(int fd);
  void mark_fault_applied();

  const ConnectionFault fault_;
  const int answered_before_fault_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  mutable std::mutex mutex_;
  std::condition_variable fault_applied_cv_;
  bool fault_applied_ = false;
  int accepted_ = 0;
  std::vector<ReceivedRequest> received_;
  std::vector<int> open_fds_;
  std::vector<std::thread> connection_threads_;
  std::thread acceptor_;
};

}  // namespace trove::kube::testing
