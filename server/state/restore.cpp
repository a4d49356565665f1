#include "state/restore.hpp"

#include <unistd.h>

#include <algorithm>

#include "state/state_dir.hpp"
#include "state/state_format.hpp"

namespace trove::state {

namespace fs = std::filesystem;

namespace {

std::string_view to_string(HeaderCheck check) {
  switch (check) {
    case HeaderCheck::kTooShort:
      return "shorter than its header";
    case HeaderCheck::kBadMagic:
      return "not a trove state file of its kind";
    case HeaderCheck::kBadChecksum:
      return "header checksum mismatch";
    default:
      return "header unreadable";
  }
}

std::string_view to_string(RecordCheck check) {
  switch (check) {
    case RecordCheck::kTruncated:
      return "record cut short";
    case RecordCheck::kBadLength:
      return "impossible record length";
    case RecordCheck::kBadChecksum:
      return "record checksum mismatch";
    case RecordCheck::kBadBody:
      return "record fields inconsistent";
    default:
      return "record unreadable";
  }
}

[[noreturn]] void refuse_future(const fs::path& path, const FileHeader& header) {
  throw FutureFormatError(
      path.string() + " is in state format version " + std::to_string(header.version) +
      "; this trove-server reads versions 1 … " + std::to_string(kFormatVersion) +
      ": start a newer trove-server or move the state directory away");
}

// What reading one file's records found.
struct FileRead {
  bool header_ok = false;
  FileHeader header;
  std::uint64_t records = 0;
  std::uint64_t rejected = 0;
  bool ended = false;           // a snapshot's end record seen
  std::size_t valid_bytes = 0;  // header + whole records
  RecordCheck stop = RecordCheck::kEnd;
  bool stop_reaches_end = false;  // the failing record is the file's last bytes
  std::string problem;
};

bool all_zero(std::string_view bytes) {
  return std::all_of(bytes.begin(), bytes.end(), [](char c) { return c == 0; });
}

void apply(const BoxRecord& record, store::BoxStore& store, FileRead& read) {
  const store::WriteResult result = store.restore(
      record.box, record.version, {record.payload.data(), record.payload.size()}, record.hunt);
  ++read.records;
  if (result.status != store::WriteStatus::stored) ++read.rejected;
}

FileRead read_file(const fs::path& path, std::string_view magic, store::BoxStore& store) {
  const MappedFile file(path);
  const std::string_view bytes = file.bytes();
  FileRead read;
  const HeaderCheck check = parse_header(bytes, magic, read.header);
  if (check == HeaderCheck::kFutureVersion) refuse_future(path, read.header);
  if (check != HeaderCheck::kOk) {
    read.problem = std::string(to_string(check));
    return read;
  }
  read.header_ok = true;
  std::size_t at = kHeaderBytes;
  for (;;) {
    BoxRecord record;
    std::size_t consumed = 0;
    read.stop = parse_record(bytes.substr(at), record, consumed);
    if (read.stop != RecordCheck::kOk) {
      read.stop_reaches_end = at + consumed >= bytes.size() || all_zero(bytes.substr(at));
      break;
    }
    if (record.kind == RecordKind::kEnd) {
      read.ended = true;
      at += consumed;
      break;
    }
    apply(record, store, read);
    at += consumed;
  }
  read.valid_bytes = at;
  if (read.stop != RecordCheck::kOk && read.stop != RecordCheck::kEnd) {
    read.problem = std::string(to_string(read.stop)) + " at byte " + std::to_string(at);
  }
  return read;
}

// The stop is a torn tail when only a cut-short or failing last record
// follows the whole ones, or only zeros (a crash mid-write; some file
// systems leave a grown file's unwritten end zero-filled); damage before
// the end is corruption.
bool torn_tail(const FileRead& read) {
  return read.stop == RecordCheck::kTruncated || read.stop_reaches_end;
}

class Restorer {
 public:
  Restorer(const fs::path& dir, store::BoxStore& store) : dir_(dir), store_(store) {}

  RestoreReport run() {
    const std::vector<StateFile> files = list_state_files(dir_);
    std::uint64_t covered = 0;  // logs below this generation are in the snapshot
    bool clean = false;
    std::uint64_t max_generation = 0;
    for (const StateFile& file : files) {
      max_generation = std::max(max_generation, file.generation);
      if (file.kind != StateFile::Kind::kSnapshot || !report_.snapshot.empty()) continue;
      if (load_snapshot(file)) {
        covered = file.generation;
        clean = clean_;
      }
    }
    for (const StateFile& file : files) {
      if (file.kind != StateFile::Kind::kLog) continue;
      if (file.generation < covered) {
        std::error_code ignored;
        fs::remove(file.path, ignored);  // in the snapshot already
        continue;
      }
      replay_log(file);
    }
    report_.next_generation = max_generation + 1;
    // The last run did not end with its clean snapshot (it crashed after
    // restoring one): what it served may be lost.
    if (fs::exists(dir_ / std::string(kRunningMarker))) clean = false;
    report_.incarnation_kept = clean && report_.log_records == 0 && report_.torn_records == 0 &&
                               report_.corrupt_files == 0;
    if (!report_.incarnation_kept) report_.incarnation = 0;
    return report_;
  }

 private:
  bool load_snapshot(const StateFile& file) {
    const FileRead read = read_file(file.path, kSnapshotMagic, store_);
    report_.rejected_records += read.rejected;
    if (read.header_ok && read.ended) {
      report_.snapshot = file.path;
      report_.snapshot_boxes = read.records;
      report_.incarnation = read.header.incarnation;
      clean_ = (read.header.flags & kFlagClean) != 0;
      return true;
    }
    // A snapshot is published whole by rename: any damage is corruption.
    damaged(file.path, read.problem.empty() ? "no end record" : read.problem);
    return false;
  }

  void replay_log(const StateFile& file) {
    const FileRead read = read_file(file.path, kLogMagic, store_);
    report_.log_records += read.records;
    report_.rejected_records += read.rejected;
    if (!read.header_ok) return damaged(file.path, read.problem);
    if (read.problem.empty()) return;
    if (torn_tail(read)) {
      ++report_.torn_records;
      report_.problems.push_back(file.path.string() + ": torn tail dropped (" + read.problem + ")");
      ::truncate(file.path.c_str(), static_cast<off_t>(read.valid_bytes));
      return;
    }
    damaged(file.path, read.problem);
  }

  void damaged(const fs::path& path, const std::string& problem) {
    ++report_.corrupt_files;
    const fs::path aside = move_aside(dir_, path);
    report_.problems.push_back(path.string() + ": " + problem + "; moved to " + aside.string());
  }

  fs::path dir_;
  store::BoxStore& store_;
  RestoreReport report_;
  bool clean_ = false;
};

}  // namespace

RestoreReport restore_state(const fs::path& dir, store::BoxStore& store) {
  return Restorer(dir, store).run();
}

}  // namespace trove::state
