#include "ingest_batch.hpp"

#include <charconv>
#include <ctime>
#include <string_view>

namespace trove::loadgen {

IngestBatchBuilder::IngestBatchBuilder(BoxRange range, std::uint64_t start_offset)
    : range_(range), cursor_(start_offset % range.size()) {}

void IngestBatchBuilder::build(std::string& out, unsigned count, std::int64_t ts_us) {
  // {"box":123456,"hunt":"spring","x":12.5,"y":-3.25,"state":"open","ts":1732712345678,"player":"p-8812"}
  static constexpr std::string_view kHead = "{\"box\":";
  static constexpr std::string_view kMiddle =
      ",\"hunt\":\"spring\",\"x\":12.5,\"y\":-3.25,\"state\":\"open\",\"ts\":";
  static constexpr std::string_view kTail = ",\"player\":\"p-8812\"}\n";
  char ts_text[24];
  const auto ts_end = std::to_chars(ts_text, ts_text + sizeof ts_text, ts_us).ptr;
  const std::string_view ts(ts_text, static_cast<std::size_t>(ts_end - ts_text));
  out.clear();
  out.reserve(count * 112);
  for (unsigned i = 0; i < count; ++i) {
    char box_text[24];
    const auto box_end =
        std::to_chars(box_text, box_text + sizeof box_text, range_.first + cursor_).ptr;
    if (++cursor_ == range_.size()) cursor_ = 0;
    out += kHead;
    out.append(box_text, static_cast<std::size_t>(box_end - box_text));
    out += kMiddle;
    out += ts;
    out += kTail;
  }
}

std::int64_t realtime_micros() {
  timespec t{};
  clock_gettime(CLOCK_REALTIME, &t);
  return static_cast<std::int64_t>(t.tv_sec) * 1'000'000 + t.tv_nsec / 1000;
}

std::int64_t monotonic_nanos() {
  timespec t{};
  clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<std::int64_t>(t.tv_sec) * 1'000'000'000 + t.tv_nsec;
}

}  // namespace trove::loadgen
