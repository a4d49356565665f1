#pragma once
// StoreWriteQueue: the last few rendered messages of a batch, waiting for
// their store write (internal to trove_ingest). Boxes are spread over a store
// far larger than the cache, so a write is two dependent cache misses (the
// index entry, then the slot). Holding writes back by kDepth messages lets
// the store prefetch both while the next messages are parsed: the index
// entry when a message is queued, its slot two messages later, the write two
// after that. Writes leave in arrival order, so the store and the observer
// see a batch's messages in order, and a batch is stored once flush()
// returns.
//
// Fixed storage, sized once: kDepth payload buffers of the store's
// payload_max, no allocation per message.

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>
#include <vector>

#include "ingest/message.hpp"
#include "store/box_store.hpp"

namespace trove::ingest {

// The decoder rejects longer hunts (string_too_long), so every hunt it
// passes fits a queued write's copy.
static_assert(kMaxStringFieldBytes <= store::kMaxHuntBytes);

struct PendingWrite {
  std::uint32_t index = 0;  // line index in the batch
  std::size_t length = 0;   // line bytes (the accepted-bytes counter)
  std::uint64_t box = 0;
  std::string_view payload;  // in the queue's own buffer
  bool has_hunt = false;
  std::size_t hunt_size = 0;
  std::array<char, store::kMaxHuntBytes> hunt{};

  std::optional<std::string_view> hunt_view() const noexcept {
    if (!has_hunt) return std::nullopt;
    return std::string_view(hunt.data(), hunt_size);
  }
};

class StoreWriteQueue {
 public:
  static constexpr std::size_t kDepth = 4;
  // Queued messages ahead of one before its slot is prefetched.
  static constexpr std::size_t kSlotLead = 2;

  explicit StoreWriteQueue(store::BoxStore& store)
      : store_(store), buffers_(kDepth * store.payload_max()) {}

  // Queues a message; `done(const PendingWrite&)` writes the one that leaves.
  // `payload` must fit payload_max (checked by the caller).
  template <class Done>
  void push(std::uint32_t index, std::size_t length, std::uint64_t box, std::string_view payload,
            std::optional<std::string_view> hunt, Done&& done) {
    if (count_ == kDepth) pop(done);
    const std::size_t at = (head_ + count_) % kDepth;
    PendingWrite& w = ring_[at];
    char* buffer = buffers_.data() + at * store_.payload_max();
    std::memcpy(buffer, payload.data(), payload.size());
    w.index = index;
    w.length = length;
    w.box = box;
    w.payload = {buffer, payload.size()};
    w.has_hunt = hunt.has_value();
    w.hunt_size = hunt ? hunt->size() : 0;
    if (hunt) std::memcpy(w.hunt.data(), hunt->data(), hunt->size());
    ++count_;
    store_.prefetch_index(box);
    if (count_ > kSlotLead) {
      const PendingWrite& lead = ring_[(head_ + count_ - 1 - kSlotLead) % kDepth];
      store_.prefetch_slot(lead.box, lead.payload.size());
    }
  }

  // Writes everything queued, in order.
  template <class Done>
  void flush(Done&& done) {
    while (count_ > 0)
      pop(done);
  }

 private:
  template <class Done>
  void pop(Done& done) {
    const PendingWrite& w = ring_[head_];
    head_ = (head_ + 1) % kDepth;
    --count_;
    done(w);
  }

  store::BoxStore& store_;
  std::vector<char> buffers_;
  std::array<PendingWrite, kDepth> ring_{};
  std::size_t head_ = 0;
  std::size_t count_ = 0;
};

}  // namespace trove::ingest
