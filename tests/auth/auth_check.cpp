// A driver over server/auth for tests with tokens from another
// implementation: reads one token per line on stdin and prints one JSON line
// per token: {"result":"<code>","all":bool,"hunts":[…]}.
// Usage: trove_auth_check KEYS_FILE [AUDIENCE [ISSUER [LEEWAY_S]]]
#include <iostream>
#include <string>

#include "auth/client_auth.hpp"
#include "trove/common/json.hpp"
#include "trove/common/logging.hpp"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cout << "usage: trove_auth_check KEYS_FILE [AUDIENCE [ISSUER [LEEWAY_S]]]\n";
    return 2;
  }
  // Logs go to stderr; stdout carries only the results.
  trove::common::configure_logging(trove::common::LogFormat::text, trove::common::LogLevel::info);
  trove::auth::ClientAuthOptions options;
  options.keys_file = argv[1];
  if (argc > 2) options.rules.audience = argv[2];
  if (argc > 3) options.rules.issuer = argv[3];
  if (argc > 4) options.rules.leeway_seconds = std::stoll(argv[4]);
  try {
    trove::auth::ClientAuth auth(options);
    std::string line;
    while (std::getline(std::cin, line)) {
      // A fresh cache per line: every line is verified.
      trove::auth::VerifiedTokenCache cache;
      const auto outcome = auth.authenticate(line, cache, trove::auth::unix_now());
      std::string out = "{\"result\":";
      trove::common::append_json_string(out, trove::auth::to_code(outcome.error));
      if (outcome.claims != nullptr) {
        out += outcome.claims->scope.all_hunts ? ",\"all\":true,\"hunts\":["
                                               : ",\"all\":false,\"hunts\":[";
        for (std::size_t i = 0; i < outcome.claims->scope.hunts.size(); ++i) {
          if (i != 0) out += ',';
          trove::common::append_json_string(out, outcome.claims->scope.hunts[i]);
        }
        out += ']';
      }
      out += ",\"reloads\":" + std::to_string(auth.keys().reloads()) +
             ",\"reloadFailures\":" + std::to_string(auth.keys().reload_failures()) + "}";
      std::cout << out << std::endl;
    }
  } catch (const trove::auth::KeyFileError& e) {
    std::cout << "{\"startError\":";
    std::string text;
    trove::common::append_json_string(text, e.what());
    std::cout << text << "}" << std::endl;
    return 1;
  }
  return 0;
}
