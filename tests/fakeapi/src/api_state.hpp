// Everything the API handlers share: the kinds, the objects, the options and
// the counters. One mutex guards registry and store; handlers hold it for
// the whole request, so every request is atomic (like one etcd transaction).
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <random>
#include <string>

#include "kind_registry.hpp"
#include "object_store.hpp"
#include "trove/fakeapi/fake_api_server.hpp"

namespace trove::fakeapi {

struct ApiState {
  ApiState(ServerOptions opts, FaultInjector& injector)
      : store(opts.event_log_capacity), options(std::move(opts)), faults(injector) {}

  std::mutex mutex;
  KindRegistry registry;
  ObjectStore store;
  const ServerOptions options;
  FaultInjector& faults;
  std::string server_address = "127.0.0.1:0";  // for /api's serverAddressByClientCIDRs
  // Bumped to make every open watch end: with an ERROR 410 event (expire)
  // or normally (close).
  std::uint64_t expire_epoch = 0;
  std::uint64_t close_epoch = 0;
  // Called (with mutex held) after every change; the HTTP layer wakes its
  // watches from it. Must not block.
  std::function<void()> on_change;
  std::mt19937_64 random{std::random_device{}()};

  mutable std::mutex stats_mutex;
  StatsSnapshot stats;
  void count_request(const std::string& verb, const std::string& resource);

  void notify() const {
    if (on_change) on_change();
  }
  std::string new_uid();
  // Random lowercase alphanumerics (generateName suffixes).
  std::string random_suffix(std::size_t length);
};

// Now as RFC 3339 with second precision, as metav1.Time serializes.
std::string rfc3339_now();
// Seconds since the epoch for an RFC 3339 time; nullopt if malformed.
std::optional<std::int64_t> parse_rfc3339(std::string_view text);

}  // namespace trove::fakeapi
