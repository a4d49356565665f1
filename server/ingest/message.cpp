#include "ingest/message.hpp"

namespace trove::ingest {

std::optional<BoxState> parse_box_state(std::string_view text) noexcept {
  if (text == "closed") return BoxState::closed;
  if (text == "open") return BoxState::open;
  if (text == "claimed") return BoxState::claimed;
  if (text == "empty") return BoxState::empty;
  return std::nullopt;
}

std::string_view to_string(BoxState state) noexcept {
  switch (state) {
    case BoxState::closed:
      return "closed";
    case BoxState::open:
      return "open";
    case BoxState::claimed:
      return "claimed";
    case BoxState::empty:
      return "empty";
  }
  return "closed";
}

}  // namespace trove::ingest
