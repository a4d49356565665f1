#include "ingest/payload_writer.hpp"

#include <rapidjson/writer.h>

namespace trove::ingest {

namespace {

// A RapidJSON output stream over a fixed buffer: never allocates, remembers
// whether anything did not fit.
class FixedBufferStream {
 public:
  using Ch = char;

  void reset(char* out, std::size_t capacity) noexcept {
    begin_ = out;
    cursor_ = out;
    end_ = out + capacity;
    overflow_ = false;
  }
  void Put(char c) noexcept {
    if (cursor_ != end_) {
      *cursor_++ = c;
    } else {
      overflow_ = true;
    }
  }
  void Flush() noexcept {}
  std::size_t size() const noexcept { return static_cast<std::size_t>(cursor_ - begin_); }
  bool overflow() const noexcept { return overflow_; }

 private:
  char* begin_ = nullptr;
  char* cursor_ = nullptr;
  char* end_ = nullptr;
  bool overflow_ = false;
};

}  // namespace

struct PayloadWriter::State {
  FixedBufferStream stream;
  rapidjson::Writer<FixedBufferStream> writer{stream};
};

PayloadWriter::PayloadWriter() : state_(std::make_unique<State>()) {}
PayloadWriter::~PayloadWriter() = default;

std::size_t PayloadWriter::render(const BoxMessage& m, char* out, std::size_t capacity) {
  FixedBufferStream& stream = state_->stream;
  auto& w = state_->writer;
  stream.reset(out, capacity);
  w.Reset(stream);
  w.StartObject();
  w.Key("box", 3);
  w.Uint64(m.box);
  if (m.has_state) {
    const std::string_view state = to_string(m.state);
    w.Key("state", 5);
    w.String(state.data(), static_cast<rapidjson::SizeType>(state.size()));
  }
  if (m.has_x) {
    w.Key("x", 1);
    w.Double(m.x);
  }
  if (m.has_y) {
    w.Key("y", 1);
    w.Double(m.y);
  }
  if (m.has_ts) {
    w.Key("ts", 2);
    w.Int64(m.ts);
  }
  if (m.has_player) {
    w.Key("player", 6);
    w.String(m.player.data(), static_cast<rapidjson::SizeType>(m.player.size()));
  }
  w.EndObject();
  return stream.overflow() ? 0 : stream.size();
}

}  // namespace trove::ingest
