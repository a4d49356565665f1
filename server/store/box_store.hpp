#pragma once
// BoxStore: the one structure all workers share (docs/design.md, Data flow 3).
//
// Fixed capacity set at start, all memory allocated once in the constructor
// (pages are faulted in as boxes arrive; nothing is allocated afterwards).
//   * Index: open addressing (linear probing) over a power-of-two table at
//     most half full, keyed by the 64-bit box id (hashed with a per-process
//     seed so hostile ids cannot build long probe chains on purpose). An
//     entry is claimed with a CAS on its key and points at a dense slot.
//   * Slots: inline payload (≤ inline_payload_bytes) and hunt name (≤ 64
//     bytes) under a per-slot seqlock. A larger payload (≤ payload_max) lives
//     in a block of the store's PayloadSpill, named by a handle in the slot
//     and read under the same seqlock, so the store's memory follows the
//     payloads it holds, not the largest one allowed. The sequence is odd while a write is in
//     progress; writers take it with a CAS (so two workers writing the same
//     box serialise), readers never block a writer and retry on a torn read.
//     Payload bytes are copied as relaxed 8-byte atomics, so the protocol is
//     data-race free (TSan-clean), not just "benign".
//   * Box id 0 is reserved (the empty key).
//   * When every slot is taken a new box is rejected with store_full;
//     existing boxes keep accepting writes.
//
// Thread safety: every member function is safe from any thread, lock-free for
// readers; write() spins only while another thread writes the same box.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>

#include "store/payload_spill.hpp"

namespace trove::store {

inline constexpr std::size_t kMaxHuntBytes = 64;
inline constexpr std::size_t kDefaultPayloadMax = 128;
// Upper bound for payload_max: a box's largest `data` (--max-data-bytes, at
// most 64 KiB) plus its schema fields, with room to spare. Readers copy a
// payload into a buffer of this size on their stack.
inline constexpr std::size_t kPayloadMaxLimit = 68 * 1024;
// Upper bound for the bytes kept inline in a slot: keeps a slot within a
// few cache lines.
inline constexpr std::size_t kInlinePayloadLimit = 4096;

struct BoxStoreConfig {
  std::size_t max_boxes = 1 << 20;               // --max-boxes
  std::size_t payload_max = kDefaultPayloadMax;  // bytes, 8 … kPayloadMaxLimit
  // Advise transparent huge pages for the index and slots (MADV_HUGEPAGE),
  // or advise against them (MADV_NOHUGEPAGE, also where THP is "always").
  bool huge_pages = true;  // --store-huge-pages
  // Bytes of a payload kept in its slot (8 … kInlinePayloadLimit, capped at
  // payload_max). 128 holds the reference treasure payload (85 bytes), so the
  // common write and read never leave the slot.
  std::size_t inline_payload_bytes = kDefaultPayloadMax;
  // Reservation for larger payloads (PayloadSpill): virtual memory, resident
  // only as blocks are used. 0: a payload above inline_payload_bytes is
  // refused with spill_full.
  std::size_t spill_bytes = 0;  // --store-spill-mib
};

enum class WriteStatus {
  stored,
  invalid_id,         // id 0
  payload_too_large,  // payload.size() > payload_max
  hunt_too_long,      // hunt.size() > kMaxHuntBytes
  store_full,         // a new box and no free slot
  spill_full,         // a large payload and no room left in the spill reservation
  invalid_version,    // restore(): version 0 or one the seqlock cannot hold
};
std::string_view to_string(WriteStatus status) noexcept;

struct WriteResult {
  WriteStatus status = WriteStatus::stored;
  // Version of the payload just stored: 1 for a box's first write, +1 per
  // write. HTTP uses it as the ETag. 0 when not stored.
  std::uint64_t version = 0;
  // The box's hunt after the write (the one given, or the one it kept).
  std::size_t hunt_size = 0;
  char hunt[kMaxHuntBytes] = {};
  std::string_view hunt_view() const noexcept { return {hunt, hunt_size}; }
};

struct ReadResult {
  bool found = false;  // false: unknown box (or first write still in flight)
  std::uint64_t version = 0;
  std::uint64_t change = 0;      // the box's change position (set_change); 0: none
  std::size_t payload_size = 0;  // bytes written to payload_out
  std::size_t hunt_size = 0;     // bytes written to hunt_out (0 if not asked)
};

// A box as BoxStore::visit_boxes shows it. version, hunt and payload come
// from one and the same write (read under the slot's seqlock, never torn);
// the views point into the scan's own buffers and die with the visit() call.
struct BoxView {
  std::uint64_t id = 0;
  std::uint64_t version = 0;
  std::string_view hunt;
  std::string_view payload;
  // The box's change position (set_change) as last stamped: it may lag the
  // payload by a write whose stamp is still on its way, never lead it.
  std::uint64_t change = 0;
};

// What one scan step does with each box it passes.
class BoxVisitor {
 public:
  // Whether the box is wanted, judged by its hunt alone, so that unwanted
  // boxes cost no payload copy. Asked again for the same box when a
  // concurrent write tore the read: it must not count anything.
  virtual bool wants(std::string_view hunt) = 0;
  // A wanted box. Returning false ends the step after this box.
  virtual bool visit(const BoxView& box) = 0;

