// The tuning document of /admin/v1/tuning (docs/contracts.md): one type, one
// validator and one renderer for both binaries. trove-server validates the
// PUT bodies it accepts and renders its answers; trove-operator renders the
// PUT bodies it sends and validates the answers it reads. Sharing the rules
// means the operator can never send what the server refuses, nor read a
// tuning the server could not have accepted.
#pragma once

#include <rapidjson/fwd.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace trove::common {

struct Tuning {
  std::uint64_t arena_bytes = 128ull << 20;  // trove-server's --arena-mib default
  std::uint64_t epoch_millis = 16;           // trove-server's --epoch-ms default
  std::uint64_t generation = 0;
  // Who set it (the operator sends its TreasureHunt's metadata.uid; "" when
  // the writer names none). Generations only order writes of one owner: a
  // recreated hunt starts again at generation 1.
  std::string owner{};  // {} so brace-initialising the first three stays warning-free
  bool operator==(const Tuning&) const = default;

  // Same values; the generation is bookkeeping, not tuning.
  [[nodiscard]] bool same_values(const Tuning& o) const {
    return arena_bytes == o.arena_bytes && epoch_millis == o.epoch_millis;
  }
  // A sidecar running this needs no PUT to run `desired`: the same values,
  // set by the same owner. A recreated hunt (new uid, generation back at 1)
  // or a pod moved to another hunt must push even when the values match, so
  // the sidecar learns its new owner and the new owner's later generations
  // are not refused as stale against the old owner's (trove-operator's push
  // rule; a member so every holder of a tuning can ask it).
  [[nodiscard]] bool satisfies(const Tuning& desired) const {
    return same_values(desired) && owner == desired.owner;
  }
};

// Bounds of PUT /admin/v1/tuning (docs/contracts.md); trove-server's
// --arena-mib and --epoch-ms knobs have the same ones.
inline constexpr std::uint64_t kMinArenaBytes = 1ull << 20;
inline constexpr std::uint64_t kMaxArenaBytes = 64ull << 30;
inline constexpr std::uint64_t kMinEpochMillis = 1;
inline constexpr std::uint64_t kMaxEpochMillis = 10000;
// A Kubernetes uid is 36 bytes; room for other writers' names, small enough
// that the tuning stays a short JSON object.
inline constexpr std::size_t kMaxTuningOwnerBytes = 128;

struct TuningFieldError {
  std::string field;  // "arenaBytes", "epochMillis", "generation", "owner", an unknown
                      // member's name, or "" (the whole text)
  std::string message;
};
using TuningOrError = std::variant<Tuning, TuningFieldError>;

// A writer's PUT body {"arenaBytes":N,"epochMillis":M,"generation":G,"owner":"O"}:
// a missing arenaBytes or epochMillis keeps `current`'s value, generation is
// required, a missing owner is the owner "" (what every writer was before
// owners existed, so old writers keep their generation ordering). Numbers are
// unsigned integers inside the bounds above; the owner is
// 0..kMaxTuningOwnerBytes of printable ASCII. Unknown members are refused so a
// typo never passes silently. Checked in that order: the text, unknown
// members, owner, arenaBytes, epochMillis, generation.
TuningOrError parse_tuning_update(std::string_view body, const Tuning& current);

// A sidecar's tuning answer (GET/PUT /admin/v1/tuning, the "tuning" member of
// GET /admin/v1/stats), already parsed: the same field rules as a PUT body,
// except that arenaBytes and epochMillis are required, a missing generation
// reads as 0 and unknown members are ignored (a newer sidecar may add one).
TuningOrError read_tuning_answer(const rapidjson::Value& object);

// {"arenaBytes":N,"epochMillis":M,"generation":G,"owner":"O"}; "owner" is
// left out while it is "": readers from before owners see the same bytes,
// and a sidecar from before owners refuses the member whatever its value.
std::string render_tuning(const Tuning& tuning);

}  // namespace trove::common
