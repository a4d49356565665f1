#include "kube/line_splitter.hpp"

#include <stdexcept>

namespace trove::kube {
namespace {

void emit(std::string_view line, const std::function<void(std::string_view)>& on_line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (!line.empty()) on_line(line);
}

}  // namespace

void LineSplitter::feed(std::string_view chunk,
                        const std::function<void(std::string_view)>& on_line) {
  while (!chunk.empty()) {
    const auto nl = chunk.find('\n');
    if (nl == std::string_view::npos) {
      if (partial_.size() + chunk.size() > max_line_bytes_) {
        partial_.clear();
        throw std::length_error("watch event exceeds " + std::to_string(max_line_bytes_) +
                                " bytes");
      }
      partial_.append(chunk);
      return;
    }
    if (partial_.empty()) {
      // Common case: a whole line inside this chunk, no copy.
      if (nl > max_line_bytes_) throw std::length_error("watch event too large");
      emit(chunk.substr(0, nl), on_line);
    } else {
      if (partial_.size() + nl > max_line_bytes_) {
        partial_.clear();
        throw std::length_error("watch event too large");
      }
      partial_.append(chunk.substr(0, nl));
      std::string line;
      line.swap(partial_);  // on_line may throw; leave the splitter empty
      emit(line, on_line);
    }
    chunk.remove_prefix(nl + 1);
  }
}

}  // namespace trove::kube
