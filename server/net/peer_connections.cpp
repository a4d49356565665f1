#include "net/peer_connections.hpp"

namespace trove::net {

namespace {
// An IPv6 address's first 8 bytes: its /64 network.
constexpr std::size_t kV6PrefixBytes = 8;
}  // namespace

PeerKey peer_key_of(const boost::asio::ip::address& address) noexcept {
  if (address.is_v4()) return PeerKey{address.to_v4().to_uint(), false};
  const auto v6 = address.to_v6();
  if (v6.is_v4_mapped()) {
    return PeerKey{boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, v6).to_uint(),
                   false};
  }
  const auto bytes = v6.to_bytes();
  std::uint64_t prefix = 0;
  for (std::size_t i = 0; i < kV6PrefixBytes; ++i)
    prefix = (prefix << 8) | bytes[i];
  return PeerKey{prefix, true};
}

PeerSlot& PeerSlot::operator=(PeerSlot&& other) noexcept {
  if (this != &other) {
    release();
    table_ = other.table_;
    key_ = other.key_;
    other.table_ = nullptr;
  }
  return *this;
}

void PeerSlot::release() noexcept {
  if (table_ != nullptr) table_->release(key_);
  table_ = nullptr;
}

std::optional<PeerSlot> PeerConnections::admit(const boost::asio::ip::address& address) {
  const PeerKey key = peer_key_of(address);
  std::lock_guard lock(mutex_);
  auto it = open_.try_emplace(key, 0).first;
  if (it->second >= max_per_peer_) return std::nullopt;
  ++it->second;
  return PeerSlot(this, key);
}

void PeerConnections::release(const PeerKey& key) noexcept {
  std::lock_guard lock(mutex_);
  auto it = open_.find(key);
  if (it == open_.end()) return;
  if (--it->second == 0) open_.erase(it);
}

std::size_t PeerConnections::peers() const {
  std::lock_guard lock(mutex_);
  return open_.size();
}

}  // namespace trove::net
