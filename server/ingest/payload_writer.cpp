#include "ingest/payload_writer.hpp"

#include <rapidjson/writer.h>

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>

#include "ingest/message.hpp"

namespace trove::ingest {

namespace payload_detail {

// RapidJSON output stream over a buffer sized once.
//
// Why not rapidjson::StringBuffer: the Writer emits one byte at a time, and
// with a `char` buffer every byte store may alias the buffer's own cursor, so
// the cursor is reloaded and re-stored per byte (a store-forwarding chain that
// made rendering ~2x slower than parsing). The bytes here are stored as
// char8_t, which may not alias anything else, so the compiler keeps the
// cursor in a register. PutReserve/PutUnsafe overloads (found by ADL from the
// Writer) make the Writer's bulk paths unchecked after one capacity check.
class ByteStream {
 public:
  using Ch = char;

  // Larger than any payload the schema fields alone can produce (two 64-byte
  // strings fully \u-escaped, five numbers, keys: < 700 bytes); `data` is
  // added on top.
  static constexpr std::size_t kSchemaCapacity = 2048;

  explicit ByteStream(std::size_t data_bytes)
      : capacity_(kSchemaCapacity + data_bytes),
        bytes_(std::make_unique<char8_t[]>(capacity_)),
        cursor_(bytes_.get()),
        end_(bytes_.get() + capacity_) {}

  void clear() noexcept {
    cursor_ = bytes_.get();
    overflow_ = false;
  }
  void Put(char c) noexcept {
    if (cursor_ != end_) [[likely]] {
      *cursor_++ = static_cast<char8_t>(c);
    } else {
      overflow_ = true;
    }
  }
  void Flush() noexcept {}

  // Room for `count` more bytes; if there is none, the output is marked
  // overflowed and rewound so the unchecked writes that follow stay inside
  // the buffer (count ≤ kSchemaCapacity for every call the Writer makes here).
  void reserve(std::size_t count) noexcept {
    if (static_cast<std::size_t>(end_ - cursor_) < count) [[unlikely]] {
      overflow_ = true;
      cursor_ = bytes_.get();
    }
  }
  void put_unchecked(char c) noexcept { *cursor_++ = static_cast<char8_t>(c); }
  // Bytes copied as they are (a minified `data` value), or an overflow.
  void append(std::string_view text) noexcept {
    if (static_cast<std::size_t>(end_ - cursor_) < text.size()) [[unlikely]] {
      overflow_ = true;
      return;
    }
    std::memcpy(cursor_, text.data(), text.size());
    cursor_ += text.size();
  }

  std::string_view view() const noexcept {
    return {reinterpret_cast<const char*>(bytes_.get()),
            static_cast<std::size_t>(cursor_ - bytes_.get())};
  }
  bool overflow() const noexcept { return overflow_; }

