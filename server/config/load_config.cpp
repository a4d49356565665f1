// Sources in order of precedence (lowest first): defaults, YAML file,
// TROVE_* environment, command-line flags.
#include <yaml-cpp/yaml.h>

#include <CLI/CLI.hpp>
#include <fstream>
#include <map>
#include <sstream>

#include "config/server_config.hpp"

namespace trove::config {
namespace {

std::string flag_name(const std::string& key) {
  std::string flag = key;
  for (char& c : flag) {
    if (c == '_') c = '-';
  }
  return flag;
}

std::string env_name(const std::string& key) {
  std::string env = "TROVE_";
  for (char c : key)
    env += static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  return env;
}

const Knob* find_knob(const std::string& key) {
  for (const Knob& k : knobs()) {
    if (k.key == key) return &k;
  }
  return nullptr;
}

void apply(ServerConfig& config, const Knob& knob, const std::string& value,
           const std::string& origin) {
  if (auto error = knob.set(config, value)) throw ConfigError(origin + ": " + *error);
}

}  // namespace

void apply_yaml(ServerConfig& config, const std::string& yaml_text, const std::string& origin) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    throw ConfigError(origin + ": not valid YAML: " + e.what());
  }
  if (root.IsNull()) return;
  if (!root.IsMap()) throw ConfigError(origin + ": expected a mapping of keys to values");
  for (const auto& entry : root) {
    // A sequence or mapping as a key ("? [1]" or "{[1]: 2}") is valid YAML
    // but no knob's name; as<std::string>() would throw YAML's own exception.
    if (!entry.first.IsScalar()) throw ConfigError(origin + ": keys must be knob names");
    const std::string key = entry.first.Scalar();
    const Knob* knob = find_knob(key);
    std::string message = origin;
    if (knob == nullptr) {
      message += ": unknown key '";
      message += key;
      message += "'";
      throw ConfigError(message);
    }
    if (!entry.second.IsScalar()) {
      message += ": invalid value for ";
      message += key;
      message += ": expected a scalar (allowed: ";
      message += knob->allowed;
      message += ")";
      throw ConfigError(message);
    }
    apply(config, *knob, entry.second.Scalar(), origin);
  }
}

std::string to_yaml(const ServerConfig& config) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  for (const Knob& k : knobs()) {
    std::string value = k.get(config);
    out << YAML::Key << k.key << YAML::Value;
    if (value.empty()) {
      out << YAML::DoubleQuoted << value;
    } else {
      out << value;
    }
  }
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

namespace {
// Two listeners on one address and port would fail to bind (or, with
// SO_REUSEPORT, share connections): refuse the configuration up front.
void require_distinct(const std::string& key, std::uint64_t port, const std::string& bind,
                      const std::string& other_name, std::uint64_t other_port,
                      const std::string& other_bind) {
  if (port != 0 && port == other_port && bind == other_bind) {
    throw ConfigError("invalid value for " + key + ": '" + std::to_string(port) +
                      "' (allowed: a port other than the " + other_name + " port " +
                      std::to_string(other_port) + ")");
  }
}
}  // namespace

void validate_config(const ServerConfig& config) {
  require_distinct("admin_port", config.admin_port, config.admin_bind, "data", config.port,
                   config.bind);
  require_distinct("ingest_port", config.ingest_port, config.ingest_bind, "data", config.port,
                   config.bind);
  require_distinct("ingest_port", config.ingest_port, config.ingest_bind, "admin",
                   config.admin_port, config.admin_bind);
  if (config.ack_durable && config.state_dir.empty()) {
    throw ConfigError(
        "invalid value for ack: 'durable' (allowed: memory, or durable with state_dir)");
  }
}

LoadResult load_config(int argc, const char* const* argv,
                       const std::function<const char*(const char*)>& getenv) {
  CLI::App app{"trove-server: real-time state sidecar (HTTP + WebSocket, admin API, metrics)",
               "trove-server"};
  std::string config_file;
  bool print_config = false;
  app.add_option("--config", config_file, "YAML configuration file (env TROVE_CONFIG)");
  app.add_flag("--print-config", print_config, "print the effective configuration and exit");
  std::map<std::string, std::string> flag_values;
  for (const Knob& k : knobs()) {
    app.add_option("--" + flag_name(k.key), flag_values[k.key],
                   k.help + " [" + k.allowed + "] (env " + env_name(k.key) + ")");
  }
  LoadResult result;
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    result.help = app.help();
    return result;
  } catch (const CLI::ParseError& e) {
    throw ConfigError(std::string("command line: ") + e.what());
  }
  result.print_config = print_config;

  if (config_file.empty()) {
    if (const char* env = getenv("TROVE_CONFIG")) config_file = env;
  }
  if (!config_file.empty()) {
    std::ifstream in(config_file);
    if (!in) throw ConfigError("config file '" + config_file + "' cannot be read");
    std::ostringstream text;
    text << in.rdbuf();
    apply_yaml(result.config, text.str(), config_file);
  }
  for (const Knob& k : knobs()) {
    const std::string env = env_name(k.key);
    if (const char* value = getenv(env.c_str())) {
      apply(result.config, k, value, "environment " + env);
    }
  }
  for (const Knob& k : knobs()) {
    if (app.count("--" + flag_name(k.key)) > 0) {
      apply(result.config, k, flag_values[k.key], "flag --" + flag_name(k.key));
    }
  }
  validate_config(result.config);
  return result;
}

}  // namespace trove::config
