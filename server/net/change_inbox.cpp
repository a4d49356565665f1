#include "net/change_inbox.hpp"

#include <algorithm>

namespace trove::net {

ChangeInbox::ChangeInbox(std::size_t coalesce_at)
    : coalesce_at_(coalesce_at), bound_(coalesce_at) {}

bool ChangeInbox::append(std::span<const Change> changes) {
  changes_.insert(changes_.end(), changes.begin(), changes.end());
  if (changes_.size() <= bound_) return false;
  coalesce();
  bound_ = std::max(coalesce_at_, 2 * changes_.size());
  return true;
}

void ChangeInbox::take(std::vector<Change>& out) {
  out.clear();
  out.swap(changes_);
  bound_ = coalesce_at_;
}

void ChangeInbox::coalesce() {
  // Sorting instead of a hash map: a map over every box of a large store
  // would cost far more memory than the inbox itself. The scratch copy
  // lives only here, so a rare burst does not keep its memory.
  std::vector<Change> latest(changes_);
  std::sort(latest.begin(), latest.end(), [](const Change& a, const Change& b) {
    return a.box != b.box ? a.box < b.box : a.position > b.position;
  });
  const auto last = std::unique(latest.begin(), latest.end(),
                                [](const Change& a, const Change& b) { return a.box == b.box; });
  latest.erase(last, latest.end());
  // Back to position order: a push's hunt position promises every earlier change.
  std::sort(latest.begin(), latest.end(),
            [](const Change& a, const Change& b) { return a.position < b.position; });
  changes_.swap(latest);
}

}  // namespace trove::net