 private:
  std::size_t capacity_;
  std::unique_ptr<char8_t[]> bytes_;
  char8_t* cursor_;
  char8_t* end_;
  bool overflow_ = false;
};

inline void PutReserve(ByteStream& stream, std::size_t count) {
  stream.reserve(count);
}
inline void PutUnsafe(ByteStream& stream, char c) {
  stream.put_unchecked(c);
}

}  // namespace payload_detail

namespace {

using payload_detail::ByteStream;
using Writer = rapidjson::Writer<ByteStream>;

// A string known to need no escaping, given with its quotes; the Writer still
// places every ',' and ':'. Skips the per-byte escape scan of String().
void raw_string(Writer& w, std::string_view quoted) {
  w.RawValue(quoted.data(), quoted.size(), rapidjson::kStringType);
}

// Writes `value` (finite) in a shortest round-trip decimal form into `out`
// (≥ 32 bytes); returns the length.
//
// Fast path for the common case of coordinates with a few decimals (12.5,
// -3.25): the smallest k ≤ 6 with value × 10^k an integer i below 2^53 whose
// correctly rounded i / 10^k gives back exactly `value`. Then "i with a point
// k digits from the right" parses back to `value` and has the fewest digits.
// Everything else goes to std::to_chars, which costs ~50 ns a call (GCC 12,
// measured), a third of the render time: too much for every coordinate.
std::size_t format_double(double value, char* out) {
  static constexpr std::array<double, 7> kPow10 = {1, 10, 100, 1e3, 1e4, 1e5, 1e6};
  constexpr double kExactIntegers = 9007199254740992.0;  // 2^53
  for (std::size_t k = 0; k < kPow10.size(); ++k) {
    const double scaled = value * kPow10[k];
    if (!(std::fabs(scaled) < kExactIntegers)) break;
    const auto integer = static_cast<std::int64_t>(scaled);
    if (static_cast<double>(integer) != scaled) continue;
    if (static_cast<double>(integer) / kPow10[k] != value) continue;
    if (integer == 0 && std::signbit(value)) break;  // -0: let to_chars keep the sign
    // Digits of |integer|, least significant first.
    std::array<char, 24> digits;
    std::size_t count = 0;
    std::uint64_t magnitude = integer < 0 ? std::uint64_t{0} - static_cast<std::uint64_t>(integer)
                                          : static_cast<std::uint64_t>(integer);
    do {
      digits[count++] = static_cast<char>('0' + magnitude % 10);
      magnitude /= 10;
    } while (magnitude != 0);
    while (count <= k)
      digits[count++] = '0';  // 0.05: at least one digit before the point
    std::size_t length = 0;
    if (integer < 0) out[length++] = '-';
    for (std::size_t i = count; i-- > 0;) {
      out[length++] = digits[i];
      if (i == k && k != 0) out[length++] = '.';
    }
    return length;
  }
  const auto [end, ec] = std::to_chars(out, out + 32, value);
  (void)ec;  // 32 bytes hold any double's shortest form
  return static_cast<std::size_t>(end - out);
}

void raw_double(Writer& w, double value) {
  std::array<char, 32> text;
  const std::size_t length = format_double(value, text.data());
  w.RawValue(text.data(), length, rapidjson::kNumberType);
}

std::string_view quoted_state(BoxState state) {
  switch (state) {
    case BoxState::closed:
      return "\"closed\"";
    case BoxState::open:
      return "\"open\"";
    case BoxState::claimed:
      return "\"claimed\"";
    case BoxState::empty:
      return "\"empty\"";
  }
  return "\"closed\"";
}

}  // namespace

struct PayloadWriter::State {
  explicit State(std::size_t max_data_bytes) : stream(max_data_bytes) {}
  ByteStream stream;
  Writer writer{stream};
};

PayloadWriter::PayloadWriter(std::size_t max_data_bytes)
    : state_(std::make_unique<State>(max_data_bytes)) {}

PayloadWriter::~PayloadWriter() = default;

std::string_view PayloadWriter::render(const BoxMessage& m) {
  ByteStream& stream = state_->stream;
  Writer& w = state_->writer;
  stream.clear();
  w.Reset(stream);
  w.StartObject();
  raw_string(w, "\"box\"");
  w.Uint64(m.box);
  if (m.has_state) {
    raw_string(w, "\"state\"");
    raw_string(w, quoted_state(m.state));
  }
  if (m.has_x) {
    raw_string(w, "\"x\"");
    raw_double(w, m.x);
  }
  if (m.has_y) {
    raw_string(w, "\"y\"");
    raw_double(w, m.y);
  }
  if (m.has_ts) {
    raw_string(w, "\"ts\"");
    w.Int64(m.ts);
  }
  if (m.has_player) {
    raw_string(w, "\"player\"");
    w.String(m.player.data(), static_cast<rapidjson::SizeType>(m.player.size()));
  }
  if (m.has_data) {
    // Last, and copied whole: the decoder already checked and minified it,
    // so the Writer (byte by byte) is left out; the next render resets it.
    stream.append(R"(,"data":)");
    stream.append(m.data);
    stream.Put('}');
  } else {
    w.EndObject();
  }
  // An overflow cannot happen within the schema's limits; report it as "too
  // large" rather than return a cut payload.
  if (stream.overflow()) return std::string_view(nullptr, 0);
  return stream.view();
}

}  // namespace trove::ingest