 protected:
  BoxVisitor() = default;
  BoxVisitor(const BoxVisitor&) = default;
  BoxVisitor& operator=(const BoxVisitor&) = default;
  ~BoxVisitor() = default;
};

class BoxStore {
 public:
  // Throws std::invalid_argument for max_boxes == 0 or payload_max out of
  // range, std::bad_alloc if the memory cannot be reserved.
  explicit BoxStore(BoxStoreConfig config = {});
  ~BoxStore();
  BoxStore(const BoxStore&) = delete;
  BoxStore& operator=(const BoxStore&) = delete;

  // Stores `payload` for box `id`, creating the box if new. `hunt`: the box's
  // hunt name; nullopt keeps the one it has (empty for a new box).
  WriteResult write(std::uint64_t id, std::span<const char> payload,
                    std::optional<std::string_view> hunt = std::nullopt) noexcept;

  // Restores a box as a state file recorded it (server/state): its payload
  // and hunt at `version` (≥ 1), unless the box already holds that version
  // or a newer one. Replaying overlapping snapshots and logs in any order
  // thus ends at each box's newest recorded state. The result's version is
  // the box's version afterwards.
  WriteResult restore(std::uint64_t id, std::uint64_t version, std::span<const char> payload,
                      std::string_view hunt) noexcept;

  // Copies the box's latest payload into payload_out (which must hold
  // payload_max() bytes, else only what fits is copied and the result says
  // payload_size = the full size) and, if hunt_out is not empty, its hunt.
  // Never blocks, never allocates.
  ReadResult read(std::uint64_t id, std::span<char> payload_out,
                  std::span<char> hunt_out = {}) const noexcept;

  // Prefetch hints for a writer that knows its next boxes a little ahead
  // (the ingest pipeline): prefetch_index pulls the box's index entry into
  // cache; prefetch_slot, called once that entry is cached, pulls the slot's
  // header and first payload lines. With boxes spread over a large store,
  // those two dependent cache misses were most of a write. Hints only:
  // nothing is claimed or changed.
  void prefetch_index(std::uint64_t id) const noexcept;
  void prefetch_slot(std::uint64_t id, std::size_t payload_bytes) const noexcept;

  // Stamps box `id` with `change`, the position of its latest write in the
  // server's change order (net::ChangeFeed): hunt recovery sends the boxes
  // whose position is above the one a client holds. Kept beside the seqlock,
  // not under it: the stamp comes after the write, from whoever orders the
  // changes, and a reader may see a new payload with the previous stamp
  // (the stamp's owner pushes that box again once stamped). Restored boxes
  // and boxes never stamped read 0. Unknown ids are ignored.
  void set_change(std::uint64_t id, std::uint64_t change) noexcept;

  // Current version only (If-None-Match checks); nullopt for an unknown box.
  std::optional<std::uint64_t> version(std::uint64_t id) const noexcept;

  // One bounded step of a resumable scan over the stored boxes, in slot
  // (insertion) order: visits the slots from_slot … from_slot + max_slots - 1
  // below slot_count(), and returns the slot the next step starts from (the
  // one after the last visited). A box never changes slot and a new box takes
  // the next free one, so steps resumed from the returned slot see every box
  // stored before the scan began exactly once, whatever is written in
  // between; boxes added meanwhile are seen if the scan reaches them. Bounded
  // work per call is the point: a worker scans a million slots in steps and
  // serves its other connections in between. Never blocks writers; allocates
  // nothing itself (the payload buffer is on its stack).
  std::size_t visit_boxes(std::size_t from_slot, std::size_t max_slots, BoxVisitor& visitor) const;
  // Slots handed out so far: where a scan that starts now ends.
  std::size_t slot_count() const noexcept;

