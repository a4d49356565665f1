#include "kube/leader_election.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <stdexcept>

#include "kube/backoff.hpp"
#include "kube/errors.hpp"
#include "kube/time_format.hpp"
#include "trove/common/json.hpp"

namespace trove::kube {
namespace {

// client-go's JitterFactor for the acquire loop.
constexpr double kRetryJitter = 1.2;

std::int64_t steady_ns(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

}  // namespace

LeaderElector::LeaderElector(Client& client, LeaderElectionConfig config)
    : client_(client), config_(std::move(config)) {
  if (config_.lease_duration <= config_.renew_deadline)
    throw std::invalid_argument("lease duration must exceed the renew deadline");
  if (config_.renew_deadline <= config_.retry_period)
    throw std::invalid_argument("renew deadline must exceed the retry period");
  if (config_.identity.empty() || config_.lease_name.empty() || config_.lease_namespace.empty())
    throw std::invalid_argument("leader election needs identity, lease name and namespace");
}

LeaderElector::~LeaderElector() {
  stop();
}

void LeaderElector::start() {
  std::lock_guard lock(mutex_);
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { run(); });
}

void LeaderElector::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool LeaderElector::is_leader() const {
  if (!leading_.load()) return false;
  const auto since = steady_ns(std::chrono::steady_clock::now()) - renewed_at_ns_.load();
  return since < std::chrono::nanoseconds(config_.renew_deadline).count();
}

std::string LeaderElector::observed_leader() const {
  std::lock_guard lock(mutex_);
  return observed_.holder;
}

bool LeaderElector::sleep_for(std::chrono::milliseconds d) {
  std::unique_lock lock(mutex_);
  return !cv_.wait_for(lock, d, [this] { return stopping_; });
}

std::string LeaderElector::lease_json(const Record& r, const std::string& rv) const {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  w.Key("apiVersion");
  w.String("coordination.k8s.io/v1");
  w.Key("kind");
  w.String("Lease");
  w.Key("metadata");
  w.StartObject();
  w.Key("name");
  w.String(config_.lease_name);
  w.Key("namespace");
  w.String(config_.lease_namespace);
  if (!rv.empty()) {
    w.Key("resourceVersion");
    w.String(rv);
  }
  w.EndObject();
  w.Key("spec");
  w.StartObject();
  w.Key("holderIdentity");
  w.String(r.holder);
  w.Key("leaseDurationSeconds");
  w.Int(r.lease_seconds);
  w.Key("acquireTime");
  w.String(r.acquire_time);
  w.Key("renewTime");
  w.String(r.renew_time);
  w.Key("leaseTransitions");
  w.Int(r.transitions);
  w.EndObject();
  w.EndObject();
  return {buf.GetString(), buf.GetSize()};
}

LeaderElector::Record LeaderElector::read_record(const KubeObject& lease) {
  Record seen;
  const auto* spec = lease.at("/spec");
  if (spec == nullptr || !spec->IsObject()) return seen;
  seen.holder = KubeObject::string_at(*spec, "holderIdentity");
  seen.acquire_time = KubeObject::string_at(*spec, "acquireTime");
  seen.renew_time = KubeObject::string_at(*spec, "renewTime");
  if (auto d = common::int_member(spec, "leaseDurationSeconds")) seen.lease_seconds = *d;
  if (auto t = common::int_member(spec, "leaseTransitions")) seen.transitions = *t;
  return seen;
}

bool LeaderElector::create_lease(const Record& mine,
                                 std::chrono::steady_clock::time_point started) {
  try {
    KubeObject created =
        client_.create(leases_type(), config_.lease_namespace, lease_json(mine, {}));
    std::lock_guard lock(mutex_);
    observed_ = mine;
    observed_at_ = started;
    observed_rv_ = created.resource_version();
  } catch (const ApiError&) {
    return false;  // someone else created it first
  }
  renewed_at_ns_.store(steady_ns(started));
  return true;
}

void LeaderElector::observe(const Record& seen, std::string_view resource_version,
                            std::chrono::steady_clock::time_point started) {
  std::string new_leader;
  {
    std::lock_guard lock(mutex_);
    if (!(seen == observed_)) {
      if (seen.holder != observed_.holder) new_leader = seen.holder;
      observed_ = seen;
      observed_at_ = started;
    }
    observed_rv_ = resource_version;
  }
  if (!new_leader.empty() && config_.on_new_leader) config_.on_new_leader(new_leader);
}

bool LeaderElector::write_lease(const Record& mine, std::string_view resource_version,
                                std::chrono::steady_clock::time_point started) {
  try {
    KubeObject updated = client_.replace(leases_type(), config_.lease_namespace, config_.lease_name,
                                         lease_json(mine, std::string(resource_version)));
    std::lock_guard lock(mutex_);
    observed_ = mine;
    observed_at_ = started;
    observed_rv_ = updated.resource_version();
  } catch (const ApiError&) {
    return false;  // 409: another candidate wrote first
  }
  renewed_at_ns_.store(steady_ns(started));
  return true;
}

bool LeaderElector::try_acquire_or_renew() {
  const auto started = std::chrono::steady_clock::now();
  const std::string now = format_micro_time(std::chrono::system_clock::now());
  const int lease_seconds = static_cast<int>(
      (config_.lease_duration + std::chrono::milliseconds{999}) / std::chrono::seconds{1});
  Record mine{config_.identity, lease_seconds, now, now, 0};

  KubeObject lease;
  try {
    lease = client_.get(leases_type(), config_.lease_namespace, config_.lease_name);
  } catch (const ApiError& e) {
    if (e.kind() != ErrorKind::kNotFound) return false;
    return create_lease(mine, started);
  }
  const Record seen = read_record(lease);
  observe(seen, lease.resource_version(), started);

  const auto lease_len = seen.lease_seconds > 0
                             ? std::chrono::milliseconds{seen.lease_seconds * 1000}
                             : config_.lease_duration;
  if (!seen.holder.empty() && seen.holder != config_.identity) {
    std::lock_guard lock(mutex_);
    if (observed_at_ + lease_len > started) return false;  // held, not expired
  }
  if (seen.holder == config_.identity) {
    mine.acquire_time = seen.acquire_time;
    mine.transitions = seen.transitions;
  } else {
    mine.transitions = seen.transitions + 1;
  }
  return write_lease(mine, lease.resource_version(), started);
}

bool LeaderElector::release() {
  Record empty;
  std::string rv;
  {
    std::lock_guard lock(mutex_);
    if (observed_.holder != config_.identity) return true;
    empty = observed_;
    rv = observed_rv_;
  }
  empty.holder.clear();
  empty.lease_seconds = 1;
  empty.renew_time = format_micro_time(std::chrono::system_clock::now());
  try {
    client_.replace(leases_type(), config_.lease_namespace, config_.lease_name,
                    lease_json(empty, rv));
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

void LeaderElector::run() {
  // Campaign.
  for (;;) {
    if (try_acquire_or_renew()) break;
    if (!sleep_for(jittered(config_.retry_period, kRetryJitter - 1.0, rng_))) return;
  }
  leading_.store(true);
  if (config_.on_started_leading) config_.on_started_leading();

  // Lead: renew every retry period; give up after the renew deadline.
  for (;;) {
    if (!sleep_for(config_.retry_period)) break;
    const auto deadline = std::chrono::steady_clock::now() + config_.renew_deadline;
    bool renewed = false;
    while (!renewed && std::chrono::steady_clock::now() < deadline) {
      renewed = try_acquire_or_renew();
      if (!renewed && !sleep_for(config_.retry_period)) break;
    }
    {
      std::lock_guard lock(mutex_);
      if (stopping_) break;
    }
    if (!renewed || !is_leader()) {
      leading_.store(false);
      lost_.store(true);
      if (config_.on_stopped_leading) config_.on_stopped_leading();
      return;
    }
  }
  // stop() while leading.
  leading_.store(false);
  if (config_.release_on_stop) release();
  if (config_.on_stopped_leading) config_.on_stopped_leading();
}

}  // namespace trove::kube
