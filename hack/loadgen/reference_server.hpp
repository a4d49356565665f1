// What the bench's reference servers (trove-floor, trove-beast-ref) share, so
// they answer with the same bytes and announce their port the same way.
#pragma once

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <string_view>

namespace trove::loadgen {

// 50 bytes, the shape of a trove payload (hack/bench/run.sh gives nginx the
// same body).
inline constexpr std::string_view kReferenceBody =
    R"({"box":123456,"state":"open","x":12.5,"y":-3.2500})";
static_assert(kReferenceBody.size() == 50);

// Writes {"data":P,"admin":0,"pid":N} as trove-server's --port-file does,
// through a rename so a reader never sees half a file.
inline void write_reference_port_file(const std::string& path, unsigned port) {
  const std::string tmp = path + ".tmp";
  std::ofstream(tmp) << "{\"data\":" << port << ",\"admin\":0,\"pid\":" << getpid() << "}\n";
  std::rename(tmp.c_str(), path.c_str());
}

}  // namespace trove::loadgen
