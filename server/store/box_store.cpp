#include "store/box_store.hpp"

#include <sys/mman.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <new>
#include <random>
#include <stdexcept>

namespace trove::store {

namespace {

constexpr std::size_t kCacheLine = 64;
constexpr std::size_t kWord = sizeof(std::uint64_t);
// The index is at most half full, so probe chains stay short.
constexpr std::size_t kIndexLoadInverse = 2;
// Slot field of an index entry: 0 = claimed, slot not yet published;
// kSlotRejected = the box was claimed when the store was full.
constexpr std::uint32_t kSlotPending = 0;
constexpr std::uint32_t kSlotRejected = 0xffffffffU;

inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

// splitmix64's finaliser: full avalanche, so a seeded id spreads over the table.
inline std::uint64_t mix(std::uint64_t x) noexcept {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

constexpr std::size_t kHugePage = std::size_t{2} << 20;

// Mappings of at least a huge page are rounded up to whole huge pages, so
// map_zeroed and unmap agree on the length.
std::size_t mapped_bytes(std::size_t bytes) {
  return bytes >= kHugePage ? (bytes + kHugePage - 1) / kHugePage * kHugePage : bytes;
}

// Anonymous mapping: zero pages until first touched, so a large store costs
// RSS only for the boxes it holds; reserved once, never grown. Large mappings
// are 2 MiB aligned and, with `huge`, advised as transparent huge pages:
// ingest and polls touch boxes at random, and with 4 KiB pages nearly every
// lookup is a TLB miss (a two-level walk under virtualisation); `make bench`
// S3 measures BoxStore::find_or_insert at 34 % of the server's CPU with them.
// The price is RSS: the index is hashed, so a few thousand boxes touch every
// 2 MiB page of it (2,000 boxes in the default 1 M-box store: ~50 MB RSS with
// huge pages); without `huge` the mapping is advised against them.
void* map_zeroed(std::size_t bytes, bool huge) {
  const std::size_t length = mapped_bytes(bytes);
  if (length < kHugePage) {
    void* p = mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    return p;
  }
  // Over-map by one huge page and trim both ends to a 2 MiB boundary.
  const std::size_t over = length + kHugePage;
  void* raw = mmap(nullptr, over, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) throw std::bad_alloc();
  const auto start = reinterpret_cast<std::uintptr_t>(raw);
  const std::uintptr_t aligned = (start + kHugePage - 1) & ~(std::uintptr_t{kHugePage} - 1);
  if (aligned > start) munmap(raw, aligned - start);
  const std::size_t tail = (start + over) - (aligned + length);
  if (tail > 0) munmap(reinterpret_cast<void*>(aligned + length), tail);
  void* p = reinterpret_cast<void*>(aligned);
  // Advice only: without THP support the store keeps 4 KiB pages.
  madvise(p, length, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
  return p;
}

void unmap(void* p, std::size_t bytes) {
  munmap(p, mapped_bytes(bytes));
}

std::size_t round_up(std::size_t n, std::size_t to) {
  return (n + to - 1) / to * to;
}

// The seqlock's data words use acquire loads and release stores instead of
// fences (which TSan does not model): a reader that sees any word of a newer
// write is then ordered after that write's odd sequence, so its second
// sequence load cannot match. On x86 both are plain moves.
//
// Copies n bytes of words into plain memory.
inline void load_words(const std::atomic<std::uint64_t>* words, std::size_t bytes,
                       char* out) noexcept {
  std::size_t i = 0;
  for (; i + kWord <= bytes; i += kWord) {
    const std::uint64_t w = words[i / kWord].load(std::memory_order_acquire);
    std::memcpy(out + i, &w, kWord);
  }
  if (i < bytes) {
    const std::uint64_t w = words[i / kWord].load(std::memory_order_acquire);
    std::memcpy(out + i, &w, bytes - i);
  }
}

inline void store_words(std::atomic<std::uint64_t>* words, const char* in,
                        std::size_t bytes) noexcept {
  std::size_t i = 0;
  for (; i + kWord <= bytes; i += kWord) {
    std::uint64_t w;
    std::memcpy(&w, in + i, kWord);
    words[i / kWord].store(w, std::memory_order_release);
  }
  if (i < bytes) {
    std::uint64_t w = 0;
    std::memcpy(&w, in + i, bytes - i);
    words[i / kWord].store(w, std::memory_order_release);
  }
}

// 64 random bits, never 0 (0 means "none" where an incarnation is optional).
std::uint64_t draw_incarnation() {
  std::random_device device;
  for (;;) {
    const std::uint64_t id = (std::uint64_t{device()} << 32) | device();
    if (id != 0) return id;
  }
}

}  // namespace

struct BoxStore::IndexEntry {
  std::atomic<std::uint64_t> key;   // 0 = free; set once by CAS
  std::atomic<std::uint32_t> slot;  // slot + 1 once published, or a marker above
  std::uint32_t pad;
};
static_assert(sizeof(std::atomic<std::uint64_t>) == 8 && sizeof(std::atomic<std::uint32_t>) == 4);

// A slot: header, then the hunt (8 words), then payload_words_ words.
struct BoxStore::SlotHeader {
  std::atomic<std::uint64_t> sequence;  // seqlock: odd while written; writes = sequence / 2
  std::atomic<std::uint64_t> id;        // set once when the slot is published
  std::atomic<std::uint64_t> sizes;     // payload size | hunt size << 32
  std::atomic<std::uint64_t> change;    // set_change: position in the change order
  // PayloadSpill handle of a payload above the inline bytes; 0: inline.
  std::atomic<std::uint64_t> spill_block;
};
static_assert(sizeof(std::atomic<std::uint64_t>) * 5 == 40, "SlotHeader is 40 bytes");

namespace {
constexpr std::size_t kHuntWords = kMaxHuntBytes / kWord;
}

std::string_view to_string(WriteStatus status) noexcept {
  switch (status) {
    case WriteStatus::stored:
      return "stored";
    case WriteStatus::invalid_id:
      return "box id 0 is reserved";
    case WriteStatus::payload_too_large:
      return "payload larger than payload_max";
    case WriteStatus::hunt_too_long:
      return "hunt longer than 64 bytes";
    case WriteStatus::invalid_version:
      return "version must be 1 … 2^63-2";
    case WriteStatus::store_full:
      return "box store full: no slot for a new box (raise --max-boxes)";
    case WriteStatus::spill_full:
      return "box store full: no room for a payload this large (raise --store-spill-mib)";
  }
  return "unknown";
}

BoxStore::BoxStore(BoxStoreConfig config)
    : capacity_(config.max_boxes),
      payload_max_(config.payload_max),
      inline_bytes_(std::min(config.inline_payload_bytes, config.payload_max)),
      payload_words_(round_up(inline_bytes_, kWord) / kWord),
      slot_stride_(
          round_up(sizeof(SlotHeader) + kMaxHuntBytes + payload_words_ * kWord, kCacheLine)),
      index_mask_(std::bit_ceil(config.max_boxes * kIndexLoadInverse) - 1),
      seed_(std::random_device{}() | (std::uint64_t{std::random_device{}()} << 32)),
      spill_(inline_bytes_ < payload_max_ ? config.spill_bytes : 0, config.payload_max,
             config.huge_pages) {
  if (capacity_ == 0 || capacity_ >= kSlotRejected) {
    throw std::invalid_argument("BoxStore: max_boxes must be 1 … 2^32-2");
  }
  if (payload_max_ < kWord || payload_max_ > kPayloadMaxLimit) {
    throw std::invalid_argument("BoxStore: payload_max must be 8 … 69632 bytes");
  }
  if (inline_bytes_ < kWord || inline_bytes_ > kInlinePayloadLimit) {
    throw std::invalid_argument("BoxStore: inline_payload_bytes must be 8 … 4096 bytes");
  }
  const std::size_t index_bytes = (index_mask_ + 1) * sizeof(IndexEntry);
  const std::size_t slot_bytes = capacity_ * slot_stride_;
  index_ = static_cast<IndexEntry*>(map_zeroed(index_bytes, config.huge_pages));
  try {
    slots_ = static_cast<std::byte*>(map_zeroed(slot_bytes, config.huge_pages));
  } catch (...) {
    unmap(index_, index_bytes);
    throw;
  }
  reserved_bytes_ = index_bytes + slot_bytes + spill_.reserved_bytes();
  incarnation_.store(draw_incarnation(), std::memory_order_relaxed);
  // Zero pages are valid atomics with value 0 (free entry / unwritten slot).
}

BoxStore::~BoxStore() {
  unmap(index_, (index_mask_ + 1) * sizeof(IndexEntry));
  unmap(slots_, capacity_ * slot_stride_);
}

void BoxStore::set_incarnation(std::uint64_t incarnation) noexcept {
  if (incarnation != 0) incarnation_.store(incarnation, std::memory_order_relaxed);
}

std::size_t BoxStore::hash(std::uint64_t id) const noexcept {
  return static_cast<std::size_t>(mix(id ^ seed_)) & index_mask_;
}

BoxStore::SlotHeader* BoxStore::slot_header(std::size_t slot) const noexcept {
  return std::launder(reinterpret_cast<SlotHeader*>(slots_ + slot * slot_stride_));
}

std::atomic<std::uint64_t>* BoxStore::slot_words(std::size_t slot) const noexcept {
  // The hunt's words come first, then the payload's.
  return std::launder(reinterpret_cast<std::atomic<std::uint64_t>*>(slots_ + slot * slot_stride_ +
                                                                    sizeof(SlotHeader)));
}

std::size_t BoxStore::size() const noexcept {
  return slot_count();
}

std::size_t BoxStore::slot_count() const noexcept {
  // slots_used_ overshoots capacity_ when writers race for the last slot.
  return std::min(slots_used_.load(std::memory_order_acquire), capacity_);
}

std::int64_t BoxStore::find_slot(std::uint64_t id) const noexcept {
  for (std::size_t i = hash(id);; i = (i + 1) & index_mask_) {
    const IndexEntry& e = index_[i];
    const std::uint64_t key = e.key.load(std::memory_order_acquire);
    if (key == 0) return -1;
    if (key == id) {
      const std::uint32_t slot = e.slot.load(std::memory_order_acquire);
      if (slot == kSlotPending || slot == kSlotRejected) return -1;
      return static_cast<std::int64_t>(slot - 1);
    }
  }
}

std::int64_t BoxStore::find_or_insert(std::uint64_t id) noexcept {
  // The table is at least twice the capacity, and entries are only claimed
  // while a slot is free, so a free entry is always found.
  for (std::size_t i = hash(id);; i = (i + 1) & index_mask_) {
    IndexEntry& e = index_[i];
    std::uint64_t key = e.key.load(std::memory_order_acquire);
    if (key == 0) {
      if (slots_used_.load(std::memory_order_relaxed) >= capacity_) return -1;
      if (e.key.compare_exchange_strong(key, id, std::memory_order_acq_rel)) {
        const std::size_t slot = slots_used_.fetch_add(1, std::memory_order_acq_rel);
        if (slot >= capacity_) {
          // Lost the race for the last slot: the id stays known as rejected.
          e.slot.store(kSlotRejected, std::memory_order_release);
          return -1;
        }
        slot_header(slot)->id.store(id, std::memory_order_release);
        e.slot.store(static_cast<std::uint32_t>(slot + 1), std::memory_order_release);
        return static_cast<std::int64_t>(slot);
      }
      // Another writer claimed this entry; the failed exchange left its id in `key`.
    }
    if (key == id) {
      // Claimed by us or another writer: wait for the slot to be published.
      for (;;) {
        const std::uint32_t slot = e.slot.load(std::memory_order_acquire);
        if (slot == kSlotRejected) return -1;
        if (slot != kSlotPending) return static_cast<std::int64_t>(slot - 1);
        cpu_relax();
      }
    }
  }
}

void BoxStore::prefetch_index(std::uint64_t id) const noexcept {
  __builtin_prefetch(&index_[hash(id)], 0, 3);
}

void BoxStore::prefetch_slot(std::uint64_t id, std::size_t payload_bytes) const noexcept {
  const std::int64_t found = find_slot(id);
  if (found < 0) return;  // a new box: write() claims it
  const auto* base = reinterpret_cast<const char*>(slot_header(static_cast<std::size_t>(found)));
  const std::size_t end =
      sizeof(SlotHeader) + kMaxHuntBytes + std::min(payload_bytes, payload_words_ * kWord);
  for (std::size_t offset = 0; offset < end; offset += kCacheLine)
    __builtin_prefetch(base + offset, 1, 3);
}

std::int64_t BoxStore::slot_for_write(std::uint64_t id, std::size_t payload_size,
                                      std::optional<std::string_view> hunt,
                                      WriteResult& result) noexcept {
  if (id == 0) {
    result.status = WriteStatus::invalid_id;
    return -1;
  }
  if (payload_size > payload_max_) {
    result.status = WriteStatus::payload_too_large;
    return -1;
  }
  if (hunt && hunt->size() > kMaxHuntBytes) {
    result.status = WriteStatus::hunt_too_long;
    return -1;
  }
  const std::int64_t found = find_or_insert(id);
  if (found < 0) {
    rejected_full_.fetch_add(1, std::memory_order_relaxed);
    result.status = WriteStatus::store_full;
  }
  return found;
}

std::uint64_t BoxStore::lock_slot(SlotHeader* header) noexcept {
  // An even sequence bumped to odd by CAS, so concurrent writers of a box
  // serialise.
  std::uint64_t seq = header->sequence.load(std::memory_order_relaxed);
  for (;;) {
    if ((seq & 1U) != 0) {
      cpu_relax();
      seq = header->sequence.load(std::memory_order_relaxed);
      continue;
    }
    if (header->sequence.compare_exchange_weak(seq, seq + 1, std::memory_order_acquire,
                                               std::memory_order_relaxed)) {
      return seq;
    }
  }
}

WriteResult BoxStore::write(std::uint64_t id, std::span<const char> payload,
                            std::optional<std::string_view> hunt) noexcept {
  WriteResult result;
  const std::int64_t found = slot_for_write(id, payload.size(), hunt, result);
  if (found < 0) return result;
  const auto slot = static_cast<std::size_t>(found);
  SlotHeader* header = slot_header(slot);
  std::atomic<std::uint64_t>* words = slot_words(slot);
  const std::uint64_t seq = lock_slot(header);
  const std::uint64_t sizes = header->sizes.load(std::memory_order_relaxed);
  if (!place_payload(header, words, payload)) {
    header->sequence.store(seq, std::memory_order_release);  // nothing changed
    result.status = WriteStatus::spill_full;
    return result;
  }
  std::size_t hunt_size = static_cast<std::size_t>(sizes >> 32);
  if (hunt) {
    hunt_size = hunt->size();
    store_words(words, hunt->data(), hunt_size);
  }
  header->sizes.store(payload.size() | (std::uint64_t{hunt_size} << 32), std::memory_order_release);
  // The hunt as it stands after this write, for the caller's fan-out.
  load_words(words, hunt_size, result.hunt);
  result.hunt_size = hunt_size;

  header->sequence.store(seq + 2, std::memory_order_release);
  result.version = (seq + 2) / 2;
  return result;
}

WriteResult BoxStore::restore(std::uint64_t id, std::uint64_t version,
                              std::span<const char> payload, std::string_view hunt) noexcept {
  WriteResult result;
  if (version == 0 || version > UINT64_MAX / 2 - 1) {
    result.status = WriteStatus::invalid_version;
    return result;
  }
  const std::int64_t found = slot_for_write(id, payload.size(), hunt, result);
  if (found < 0) return result;
  const auto slot = static_cast<std::size_t>(found);
  SlotHeader* header = slot_header(slot);
  std::atomic<std::uint64_t>* words = slot_words(slot);
  const std::uint64_t seq = lock_slot(header);
  if (seq / 2 >= version) {
    header->sequence.store(seq, std::memory_order_release);  // newer state kept, nothing changed
    result.version = seq / 2;
    return result;
  }
  if (!place_payload(header, words, payload)) {
    header->sequence.store(seq, std::memory_order_release);  // nothing changed
    result.status = WriteStatus::spill_full;
    return result;
  }
  store_words(words, hunt.data(), hunt.size());
  header->sizes.store(payload.size() | (std::uint64_t{hunt.size()} << 32),
                      std::memory_order_release);
  std::memcpy(result.hunt, hunt.data(), hunt.size());
  result.hunt_size = hunt.size();
  header->sequence.store(version * 2, std::memory_order_release);
  result.version = version;
  return result;
}

bool BoxStore::place_payload(SlotHeader* header, std::atomic<std::uint64_t>* words,
                             std::span<const char> payload) noexcept {
  const PayloadSpill::Handle old = header->spill_block.load(std::memory_order_relaxed);
  if (payload.size() <= inline_bytes_) {
    store_words(words + kHuntWords, payload.data(), payload.size());
    if (old != PayloadSpill::kNoBlock) {
      header->spill_block.store(PayloadSpill::kNoBlock, std::memory_order_release);
      spill_.release(old);
    }
    return true;
  }
  PayloadSpill::Handle block = old;
  if (old == PayloadSpill::kNoBlock || !spill_.same_class(old, payload.size())) {
    block = spill_.allocate(payload.size());
    if (block == PayloadSpill::kNoBlock) return false;
  }
  store_words(spill_.words(block), payload.data(), payload.size());
  if (block != old) {
    header->spill_block.store(block, std::memory_order_release);
    spill_.release(old);
  }
  return true;
}

const std::atomic<std::uint64_t>* BoxStore::payload_source(const SlotHeader* header,
                                                           const std::atomic<std::uint64_t>* words,
                                                           std::size_t& room) const noexcept {
  const PayloadSpill::Handle block = header->spill_block.load(std::memory_order_acquire);
  if (block == PayloadSpill::kNoBlock) {
    room = inline_bytes_;
    return words + kHuntWords;
  }
  room = spill_.capacity_of(block);
  return spill_.words(block);
}

std::uint64_t BoxStore::stable_sequence(const SlotHeader* header) noexcept {
  for (;;) {
    const std::uint64_t seq = header->sequence.load(std::memory_order_acquire);
    if ((seq & 1U) == 0) return seq;
    cpu_relax();  // a writer is in the slot
  }
}

ReadResult BoxStore::read(std::uint64_t id, std::span<char> payload_out,
                          std::span<char> hunt_out) const noexcept {
  ReadResult result;
  if (id == 0) return result;
  const std::int64_t found = find_slot(id);
  if (found < 0) return result;
  const auto slot = static_cast<std::size_t>(found);
  const SlotHeader* header = slot_header(slot);
  const std::atomic<std::uint64_t>* words = slot_words(slot);
  for (;;) {
    const std::uint64_t before = stable_sequence(header);
    if (before == 0) return result;  // claimed, first write not finished yet
    const std::uint64_t sizes = header->sizes.load(std::memory_order_acquire);
    const std::size_t payload_size = static_cast<std::size_t>(sizes & 0xffffffffU);
    const std::size_t hunt_size = static_cast<std::size_t>(sizes >> 32);
    // Sizes and the block from a torn read may be garbage: clamp before copying.
    std::size_t room = 0;
    const std::atomic<std::uint64_t>* source = payload_source(header, words, room);
    if (source == nullptr) continue;
    const std::size_t copy = std::min({payload_size, payload_out.size(), room});
    load_words(source, copy, payload_out.data());
    const std::size_t hunt_copy = std::min({hunt_size, hunt_out.size(), kMaxHuntBytes});
    if (!hunt_out.empty()) load_words(words, hunt_copy, hunt_out.data());
    if (header->sequence.load(std::memory_order_relaxed) == before) {
      result.found = true;
      result.version = before / 2;
      result.change = header->change.load(std::memory_order_relaxed);
      result.payload_size = payload_size;
      result.hunt_size = hunt_out.empty() ? 0 : hunt_copy;
      return result;
    }
  }
}

std::size_t BoxStore::visit_boxes(std::size_t from_slot, std::size_t max_slots,
                                  BoxVisitor& visitor) const {
  const std::size_t used = slot_count();
  if (from_slot >= used) return from_slot;
  const std::size_t end = from_slot + std::min(max_slots, used - from_slot);
  char hunt[kMaxHuntBytes];
  char payload[kPayloadMaxLimit];
  BoxView view;
  for (std::size_t slot = from_slot; slot < end; ++slot) {
    if (!read_slot(slot, visitor, hunt, payload, view)) continue;
    if (!visitor.visit(view)) return slot + 1;
  }
  return end;
}

bool BoxStore::read_slot(std::size_t slot, BoxVisitor& visitor, char* hunt_out, char* payload_out,
                         BoxView& view) const {
  const SlotHeader* header = slot_header(slot);
  // Published after the slot was taken: 0 while its first writer is still
  // between the two (that write will be published to subscribers anyway).
  const std::uint64_t id = header->id.load(std::memory_order_acquire);
  if (id == 0) return false;
  const std::atomic<std::uint64_t>* words = slot_words(slot);
  for (;;) {
    const std::uint64_t before = stable_sequence(header);
    if (before == 0) return false;  // first write not finished yet
    const std::uint64_t sizes = header->sizes.load(std::memory_order_acquire);
    // Sizes from a torn read may be garbage: clamp before copying.
    const std::size_t hunt_size = std::min(static_cast<std::size_t>(sizes >> 32), kMaxHuntBytes);
    std::size_t room = 0;
    const std::atomic<std::uint64_t>* source = payload_source(header, words, room);
    if (source == nullptr) continue;
    const std::size_t payload_size =
        std::min({static_cast<std::size_t>(sizes & 0xffffffffU), payload_max_, room});
    load_words(words, hunt_size, hunt_out);
    // The visitor judges whole hunts only, never one torn by a writer.
    if (header->sequence.load(std::memory_order_relaxed) != before) continue;
    if (!visitor.wants({hunt_out, hunt_size})) return false;
    load_words(source, payload_size, payload_out);
    if (header->sequence.load(std::memory_order_relaxed) != before) continue;
    view.id = id;
    view.version = before / 2;
    view.change = header->change.load(std::memory_order_relaxed);
    view.hunt = {hunt_out, hunt_size};
    view.payload = {payload_out, payload_size};
    return true;
  }
}

void BoxStore::set_change(std::uint64_t id, std::uint64_t change) noexcept {
  if (id == 0) return;
  const std::int64_t found = find_slot(id);
  if (found < 0) return;
  slot_header(static_cast<std::size_t>(found))->change.store(change, std::memory_order_relaxed);
}

std::optional<std::uint64_t> BoxStore::version(std::uint64_t id) const noexcept {
  if (id == 0) return std::nullopt;
  const std::int64_t found = find_slot(id);
  if (found < 0) return std::nullopt;
  const std::uint64_t seq =
      slot_header(static_cast<std::size_t>(found))->sequence.load(std::memory_order_acquire);
  if (seq < 2) return std::nullopt;
  return seq / 2;  // an odd (in-progress) sequence reports the last complete version
}

}  // namespace trove::store
