#pragma once
// Restore before ready (docs/state-format.md, Restore): the newest snapshot
// that reads back whole, then every log segment it does not cover, applied
// with store::BoxStore::restore (newest version wins, so order and overlap
// do not matter).
//
//   * A torn tail (the last record cut short or failing its checksum, as a
//     crash in the middle of a write leaves it) is dropped and the segment
//     cut back to its last whole record.
//   * A damaged snapshot or segment (bad header, damage before its end) is
//     moved into DIR/corrupt-<time>/, logged and counted; what it held
//     before the damage is still applied, and the start continues.
//   * A file of a newer format version throws FutureFormatError naming the
//     file and both versions: the server refuses to start.
//
// Incarnation: kept (the one the snapshot names) only when the newest
// snapshot is clean (written after every worker stopped) and nothing else
// was found: no log records after it, nothing torn or damaged. Anything else
// may have lost writes clients already saw, and a version number could then
// be issued twice for different payloads, so a new incarnation is drawn.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "store/box_store.hpp"

namespace trove::state {

struct RestoreReport {
  bool incarnation_kept = false;
  std::uint64_t incarnation = 0;      // kept: the restored one; else 0
  std::uint64_t next_generation = 1;  // for the segments this run writes
  std::uint64_t snapshot_boxes = 0;
  std::uint64_t log_records = 0;  // replayed
  std::uint64_t torn_records = 0;
  std::uint64_t corrupt_files = 0;
  std::uint64_t rejected_records = 0;  // whole records the store refused (full)
  std::vector<std::string> problems;   // one line per torn or damaged file
  std::filesystem::path snapshot;      // the one restored from, if any
};

// `dir` must exist. Throws FutureFormatError, or std::system_error for a
// directory that cannot be read.
RestoreReport restore_state(const std::filesystem::path& dir, store::BoxStore& store);

}  // namespace trove::state
