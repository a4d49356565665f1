// Snapshots, log segments and restore: what comes back after a clean stop,
// after a crash (torn tail), with damaged files, and with files of a newer
// format version.
#include "state/restore.hpp"

#include <gtest/gtest.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "state/log_segment.hpp"
#include "state/snapshot.hpp"
#include "state/state_dir.hpp"
#include "state/state_format.hpp"

namespace trove::state {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    std::random_device random;
    path_ = fs::temp_directory_path() / ("trove-state-test-" + std::to_string(random()));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

store::BoxStore small_store() {
  return store::BoxStore({64, 128, false});
}

std::span<const char> bytes(std::string_view s) {
  return {s.data(), s.size()};
}

struct Box {
  bool found = false;
  std::uint64_t version = 0;
  std::string payload;
  std::string hunt;
};

Box read_box(const store::BoxStore& s, std::uint64_t id) {
  std::array<char, 128> payload{};
  std::array<char, store::kMaxHuntBytes> hunt{};
  const store::ReadResult r = s.read(id, payload, hunt);
  return {r.found, r.version, std::string(payload.data(), r.payload_size),
          std::string(hunt.data(), r.hunt_size)};
}

std::string log_record(std::uint64_t box, std::uint64_t version, std::string_view payload) {
  std::string out;
  append_record(out, box_record(box, version, "h", payload));
  return out;
}

std::size_t corrupt_dirs(const fs::path& dir) {
  std::size_t n = 0;
  for (const auto& e : fs::directory_iterator(dir))
    n += e.is_directory() && e.path().filename().string().starts_with("corrupt-") ? 1 : 0;
  return n;
}

TEST(StateRestore, AnEmptyDirectoryRestoresNothingAndKeepsNoIncarnation) {
  TempDir dir;
  auto s = small_store();
  const RestoreReport r = restore_state(dir.path(), s);
  EXPECT_FALSE(r.incarnation_kept);
  EXPECT_EQ(r.next_generation, 1U);
  EXPECT_EQ(s.size(), 0U);
}

TEST(StateRestore, ACleanSnapshotBringsBackEveryBoxVersionAndTheIncarnation) {
  TempDir dir;
  auto before = small_store();
  before.write(1, bytes(R"({"box":1})"), "spring");
  before.write(2, bytes(R"({"box":2,"v":1})"));
  before.write(2, bytes(R"({"box":2,"v":2})"));
  const SnapshotWritten w = write_snapshot(before, dir.path(), {5, before.incarnation(), true});
  EXPECT_EQ(w.boxes, 2U);
  EXPECT_EQ(w.bytes, fs::file_size(w.path));
  auto after = small_store();
  const RestoreReport r = restore_state(dir.path(), after);
  EXPECT_TRUE(r.incarnation_kept);
  EXPECT_EQ(r.incarnation, before.incarnation());
  EXPECT_EQ(r.snapshot_boxes, 2U);
  EXPECT_EQ(r.next_generation, 6U);
  const Box one = read_box(after, 1);
  EXPECT_EQ(one.version, 1U);
  EXPECT_EQ(one.payload, R"({"box":1})");
  EXPECT_EQ(one.hunt, "spring");
  EXPECT_EQ(read_box(after, 2).version, 2U);
  EXPECT_EQ(read_box(after, 2).payload, R"({"box":2,"v":2})");
  // Versions continue where they were.
  EXPECT_EQ(after.write(2, bytes("{}")).version, 3U);
}

TEST(StateRestore, LogsAfterTheSnapshotAreReplayedNewestVersionWinsAndOlderLogsAreDropped) {
  TempDir dir;
  auto before = small_store();
  before.write(1, bytes("{\"v\":1}"));
  {
    LogSegment old_log(dir.path(), 1, 0, before.incarnation());
    ASSERT_FALSE(old_log.commit(log_record(9, 1, "{\"old\":1}")));
  }
  write_snapshot(before, dir.path(), {2, before.incarnation(), false});
  {
    LogSegment w0(dir.path(), 2, 0, before.incarnation());
    LogSegment w1(dir.path(), 2, 1, before.incarnation());
    ASSERT_FALSE(w0.commit(log_record(1, 3, "{\"v\":3}") + log_record(3, 1, "{\"n\":1}")));
    ASSERT_FALSE(w1.commit(log_record(1, 2, "{\"v\":2}")));  // older than w0's: loses
  }
  auto after = small_store();
  const RestoreReport r = restore_state(dir.path(), after);
  EXPECT_FALSE(r.incarnation_kept) << "log records after the snapshot: a crash, not a clean stop";
  EXPECT_EQ(r.log_records, 3U);
  EXPECT_EQ(read_box(after, 1).payload, "{\"v\":3}");
  EXPECT_EQ(read_box(after, 1).version, 3U);
  EXPECT_EQ(read_box(after, 3).payload, "{\"n\":1}");
  EXPECT_FALSE(read_box(after, 9).found) << "a log the snapshot covers is not replayed";
  EXPECT_FALSE(fs::exists(dir.path() / log_file_name(1, 0))) << "and is deleted";
}

TEST(StateRestore, ATornTailDropsOnlyTheTornRecordAndCutsTheSegmentBack) {
  TempDir dir;
  const std::string whole = log_record(1, 1, "{\"a\":1}") + log_record(2, 1, "{\"b\":1}");
  const std::string torn = log_record(3, 1, "{\"c\":1}");
  for (std::size_t cut = 1; cut < torn.size(); cut += 5) {
    fs::remove_all(dir.path());
    fs::create_directories(dir.path());
    {
      LogSegment log(dir.path(), 1, 0, 77);
      ASSERT_FALSE(log.commit(whole + torn.substr(0, cut)));
    }
    auto s = small_store();
    const RestoreReport r = restore_state(dir.path(), s);
    EXPECT_EQ(r.torn_records, 1U) << cut;
    EXPECT_EQ(r.corrupt_files, 0U) << cut;
    EXPECT_EQ(r.log_records, 2U) << cut;
    EXPECT_TRUE(read_box(s, 1).found && read_box(s, 2).found) << cut;
    EXPECT_FALSE(read_box(s, 3).found) << cut;
    EXPECT_EQ(fs::file_size(dir.path() / log_file_name(1, 0)), kHeaderBytes + whole.size());
    EXPECT_EQ(corrupt_dirs(dir.path()), 0U);
  }
}

TEST(StateRestore, AFlippedByteInTheLastRecordIsATornTailButDamageBeforeItMovesTheSegmentAside) {
  TempDir dir;
  std::string records = log_record(1, 1, "{\"a\":1}") + log_record(2, 1, "{\"b\":1}");
  {
    LogSegment log(dir.path(), 1, 0, 77);
    std::string last_damaged = records;
    last_damaged.back() ^= 1;
    ASSERT_FALSE(log.commit(last_damaged));
  }
  auto s = small_store();
  RestoreReport r = restore_state(dir.path(), s);
  EXPECT_EQ(r.torn_records, 1U);
  EXPECT_EQ(r.corrupt_files, 0U);
  {
    LogSegment log(dir.path(), 2, 0, 77);
    std::string first_damaged = records;
    first_damaged[kRecordHeadBytes + 3] ^= 1;
    ASSERT_FALSE(log.commit(first_damaged));
  }
  auto t = small_store();
  r = restore_state(dir.path(), t);
  EXPECT_EQ(r.corrupt_files, 1U);
  ASSERT_EQ(r.problems.size(), 1U);
  EXPECT_NE(r.problems[0].find("checksum"), std::string::npos) << r.problems[0];
  EXPECT_FALSE(fs::exists(dir.path() / log_file_name(2, 0)));
  EXPECT_EQ(corrupt_dirs(dir.path()), 1U);
  EXPECT_FALSE(r.incarnation_kept);
}

TEST(StateRestore, ACorruptSnapshotIsMovedAsideAndTheStartContinuesFromTheOlderOneAndTheLog) {
  TempDir dir;
  auto before = small_store();
  before.write(1, bytes("{\"v\":1}"));
  write_snapshot(before, dir.path(), {1, before.incarnation(), false});
  {
    LogSegment log(dir.path(), 1, 0, before.incarnation());
    ASSERT_FALSE(log.commit(log_record(2, 1, "{\"from\":\"log\"}")));
  }
  before.write(1, bytes("{\"v\":2}"));
  const SnapshotWritten newest =
      write_snapshot(before, dir.path(), {2, before.incarnation(), true});
  {
    std::fstream f(newest.path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(kHeaderBytes + 12));
    f.put('\x55');
  }
  auto after = small_store();
  const RestoreReport r = restore_state(dir.path(), after);
  EXPECT_EQ(r.corrupt_files, 1U);
  EXPECT_EQ(r.snapshot, dir.path() / snapshot_file_name(1));
  EXPECT_FALSE(r.incarnation_kept);
  EXPECT_EQ(read_box(after, 1).payload, "{\"v\":1}");
  EXPECT_EQ(read_box(after, 2).payload, "{\"from\":\"log\"}");
  EXPECT_FALSE(fs::exists(newest.path));
  EXPECT_EQ(corrupt_dirs(dir.path()), 1U);
}

TEST(StateRestore, ASnapshotWithoutItsEndRecordIsCorrupt) {
  TempDir dir;
  auto before = small_store();
  before.write(1, bytes("{}"));
  const SnapshotWritten w = write_snapshot(before, dir.path(), {1, 0, false});
  fs::resize_file(w.path, fs::file_size(w.path) - 10);
  auto after = small_store();
  const RestoreReport r = restore_state(dir.path(), after);
  EXPECT_EQ(r.corrupt_files, 1U);
  EXPECT_TRUE(r.snapshot.empty());
}

TEST(StateRestore, AFileOfANewerFormatVersionRefusesToStartNamingTheFileAndTheVersions) {
  TempDir dir;
  std::string header;
  FileHeader newer = make_header(kSnapshotMagic, 1, 1);
  newer.version = kFormatVersion + 1;
  append_header(header, newer);
  const fs::path path = dir.path() / snapshot_file_name(3);
  std::ofstream(path, std::ios::binary) << header;
  auto s = small_store();
  try {
    restore_state(dir.path(), s);
    FAIL() << "a future format was read";
  } catch (const FutureFormatError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(path.string()), std::string::npos) << what;
    EXPECT_NE(what.find("version " + std::to_string(kFormatVersion + 1)), std::string::npos)
        << what;
    EXPECT_NE(what.find("1 … " + std::to_string(kFormatVersion)), std::string::npos) << what;
  }
  EXPECT_TRUE(fs::exists(path)) << "a future file is never moved aside";
}

TEST(StateRestore, UnrelatedFilesAreLeftAloneAndInterruptedSnapshotTemporariesRemoved) {
  TempDir dir;
  std::ofstream(dir.path() / "notes.txt") << "keep";
  std::ofstream(dir.path() / (snapshot_file_name(4) + ".tmp")) << "half";
  auto s = small_store();
  restore_state(dir.path(), s);
  EXPECT_TRUE(fs::exists(dir.path() / "notes.txt"));
  EXPECT_FALSE(fs::exists(dir.path() / (snapshot_file_name(4) + ".tmp")));
}

}  // namespace
}  // namespace trove::state
