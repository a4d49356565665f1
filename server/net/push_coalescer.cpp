#include "net/push_coalescer.hpp"

#include <algorithm>
#include <boost/asio/post.hpp>

#include "net/poll_protocol.hpp"
#include "net/sessions.hpp"

namespace trove::net {

using Clock = std::chrono::steady_clock;

namespace {
// Expected dirty boxes per tick: reserved once so a burst does not rehash.
constexpr std::size_t kDirtyReserve = 4096;
}  // namespace

PushCoalescer::PushCoalescer(boost::asio::io_context& ioc, const store::BoxStore& store,
                             Subscribers& subscribers, std::chrono::milliseconds interval,
                             LocalCounter& pushes)
    : ioc_(ioc),
      store_(store),
      subscribers_(subscribers),
      interval_(interval),
      pushes_(pushes),
      timer_(ioc) {
  dirty_.reserve(kDirtyReserve);
}

void PushCoalescer::merge(const std::vector<Change>& changes) {
  for (const Change& change : changes)
    dirty_[change.box] = change.position;
  if (armed_ || dirty_.empty()) return;
  armed_ = true;
  // Leading edge: the first update after a quiet interval is pushed as soon
  // as the current handler (the ingest batch) is done, not a tick later;
  // updates that follow within the interval wait for the tick after it. So
  // ticks stay at least push_interval_ms apart (a box is pushed at most
  // once per interval), and a lone update is not held back.
  const auto due = last_tick_ + interval_;
  if (Clock::now() >= due) {
    boost::asio::post(ioc_, [this] {
      armed_ = false;
      on_tick();
    });
    return;
  }
  timer_.expires_at(due);
  timer_.async_wait([this](boost::system::error_code ec) {
    armed_ = false;
    if (ec) return;  // Happens at shutdown.
    on_tick();
  });
}

void PushCoalescer::on_tick() {
  last_tick_ = Clock::now();
  ordered_.clear();
  for (const auto& [box, position] : dirty_)
    ordered_.push_back(Change{box, position});
  dirty_.clear();
  // Position order: a push's hpos then promises every earlier change.
  std::sort(ordered_.begin(), ordered_.end(),
            [](const Change& a, const Change& b) { return a.position < b.position; });
  for (const Change& change : ordered_)
    push(change);
}

void PushCoalescer::push(const Change& change) {
  const std::uint64_t box = change.box;
  char payload[store::kPayloadMaxLimit];
  char hunt[store::kMaxHuntBytes];
  const store::ReadResult r = store_.read(box, payload, hunt);
  if (!r.found) return;
  // A session may close (and unsubscribe) while we push: the targets are a copy.
  subscribers_.collect(box, {hunt, r.hunt_size}, targets_);
  if (targets_.empty()) return;
  message_.clear();
  // Boxes outside any hunt have no recovery position.
  const std::uint64_t hunt_position = r.hunt_size != 0 ? change.position : 0;
  append_push(message_, box, {store_.incarnation(), r.version},
              {payload, std::min(r.payload_size, sizeof payload)}, hunt_position);
  for (WsClientProtocol* s : targets_) {
    queue_ws_push(*s, message_, {hunt, r.hunt_size});
    pushes_.add();
  }
}

}  // namespace trove::net
