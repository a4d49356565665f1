#pragma once
// Snapshots of the box store (docs/state-format.md): every stored box as a
// record, read slot by slot through the store's seqlock (a reader: workers
// are never stalled), then an end record. Published by atomic rename: the
// file is written as a temporary, fsynced, renamed, and the directory
// fsynced, so a crash leaves the previous snapshot or the new one, never a
// half.

#include <cstdint>
#include <filesystem>

#include "store/box_store.hpp"

namespace trove::state {

struct SnapshotWritten {
  std::filesystem::path path;
  std::uint64_t boxes = 0;
  std::uint64_t bytes = 0;
};

struct SnapshotHeaderFields {
  std::uint64_t generation = 0;  // the snapshot covers every log segment below it
  std::uint64_t incarnation = 0;
  bool clean = false;  // written after every worker stopped
};

// Throws std::system_error (the temporary is removed then).
SnapshotWritten write_snapshot(const store::BoxStore& store, const std::filesystem::path& dir,
                               const SnapshotHeaderFields& fields);

}  // namespace trove::state
