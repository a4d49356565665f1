#include "kube/informer.hpp"

#include <variant>

namespace trove::kube {

// --- The reflector's states. Each carries exactly what it needs. ---

// LIST pages are being fetched. `resource_version` is what the first page
// asks for: "0" at start (any cached state will do), the last seen RV on a
// relist after 410 (unpaged, as client-go), "" for a fresh quorum list after
// the list itself got 410.
struct Informer::Listing {
  std::string resource_version;
  bool paged = true;
  std::string continue_token;
  std::vector<ObjectPtr> items;
};

// A WATCH from `resource_version`; `restart` when it follows another watch.
struct Informer::Watching {
  std::string resource_version;
  bool restart = false;
};

struct Informer::Step {
  std::variant<Listing, Watching> next = Listing{};
  std::chrono::milliseconds delay{0};  // backoff before the next state
};

std::string_view to_string(ReflectorErrorKind kind) {
  switch (kind) {
    case ReflectorErrorKind::kInitialListFailed:
      return "InitialListFailed";
    case ReflectorErrorKind::kNoResourceVersion:
      return "NoResourceVersion";
    case ReflectorErrorKind::kWatchStartFailed:
      return "WatchStartFailed";
    case ReflectorErrorKind::kWatchError:
      return "WatchError";
    case ReflectorErrorKind::kWatchFailed:
      return "WatchFailed";
  }
  return "?";
}

Informer::Informer(Client& client, InformerConfig config)
    : client_(client),
      config_(std::move(config)),
      backoff_(config_.backoff),
      rng_(std::random_device{}()) {}

Informer::~Informer() {
  stop();
}

void Informer::add_handlers(EventHandlers handlers) {
  handlers_.push_back(std::move(handlers));
}

void Informer::add_indexer(const std::string& name, Store::IndexFunc func) {
  store_.add_indexer(name, std::move(func));
}

void Informer::on_error(std::function<void(const ReflectorError&)> hook) {
  error_hook_ = std::move(hook);
}

void Informer::start() {
  std::lock_guard lock(mutex_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { run(); });
}

void Informer::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    if (open_stream_ != nullptr) open_stream_->cancel();
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  state_.store(ReflectorState::kStopped);
}

bool Informer::wait_for_sync(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!synced_.load()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds{5});
  }
  return true;
}

std::string Informer::last_resource_version() const {
  std::lock_guard lock(mutex_);
  return last_rv_;
}

void Informer::set_rv(const std::string& rv) {
  std::lock_guard lock(mutex_);
  last_rv_ = rv;
}

bool Informer::sleep_for(std::chrono::milliseconds delay) {
  std::unique_lock lock(mutex_);
  return !cv_.wait_for(lock, delay, [this] { return stopping_; });
}

void Informer::report(ReflectorErrorKind kind, const std::string& message) {
  if (error_hook_) error_hook_(ReflectorError{kind, message});
}

void Informer::dispatch(const std::vector<Delta>& deltas) {
  for (const auto& d : deltas) {
    for (const auto& h : handlers_) {
      // A throwing callback must not kill the reflector; the cache is
      // already correct, so the callback's owner only misses this call.
      try {
        switch (d.kind) {
          case Delta::Kind::kAdded:
            if (h.on_add) h.on_add(d.object);
            break;
          case Delta::Kind::kUpdated:
            if (h.on_update) h.on_update(d.old_object, d.object);
            break;
          case Delta::Kind::kDeleted:
            if (h.on_delete) h.on_delete(d.object);
            break;
        }
      } catch (const std::exception& e) {
        report(ReflectorErrorKind::kWatchFailed, std::string("event handler threw: ") + e.what());
      }
    }
  }
}

void Informer::run() {
  std::variant<Listing, Watching> state = Listing{"0", true, {}, {}};
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
    }
    Step step;
    try {
      step = std::holds_alternative<Listing>(state)
                 ? list_step(std::move(std::get<Listing>(state)))
                 : watch_step(std::move(std::get<Watching>(state)));
    } catch (const std::exception& e) {
      // Anything unforeseen (a bad object, a bad name): start over from a
      // list after a backoff rather than let the thread die.
      report(ReflectorErrorKind::kWatchFailed, e.what());
      step = Step{Listing{"", true, {}, {}}, backoff_.next()};
      ++relists_;
    }
    if (step.delay.count() > 0) {
      state_.store(ReflectorState::kBackoff);
      if (!sleep_for(step.delay)) return;
    }
    state = std::move(step.next);
  }
}

