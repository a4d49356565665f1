// The journal alone (no sockets, no workers): group commit and its tickets,
// the durable request that skips the interval, what a commit leaves on disk
// (CRC-checked records in hand-over order under a header of this format
// version), a torn tail and a damaged record in a segment it wrote, the
// pending-bytes bound, and the clean snapshot of close().
#include "state/journal.hpp"

#include <gtest/gtest.h>
#include <limits.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "state/log_segment.hpp"
#include "state/restore.hpp"
#include "state/state_dir.hpp"
#include "state/state_format.hpp"

namespace trove::state {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// Long enough that no commit happens by the interval during a test: every
// commit a test sees comes from request_commit() or close().
constexpr auto kNeverByInterval = std::chrono::milliseconds(600'000);
// A commit asked for comes within this, however loaded the machine.
constexpr auto kCommitDeadline = 30s;
constexpr std::uint64_t kIncarnation = 0x1234'5678'9abc'def0;

class TempDir {
 public:
  TempDir() {
    std::random_device random;
    path_ = fs::temp_directory_path() / ("trove-journal-test-" + std::to_string(random()));
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

// The commits a worker's listener heard, waited for with a deadline.
class Commits {
 public:
  Journal::CommitListener listener() {
    return [this](std::uint64_t ticket, bool ok, const std::string&) {
      std::lock_guard lock(mutex_);
      tickets_.push_back(ok ? ticket : 0);
      changed_.notify_all();
    };
  }
  // The tickets heard once `count` commits were, or all heard at the deadline.
  std::vector<std::uint64_t> wait_for(std::size_t count) {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, kCommitDeadline, [&] { return tickets_.size() >= count; });
    return tickets_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::uint64_t> tickets_;
};

JournalOptions options_for(const fs::path& dir) {
  JournalOptions options;
  options.dir = dir;
  options.workers = 1;
  options.incarnation = kIncarnation;
  options.sync_interval = kNeverByInterval;
  options.snapshot_interval = std::chrono::seconds(3600);
  return options;
}

std::string records_of(std::uint64_t first_box, std::size_t count) {
  std::string out;
  for (std::size_t i = 0; i < count; ++i)
    append_record(out, box_record(first_box + i, 1, "h", "{\"n\":" + std::to_string(i) + "}"));
  return out;
}

std::string read_all(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

fs::path only_log(const fs::path& dir) {
  for (const StateFile& file : list_state_files(dir))
    if (file.kind == StateFile::Kind::kLog) return file.path;
  return {};
}

// The boxes of a segment's whole records, in file order.
std::vector<std::uint64_t> boxes_in(std::string_view bytes) {
  std::vector<std::uint64_t> boxes;
  std::size_t at = kHeaderBytes;
  BoxRecord record;
  std::size_t consumed = 0;
  while (parse_record(bytes.substr(at), record, consumed) == RecordCheck::kOk) {
    boxes.push_back(record.box);
    at += consumed;
  }
  return boxes;
}

TEST(StateJournal, BatchesHandedOverBetweenCommitsGoDownInOneCommitUnderOneTicket) {
  TempDir dir;
  store::BoxStore store({64, 128, false});
  Journal journal(options_for(dir.path()), store);
  Commits commits;
  journal.set_listener(0, commits.listener());

  std::string batch = records_of(1, 3);
  const std::uint64_t first = journal.submit(0, batch, 3);
  EXPECT_TRUE(batch.empty()) << "the journal takes the records";
  batch = records_of(4, 2);
  EXPECT_EQ(journal.submit(0, batch, 2), first) << "same commit, same ticket";
  std::string none;
  EXPECT_EQ(journal.submit(0, none, 0), 0U) << "nothing to wait for";

  journal.request_commit();
  EXPECT_EQ(commits.wait_for(1), std::vector<std::uint64_t>{first});
  EXPECT_EQ(journal.counters().commits.load(), 1U);
  EXPECT_EQ(journal.counters().log_records.load(), 5U);
  EXPECT_GT(journal.counters().commit_seconds.sum_nanos(), 0U);
  EXPECT_EQ(boxes_in(read_all(only_log(dir.path()))), (std::vector<std::uint64_t>{1, 2, 3, 4, 5}));

  batch = records_of(6, 1);
  const std::uint64_t second = journal.submit(0, batch, 1);
  EXPECT_GT(second, first) << "a later commit, a later ticket";
  journal.request_commit();
  EXPECT_EQ(commits.wait_for(2), (std::vector<std::uint64_t>{first, second}));
  EXPECT_TRUE(journal.durable());
}

TEST(StateLogSegment, ChunksBeyondOneWritevGoDownWholeAndInOrder) {
  TempDir dir;
  LogSegment segment(dir.path(), 1, 0, kIncarnation);
  constexpr std::size_t kChunks = 3 * IOV_MAX + 7;  // several writev calls
  std::vector<std::string> chunks(kChunks);
  for (std::size_t i = 0; i < kChunks; ++i)
    chunks[i] = i % 5 == 4 ? std::string() : records_of(i, 1);  // empty ones are skipped
  ASSERT_FALSE(segment.commit(std::span<const std::string>(chunks)));
  std::vector<std::uint64_t> want;
  for (std::size_t i = 0; i < kChunks; ++i)
    if (i % 5 != 4) want.push_back(i);
  EXPECT_EQ(boxes_in(read_all(segment.path())), want);
  EXPECT_EQ(segment.committed_bytes(), read_all(segment.path()).size());
}

TEST(StateJournal, ADurableRequestCommitsAtOnceNotAtTheEndOfTheInterval) {
  TempDir dir;
  store::BoxStore store({64, 128, false});
  Journal journal(options_for(dir.path()), store);
  Commits commits;
  journal.set_listener(0, commits.listener());
  std::string batch = records_of(1, 1);
  const std::uint64_t ticket = journal.submit(0, batch, 1);
  const auto started = std::chrono::steady_clock::now();
  journal.request_commit();
  journal.request_commit();  // a second waiter before the commit: no extra commit
  EXPECT_EQ(commits.wait_for(1), std::vector<std::uint64_t>{ticket});
  EXPECT_LT(std::chrono::steady_clock::now() - started, kNeverByInterval / 2);
  EXPECT_EQ(journal.counters().commits.load(), 1U);
}

TEST(StateJournal, WrittenFilesCarryThisFormatVersionAndCrcCheckedRecords) {
  TempDir dir;
  store::BoxStore store({64, 128, false});
  Journal journal(options_for(dir.path()), store);
  Commits commits;
  journal.set_listener(0, commits.listener());
  std::string batch = records_of(10, 4);
  journal.submit(0, batch, 4);
  journal.request_commit();
  ASSERT_EQ(commits.wait_for(1).size(), 1U);

  const std::string bytes = read_all(only_log(dir.path()));
  FileHeader header;
  ASSERT_EQ(parse_header(bytes, kLogMagic, header), HeaderCheck::kOk);
  EXPECT_EQ(header.version, kFormatVersion);
  EXPECT_EQ(header.incarnation, kIncarnation);
  EXPECT_EQ(header.worker, 0U);
  EXPECT_EQ(boxes_in(bytes).size(), 4U);
  // One flipped payload byte fails that record's CRC and nothing else.
  std::string damaged = bytes;
  damaged[damaged.size() - 3] ^= 0x20;
  EXPECT_EQ(boxes_in(damaged).size(), 3U);
}

// Writes boxes 1..4 through a journal and leaves the directory as a kill -9
// after their commit would: the segment and the running marker, no final
// snapshot. Returns the segment.
fs::path crashed_journal_segment(const fs::path& dir, store::BoxStore& store) {
  fs::path segment;
  const fs::path saved = dir / "saved-segment";
  {
    Journal journal(options_for(dir), store);
    Commits commits;
    journal.set_listener(0, commits.listener());
    std::string batch = records_of(1, 4);
    journal.submit(0, batch, 4);
    journal.request_commit();
    commits.wait_for(1);
    segment = only_log(dir);
    fs::copy_file(segment, saved);
    journal.close();
  }
  for (const StateFile& file : list_state_files(dir))
    fs::remove(file.path);
  fs::rename(saved, segment);
  std::ofstream(dir / std::string(kRunningMarker)) << "crashed\n";
  return segment;
}

TEST(StateJournal, ATornTailOfASegmentItWroteLosesOnlyTheTornRecord) {
  TempDir dir;
  store::BoxStore written({64, 128, false});
  const fs::path segment = crashed_journal_segment(dir.path(), written);
  ASSERT_FALSE(segment.empty());
  const std::string bytes = read_all(segment);
  fs::resize_file(segment, bytes.size() - 5);  // the write of box 4 cut short

  store::BoxStore restored({64, 128, false});
  const RestoreReport report = restore_state(dir.path(), restored);
  EXPECT_EQ(report.log_records, 3U);
  EXPECT_EQ(report.torn_records, 1U);
  EXPECT_EQ(report.corrupt_files, 0U);
  EXPECT_EQ(restored.size(), 3U);
}

TEST(StateJournal, ADamagedRecordBeforeTheEndMovesTheSegmentAsideKeepingWhatCameBefore) {
  TempDir dir;
  store::BoxStore written({64, 128, false});
  const fs::path segment = crashed_journal_segment(dir.path(), written);
  std::string bytes = read_all(segment);
  // The second record's body: header, first record (8 + body), its length and CRC.
  BoxRecord record;
  std::size_t first = 0;
  ASSERT_EQ(parse_record(std::string_view(bytes).substr(kHeaderBytes), record, first),
            RecordCheck::kOk);
  bytes[kHeaderBytes + first + kRecordHeadBytes + kBodyFixedBytes] ^= 0x01;
  std::ofstream(segment, std::ios::binary | std::ios::trunc) << bytes;

  store::BoxStore restored({64, 128, false});
  const RestoreReport report = restore_state(dir.path(), restored);
  EXPECT_EQ(report.corrupt_files, 1U);
  EXPECT_EQ(report.log_records, 1U) << "the record before the damage";
  EXPECT_FALSE(fs::exists(segment));
}

TEST(StateJournal, BatchesPastThePendingBoundAreNotLoggedAndTheJournalSaysSo) {
  TempDir dir;
  store::BoxStore store({64, 128, false});
  Journal journal(options_for(dir.path()), store);
  std::string big(Journal::kMaxPendingBytes, 'x');
  EXPECT_NE(journal.submit(0, big, 1), Journal::kNotLogged) << "exactly at the bound";
  std::string more = records_of(1, 1);
  EXPECT_EQ(journal.submit(0, more, 1), Journal::kNotLogged);
  EXPECT_TRUE(more.empty());
  EXPECT_EQ(journal.counters().dropped_batches.load(), 1U);
  EXPECT_NE(journal.last_error().find("not logged"), std::string::npos);
  // Not durable until a snapshot of the store covers the lost batch; the
  // failure asks for one at once.
  const auto deadline = std::chrono::steady_clock::now() + kCommitDeadline;
  while (!journal.durable() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(10ms);
  EXPECT_TRUE(journal.durable());
  EXPECT_GE(journal.counters().snapshots.load(), 1U);
}

TEST(StateJournal, CloseCommitsWhatIsPendingAndWritesACleanSnapshotThatKeepsTheIncarnation) {
  TempDir dir;
  store::BoxStore store({64, 128, false});
  const std::string payload = "{\"a\":1}";
  ASSERT_EQ(store.write(5, {payload.data(), payload.size()}, "h").status,
            store::WriteStatus::stored);
  {
    Journal journal(options_for(dir.path()), store);
    EXPECT_TRUE(fs::exists(dir.path() / std::string(kRunningMarker)));
    std::string batch = records_of(5, 1);
    journal.submit(0, batch, 1);
    journal.close();
    EXPECT_EQ(journal.counters().log_records.load(), 1U) << "close commits what is pending";
    EXPECT_EQ(journal.counters().snapshots.load(), 1U);
  }
  EXPECT_FALSE(fs::exists(dir.path() / std::string(kRunningMarker)));
  store::BoxStore restored({64, 128, false});
  const RestoreReport report = restore_state(dir.path(), restored);
  EXPECT_TRUE(report.incarnation_kept);
  EXPECT_EQ(report.incarnation, kIncarnation);
  EXPECT_EQ(report.snapshot_boxes, 1U);
}

}  // namespace
}  // namespace trove::state
