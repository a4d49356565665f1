#include "net/sliced_ingest.hpp"

#include <cstdint>
#include <cstring>

namespace trove::net {

void SlicedIngest::start(std::string_view ndjson) {
  rest_ = ndjson;
  line_base_ = 0;
  accepted_ = 0;
  rejected_ = 0;
  rejections_.clear();
  active_ = true;
  ticket_ = 0;
}

bool SlicedIngest::step(ingest::IngestPipeline& pipeline, std::size_t max_lines) {
  // Cut after the max_lines-th newline; the rest of the batch if it has
  // fewer. Only the batch's own last line can lack its newline, so the
  // pipeline's "truncated" rule (the last line ends inside a value) applies
  // to the same line it would unsliced.
  std::size_t cut = rest_.size();
  std::size_t lines = 0;
  // SIZE_MAX: the whole rest, without scanning it for newlines.
  for (std::size_t pos = 0; max_lines != SIZE_MAX && lines < max_lines && pos < rest_.size();
       ++lines) {
    const void* nl = std::memchr(rest_.data() + pos, '\n', rest_.size() - pos);
    if (nl == nullptr) break;
    pos = static_cast<std::size_t>(static_cast<const char*>(nl) - rest_.data()) + 1;
    if (lines + 1 == max_lines) cut = pos;
  }
  const std::string_view slice = rest_.substr(0, cut);
  rest_.remove_prefix(cut);
  const bool last = rest_.empty();

  const ingest::BatchResult r = pipeline.ingest(slice);
  accepted_ += r.accepted;
  rejected_ += r.rejected;
  const std::size_t listed_max = pipeline.config().max_rejections_listed;
  for (const ingest::Rejection& rejection : r.rejections) {
    if (rejections_.size() >= listed_max) break;
    ingest::Rejection shifted = rejection;
    shifted.index += line_base_;
    rejections_.push_back(shifted);
  }
  line_base_ += static_cast<std::uint32_t>(lines);
  if (last) active_ = false;
  return last;
}

ingest::BatchResult SlicedIngest::result() const noexcept {
  ingest::BatchResult r;
  r.accepted = accepted_;
  r.rejected = rejected_;
  r.rejections = rejections_;
  r.rejections_truncated = rejected_ > rejections_.size();
  return r;
}

}  // namespace trove::net