  std::size_t size() const noexcept;  // boxes stored
  std::size_t capacity() const noexcept { return capacity_; }
  std::size_t payload_max() const noexcept { return payload_max_; }
  std::size_t inline_payload_bytes() const noexcept { return inline_bytes_; }
  // The reservation for payloads above inline_payload_bytes.
  const PayloadSpill& spill() const noexcept { return spill_; }
  std::uint64_t rejected_full() const noexcept {
    return rejected_full_.load(std::memory_order_relaxed);
  }
  // The incarnation this store's versions belong to: a random, non-zero
  // 64-bit boot id drawn when the store is built, or the one restored with
  // its contents (set_incarnation). Versions restart at 1 in a new
  // incarnation, so clients see it in every ETag, ack and push, and a tag of
  // another incarnation never gets 304 (docs/contracts.md, Incarnations).
  std::uint64_t incarnation() const noexcept {
    return incarnation_.load(std::memory_order_relaxed);
  }
  // Adopts a restored incarnation (0 is ignored). Called before serving:
  // answers already given name the old one.
  void set_incarnation(std::uint64_t incarnation) noexcept;

  // Bytes reserved at start (index + slots + spill): virtual memory, resident
  // only as boxes and payloads arrive.
  std::size_t reserved_bytes() const noexcept { return reserved_bytes_; }

 private:
  struct IndexEntry;
  struct SlotHeader;

  // Reads the slot for visit_boxes: false if it holds no finished write or
  // the visitor does not want it. hunt_out/payload_out: kMaxHuntBytes and
  // payload_max bytes.
  bool read_slot(std::size_t slot, BoxVisitor& visitor, char* hunt_out, char* payload_out,
                 BoxView& view) const;
  SlotHeader* slot_header(std::size_t slot) const noexcept;
  // A reader's start of a seqlock read: the slot's sequence once no writer
  // is in it (even). Both readers (read, read_slot) begin here.
  static std::uint64_t stable_sequence(const SlotHeader* header) noexcept;
  std::atomic<std::uint64_t>* slot_words(std::size_t slot) const noexcept;
  // Checks a write's arguments and finds or claims its slot: -1 with
  // result.status set when it cannot be stored.
  std::int64_t slot_for_write(std::uint64_t id, std::size_t payload_size,
                              std::optional<std::string_view> hunt, WriteResult& result) noexcept;
  // The writer side of the slot's seqlock: returns the even sequence it
  // found, leaving the slot's sequence odd (taken).
  std::uint64_t lock_slot(SlotHeader* header) noexcept;
  // Under the slot's lock: writes the payload inline or into a spill block
  // (reusing the slot's block when the size class is the same) and frees a
  // block it no longer needs. False, nothing changed, when no block is free.
  bool place_payload(SlotHeader* header, std::atomic<std::uint64_t>* words,
                     std::span<const char> payload) noexcept;
  // Under a seqlock read: where the slot's payload bytes are and how many
  // fit there; nullptr for a handle torn by a concurrent write.
  const std::atomic<std::uint64_t>* payload_source(const SlotHeader* header,
                                                   const std::atomic<std::uint64_t>* words,
                                                   std::size_t& room) const noexcept;
  std::int64_t find_slot(std::uint64_t id) const noexcept;  // -1 if absent
  std::int64_t find_or_insert(std::uint64_t id) noexcept;   // -1 if full
  std::size_t hash(std::uint64_t id) const noexcept;

  std::size_t capacity_;
  std::size_t payload_max_;
  std::size_t inline_bytes_;   // payload bytes kept in the slot
  std::size_t payload_words_;  // inline_bytes_ rounded up to 8-byte words
  std::size_t slot_stride_;    // bytes per slot, a multiple of 64
  std::size_t index_mask_;
  std::uint64_t seed_;
  std::size_t reserved_bytes_ = 0;

  IndexEntry* index_ = nullptr;  // index_mask_ + 1 entries
  std::byte* slots_ = nullptr;   // capacity_ × slot_stride_
  PayloadSpill spill_;

  std::atomic<std::uint64_t> incarnation_{0};

  alignas(64) std::atomic<std::size_t> slots_used_{0};
  alignas(64) std::atomic<std::uint64_t> rejected_full_{0};
};

}  // namespace trove::store
