#include "state/snapshot.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <system_error>

#include "state/state_dir.hpp"
#include "state/state_format.hpp"

namespace trove::state {

namespace fs = std::filesystem;

namespace {

// The writer's buffer: written out whenever it passes this size, so a
// snapshot of a million boxes costs one buffer, not the file's size.
constexpr std::size_t kFlushBytes = std::size_t{1} << 20;
// Slots per visit_boxes step.
constexpr std::size_t kSlotsPerStep = 4096;

class SnapshotSink final : public store::BoxVisitor {
 public:
  explicit SnapshotSink(int fd) : fd_(fd) { buffer_.reserve(kFlushBytes + kMaxBodyBytes); }
  bool wants(std::string_view /*hunt*/) override { return true; }
  bool visit(const store::BoxView& box) override {
    append_record(buffer_, box_record(box.id, box.version, box.hunt, box.payload));
    ++boxes_;
    if (buffer_.size() >= kFlushBytes) flush();
    return !error_;
  }
  void append(std::string_view bytes) { buffer_.append(bytes); }
  void flush() {
    if (error_) return;
    error_ = write_all(fd_, buffer_);
    bytes_ += buffer_.size();
    buffer_.clear();
  }
  std::error_code error() const { return error_; }
  std::uint64_t boxes() const { return boxes_; }
  std::uint64_t bytes() const { return bytes_; }
  std::string& buffer() { return buffer_; }

 private:
  int fd_;
  std::string buffer_;
  std::error_code error_;
  std::uint64_t boxes_ = 0;
  std::uint64_t bytes_ = 0;
};

std::error_code write_boxes(const store::BoxStore& store, int fd,
                            const SnapshotHeaderFields& fields, SnapshotSink& sink) {
  append_header(sink.buffer(), make_header(kSnapshotMagic, fields.incarnation, fields.generation, 0,
                                           fields.clean ? kFlagClean : 0U));
  for (std::size_t slot = 0; slot < store.slot_count() && !sink.error();)
    slot = store.visit_boxes(slot, kSlotsPerStep, sink);
  append_record(sink.buffer(), end_record(sink.boxes()));
  sink.flush();
  if (sink.error()) return sink.error();
  if (::fsync(fd) != 0) return {errno, std::generic_category()};
  return {};
}

}  // namespace

SnapshotWritten write_snapshot(const store::BoxStore& store, const fs::path& dir,
                               const SnapshotHeaderFields& fields) {
  const fs::path final_path = dir / snapshot_file_name(fields.generation);
  const fs::path temp_path = fs::path(final_path.string() + ".tmp");
  const int fd = ::open(temp_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "open " + temp_path.string());
  SnapshotSink sink(fd);
  std::error_code error = write_boxes(store, fd, fields, sink);
  ::close(fd);
  if (!error) {
    std::error_code rename_error;
    fs::rename(temp_path, final_path, rename_error);
    error = rename_error ? rename_error : sync_directory(dir);
  }
  if (error) {
    std::error_code ignored;
    fs::remove(temp_path, ignored);
    throw std::system_error(error, "snapshot " + final_path.string());
  }
  return {final_path, sink.boxes(), sink.bytes()};
}

}  // namespace trove::state
