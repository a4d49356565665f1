// Open public-listener connections per client address (--max-conns-per-ip),
// shared by every worker: SO_REUSEPORT spreads one peer's connections over
// all of them, so a per-worker count would let a peer hold workers × the cap.
//
// An attacker's view shaped it:
// - IPv6 peers are counted per /64 prefix: one host commonly holds a whole
//   /64 and can pick a new source address per connection.
// - The table holds an entry only while that peer has an open connection
//   (erased at zero), and a connection is counted only once admitted under
//   --max-connections, so the table never has more entries than open
//   public connections, however many addresses a flood comes from.
// - One mutex: taken twice per connection (accept and close), never per
//   request, so it costs nothing a poll would notice.
#pragma once

#include <boost/asio/ip/address.hpp>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <unordered_map>

namespace trove::net {

// A peer as counted: an IPv4 address (also IPv4-mapped IPv6), or an IPv6 /64.
struct PeerKey {
  std::uint64_t bits = 0;
  bool v6 = false;
  friend bool operator==(const PeerKey&, const PeerKey&) = default;
};
PeerKey peer_key_of(const boost::asio::ip::address& address) noexcept;

class PeerConnections;

// One admitted connection's place in the count, released when destroyed.
// Move-only: it follows the socket from the HTTP session to a WebSocket.
class PeerSlot {
 public:
  PeerSlot() = default;
  PeerSlot(PeerConnections* table, PeerKey key) noexcept : table_(table), key_(key) {}
  PeerSlot(PeerSlot&& other) noexcept : table_(other.table_), key_(other.key_) {
    other.table_ = nullptr;
  }
  PeerSlot& operator=(PeerSlot&& other) noexcept;
  PeerSlot(const PeerSlot&) = delete;
  PeerSlot& operator=(const PeerSlot&) = delete;
  ~PeerSlot() { release(); }

 private:
  void release() noexcept;
  PeerConnections* table_ = nullptr;
  PeerKey key_;
};

class PeerConnections {
 public:
  // `max_per_peer` >= 1; the caller skips the table when the cap is off.
  explicit PeerConnections(std::uint64_t max_per_peer) : max_per_peer_(max_per_peer) {}

  // Counts a connection from `address`; nullopt when the peer is at its cap
  // (the caller refuses the connection). Any thread.
  std::optional<PeerSlot> admit(const boost::asio::ip::address& address);
  // Peers with an open connection (the table's size). Any thread.
  [[nodiscard]] std::size_t peers() const;

 private:
  friend class PeerSlot;
  struct KeyHash {
    std::size_t operator()(const PeerKey& k) const noexcept {
      return std::hash<std::uint64_t>{}(k.bits) ^ static_cast<std::size_t>(k.v6);
    }
  };
  void release(const PeerKey& key) noexcept;

  const std::uint64_t max_per_peer_;
  mutable std::mutex mutex_;
  std::unordered_map<PeerKey, std::uint64_t, KeyHash> open_;
};

}  // namespace trove::net