Informer::Step Informer::list_step(Listing s) {
  state_.store(ReflectorState::kListing);
  ListOptions o;
  o.label_selector = config_.label_selector;
  o.field_selector = config_.field_selector;
  o.limit = s.paged ? config_.page_size : 0;
  o.continue_token = s.continue_token;
  // The continue token pins the snapshot; only the first page names an RV.
  if (s.continue_token.empty()) o.resource_version = s.resource_version;
  ObjectList page;
  try {
    page = client_.list(config_.type, config_.namespace_, o);
  } catch (const ApiError& e) {
    report(ReflectorErrorKind::kInitialListFailed, e.what());
    if (e.kind() == ErrorKind::kExpired && !(s.resource_version.empty() && s.paged)) {
      // The list itself is too old (or its continue token expired): only
      // now fall back to a fresh, consistent list.
      return Step{Listing{"", true, {}, {}}, std::chrono::milliseconds{0}};
    }
    auto delay = std::max(backoff_.next(), std::chrono::milliseconds{e.retry_after()});
    return Step{Listing{std::move(s.resource_version), s.paged, {}, {}}, delay};
  } catch (const std::exception& e) {
    report(ReflectorErrorKind::kInitialListFailed, e.what());
    return Step{Listing{std::move(s.resource_version), s.paged, {}, {}}, backoff_.next()};
  }
  for (auto& item : page.items)
    s.items.push_back(std::make_shared<KubeObject>(std::move(item)));
  if (!page.continue_token.empty()) {
    s.continue_token = std::move(page.continue_token);
    return Step{std::move(s), std::chrono::milliseconds{0}};
  }
  if (page.resource_version.empty()) {
    report(ReflectorErrorKind::kNoResourceVersion, "LIST answered without a resourceVersion");
    return Step{Listing{std::move(s.resource_version), s.paged, {}, {}}, backoff_.next()};
  }
  dispatch(store_.replace(std::move(s.items)));
  set_rv(page.resource_version);
  synced_.store(true);
  return Step{Watching{page.resource_version, false}, std::chrono::milliseconds{0}};
}

WatchOptions Informer::watch_options(const std::string& resource_version) {
  WatchOptions o;
  o.resource_version = resource_version;
  o.label_selector = config_.label_selector;
  o.field_selector = config_.field_selector;
  o.allow_bookmarks = true;
  std::uniform_int_distribution<std::int64_t> timeout(config_.min_watch_timeout.count(),
                                                      config_.max_watch_timeout.count());
  o.timeout_seconds = static_cast<int>(timeout(rng_));
  o.idle_timeout = config_.idle_timeout;
  return o;
}

void Informer::apply(WatchEvent event, std::string& rv) {
  auto object = std::make_shared<const KubeObject>(std::move(event.object));
  const std::string event_rv(object->resource_version());
  switch (event.type) {
    case WatchEventType::kAdded:
    case WatchEventType::kModified:
      dispatch(store_.upsert(object));
      break;
    case WatchEventType::kDeleted:
      dispatch(store_.remove(object));
      break;
    default:  // kBookmark: only the resourceVersion moves
      break;
  }
  if (!event_rv.empty()) {
    rv = event_rv;
    set_rv(rv);
  }
}

Informer::Step Informer::watch_step(Watching s) {
  state_.store(ReflectorState::kWatching);
  if (s.restart) ++watch_restarts_;
  const auto relist_at = [this](const std::string& rv) {
    ++relists_;
    return Step{Listing{rv, false, {}, {}}, std::chrono::milliseconds{0}};
  };

  std::unique_ptr<WatchStream> stream;
  try {
    stream = client_.watch(config_.type, config_.namespace_, watch_options(s.resource_version));
  } catch (const ApiError& e) {
    report(ReflectorErrorKind::kWatchStartFailed, e.what());
    if (e.kind() == ErrorKind::kExpired) return relist_at(s.resource_version);
    auto delay = std::max(backoff_.next(), std::chrono::milliseconds{e.retry_after()});
    return Step{Watching{std::move(s.resource_version), true}, delay};
  }
  {
    std::lock_guard lock(mutex_);
    open_stream_ = stream.get();
    if (stopping_) stream->cancel();
  }
  struct Unregister {
    Informer* self;
    ~Unregister() {
      std::lock_guard lock(self->mutex_);
      self->open_stream_ = nullptr;
    }
  } unregister{this};

  std::string rv = std::move(s.resource_version);
  try {
    while (auto event = stream->next()) {
      ++events_;
      if (event->type == WatchEventType::kError) {
        ApiError e = parse_status_json(event->object.to_json());
        report(ReflectorErrorKind::kWatchError, e.what());
        if (e.kind() == ErrorKind::kExpired) return relist_at(rv);
        return Step{Watching{rv, true}, backoff_.next()};
      }
      apply(std::move(*event), rv);
    }
    // The server ended the watch (timeoutSeconds): resume where we are.
    return Step{Watching{rv, true}, std::chrono::milliseconds{0}};
  } catch (const ApiError& e) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return Step{Watching{rv, true}, std::chrono::milliseconds{0}};
    }
    report(ReflectorErrorKind::kWatchFailed, e.what());
    return Step{Watching{rv, true}, backoff_.next()};
  }
}

}  // namespace trove::kube
