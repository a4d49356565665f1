#include <gtest/gtest.h>
#include <sys/resource.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "config/process_resources.hpp"
#include "config/server_config.hpp"

namespace trove::config {
namespace {

struct Env {
  std::map<std::string, std::string> vars;
  std::function<const char*(const char*)> fn() {
    return [this](const char* name) -> const char* {
      auto it = vars.find(name);
      return it == vars.end() ? nullptr : it->second.c_str();
    };
  }
};

LoadResult load(std::vector<const char*> args, Env env = {}) {
  args.insert(args.begin(), "trove-server");
  return load_config(static_cast<int>(args.size()), args.data(), env.fn());
}

std::string error_of(std::vector<const char*> args, Env env = {}) {
  try {
    load(std::move(args), std::move(env));
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "no error";
}

TEST(Config, DefaultsMatchContract) {
  ServerConfig c = load({}).config;
  EXPECT_EQ(c.bind, "127.0.0.1");
  EXPECT_EQ(c.port, 8080u);
  EXPECT_EQ(c.admin_port, 9090u);
  EXPECT_EQ(c.arena_mib, 128u);
  EXPECT_EQ(c.epoch_ms, 16u);
  EXPECT_EQ(c.allocator, "epoch");
  EXPECT_EQ(c.max_boxes, 1048576u);
  EXPECT_TRUE(c.store_huge_pages);
}

TEST(Config, StoreHugePagesIsOnOrOffFromEverySource) {
  EXPECT_FALSE(load({"--store-huge-pages", "off"}).config.store_huge_pages);
  Env env;
  env.vars["TROVE_STORE_HUGE_PAGES"] = "off";
  EXPECT_FALSE(load({}, env).config.store_huge_pages);
  EXPECT_TRUE(load({"--store-huge-pages", "on"}, env).config.store_huge_pages);
  ServerConfig c;
  apply_yaml(c, "store_huge_pages: off\n", "f");
  EXPECT_FALSE(c.store_huge_pages);
  EXPECT_NE(to_yaml(c).find("store_huge_pages: off"), std::string::npos) << to_yaml(c);
  for (const char* bad : {"yes", "true", "1", "", "ON", "on "}) {
    const std::string e = error_of({"--store-huge-pages", bad});
    EXPECT_NE(e.find("store_huge_pages: '" + std::string(bad) + "' (allowed: on | off)"),
              std::string::npos)
        << e;
  }
}

TEST(Config, MaxDataBytesAndStoreSpillComeFromEverySourceWithinTheirRanges) {
  const ServerConfig defaults = load({}).config;
  EXPECT_EQ(defaults.max_data_bytes, 1024u);
  EXPECT_EQ(defaults.store_spill_mib, 1024u);
  EXPECT_EQ(load({"--max-data-bytes", "65536"}).config.max_data_bytes, 65536u);
  EXPECT_EQ(load({"--max-data-bytes", "0"}).config.max_data_bytes, 0u);
  EXPECT_EQ(load({"--store-spill-mib", "0"}).config.store_spill_mib, 0u);
  Env env;
  env.vars["TROVE_MAX_DATA_BYTES"] = "2048";
  EXPECT_EQ(load({}, env).config.max_data_bytes, 2048u);
  ServerConfig c;
  apply_yaml(c, "max_data_bytes: 4096\nstore_spill_mib: 64\n", "f");
  EXPECT_EQ(c.max_data_bytes, 4096u);
  EXPECT_EQ(c.store_spill_mib, 64u);
  EXPECT_NE(to_yaml(c).find("max_data_bytes: 4096"), std::string::npos) << to_yaml(c);
  for (const char* bad : {"65537", "-1", "1k", "", "99999999999999999999999", " 5", "1.5"}) {
    const std::string e = error_of({"--max-data-bytes", bad});
    EXPECT_NE(e.find("max_data_bytes: '" + std::string(bad) + "' (allowed: 0 .. 65536)"),
              std::string::npos)
        << e;
  }
  const std::string e = error_of({"--store-spill-mib", "65537"});
  EXPECT_NE(e.find("store_spill_mib: '65537' (allowed: 0 .. 65536)"), std::string::npos) << e;
  EXPECT_THROW(apply_yaml(c, "max_data_bytes: [1]\n", "f"), ConfigError);
  EXPECT_THROW(apply_yaml(c, "max_data_bytes: 70000\n", "f"), ConfigError);
}

TEST(Config, LogFormatAndLevelComeFromEverySourceAndBadValuesAreRefused) {
  ServerConfig defaults = load({}).config;
  EXPECT_EQ(defaults.log_format, common::LogFormat::text);
  EXPECT_EQ(defaults.log_level, common::LogLevel::info);
  EXPECT_EQ(load({"--log-format", "json"}).config.log_format, common::LogFormat::json);
  EXPECT_EQ(load({"--log-level", "warn"}).config.log_level, common::LogLevel::warn);
  Env env;
  env.vars["TROVE_LOG_FORMAT"] = "json";
  EXPECT_EQ(load({}, env).config.log_format, common::LogFormat::json);
  EXPECT_EQ(load({"--log-format", "text"}, env).config.log_format, common::LogFormat::text);
  ServerConfig c;
  apply_yaml(c, "log_format: json\nlog_level: debug\n", "f");
  EXPECT_EQ(c.log_format, common::LogFormat::json);
  EXPECT_NE(to_yaml(c).find("log_format: json"), std::string::npos) << to_yaml(c);
  EXPECT_NE(to_yaml(c).find("log_level: debug"), std::string::npos) << to_yaml(c);
  for (const char* bad : {"xml", "", "JSON", "json "}) {
    const std::string e = error_of({"--log-format", bad});
    EXPECT_NE(e.find("flag --log-format: invalid value for log_format: '" + std::string(bad) +
                     "' (allowed: text | json)"),
              std::string::npos)
        << e;
  }
  const std::string e = error_of({"--log-level", "loud"});
  EXPECT_NE(e.find("log_level: 'loud' (allowed: trace | debug | info | warn | error | critical | "
                   "off)"),
            std::string::npos)
      << e;
}

TEST(Config, FlagsBeatEnvironmentBeatFile) {
  const std::string path = testing::TempDir() + "/trove_config_test.yaml";
  std::ofstream(path) << "port: 1111\nepoch_ms: 5\narena_mib: 7\n";
  Env env;
  env.vars["TROVE_EPOCH_MS"] = "6";
  env.vars["TROVE_PORT"] = "2222";
  ServerConfig c = load({"--config", path.c_str(), "--port", "3333"}, env).config;
  EXPECT_EQ(c.port, 3333u);    // flag
  EXPECT_EQ(c.epoch_ms, 6u);   // env over file
  EXPECT_EQ(c.arena_mib, 7u);  // file over default
  env.vars["TROVE_CONFIG"] = path;
  EXPECT_EQ(load({}, env).config.arena_mib, 7u);
}

TEST(Config, ErrorsNameKeyValueAndRange) {
  std::string e = error_of({"--epoch-ms", "0"});
  EXPECT_NE(e.find("epoch_ms"), std::string::npos) << e;
  EXPECT_NE(e.find("'0'"), std::string::npos) << e;
  EXPECT_NE(e.find("1 .. 10000"), std::string::npos) << e;
  e = error_of({"--port", "65536"});
  EXPECT_NE(e.find("port: '65536' (allowed: 0 .. 65535)"), std::string::npos) << e;
  e = error_of({"--arena-mib", "-1"});
  EXPECT_NE(e.find("arena_mib"), std::string::npos) << e;
  e = error_of({"--allocator", "tcmalloc"});
  EXPECT_NE(e.find("epoch | jemalloc | system"), std::string::npos) << e;
  e = error_of({"--ws-engine", "uws"});
  EXPECT_NE(e.find("ws_engine: 'uws' (allowed: beast | native)"), std::string::npos) << e;
  const std::string long_name(5000, 'n');
  for (const char* bad : {"", "Beast", "native ", long_name.c_str()}) {
    EXPECT_NE(error_of({"--ws-engine", bad}).find("ws_engine"), std::string::npos) << bad;
  }
  EXPECT_EQ(load({}).config.ws_engine, "beast");
  EXPECT_EQ(load({"--ws-engine", "native"}).config.ws_engine, "native");
  e = error_of({"--bind", "not-an-ip"});
  EXPECT_NE(e.find("bind"), std::string::npos) << e;
  Env env;
  env.vars["TROVE_WORKERS"] = "12x";
  e = error_of({}, env);
  EXPECT_NE(e.find("TROVE_WORKERS"), std::string::npos) << e;
  EXPECT_NE(e.find("'12x'"), std::string::npos) << e;
  e = error_of({"--no-such-flag"});
  EXPECT_NE(e.find("command line"), std::string::npos) << e;
}

TEST(Config, YamlRejectsUnknownKeysNonScalarsAndGarbage) {
  ServerConfig c;
  EXPECT_THROW(apply_yaml(c, "prot: 1\n", "f"), ConfigError);
  EXPECT_THROW(apply_yaml(c, "port: [1, 2]\n", "f"), ConfigError);
  EXPECT_THROW(apply_yaml(c, "port: {\n", "f"), ConfigError);
  EXPECT_THROW(apply_yaml(c, "- 1\n- 2\n", "f"), ConfigError);
  // Found by fuzzing (tests/server/regressions/config_yaml_sequence_as_key):
  // a non-scalar key escaped as YAML's exception, without the file's name.
  EXPECT_THROW(apply_yaml(c, "? [1]\n: 2\n", "f"), ConfigError);
  EXPECT_THROW(apply_yaml(c, "{[1]: 2}\n", "f"), ConfigError);
  EXPECT_THROW(apply_yaml(c, "max_boxes: 0\n", "f"), ConfigError);
  apply_yaml(c, "", "f");  // an empty file is allowed
  EXPECT_EQ(c.port, 8080u);
}

TEST(Config, PrintConfigRoundTripsThroughYaml) {
  ServerConfig c = load({"--port", "0", "--workers", "3", "--admin-token-file", "/t"}).config;
  ServerConfig back;
  apply_yaml(back, to_yaml(c), "echo");
  EXPECT_EQ(to_yaml(back), to_yaml(c));
  EXPECT_EQ(back.workers, 3u);
  EXPECT_EQ(back.admin_token_file, "/t");
}

TEST(Config, HelpListsEveryKnobAndMissingFileIsAnError) {
  LoadResult r = load({"--help"});
  ASSERT_TRUE(r.help.has_value());
  for (const Knob& k : knobs()) {
    EXPECT_NE(r.help->find(k.help), std::string::npos) << k.key;
  }
  EXPECT_NE(error_of({"--config", "/nonexistent/trove.yaml"}).find("cannot be read"),
            std::string::npos);
}

TEST(Config, ResourceLimitKnobsRefuseMalformedAndOversizedValues) {
  ServerConfig d = load({}).config;
  EXPECT_EQ(d.max_conns_per_ip, 256u);
  EXPECT_EQ(d.max_ws_client_message_bytes, 65536u);
  EXPECT_EQ(d.ws_message_timeout_ms, 10000u);
  EXPECT_EQ(d.max_memory_mib, ServerConfig::kMemoryAuto);
  ServerConfig c = load({"--max-conns-per-ip", "0", "--max-ws-client-message-bytes", "2048",
                         "--ws-message-timeout-ms", "100", "--max-memory-mib", "512"})
                       .config;
  EXPECT_EQ(c.max_conns_per_ip, 0u);
  EXPECT_EQ(c.max_ws_client_message_bytes, 2048u);
  EXPECT_EQ(c.ws_message_timeout_ms, 100u);
  EXPECT_EQ(c.max_memory_mib, 512u);
  EXPECT_EQ(load({"--max-memory-mib", "auto"}).config.max_memory_mib, ServerConfig::kMemoryAuto);
  EXPECT_EQ(load({"--max-memory-mib", "0"}).config.max_memory_mib, 0u);
  const std::vector<std::pair<const char*, const char*>> bad = {
      {"--max-conns-per-ip", "-1"},
      {"--max-conns-per-ip", "1000001"},
      {"--max-conns-per-ip", "99999999999999999999999"},
      {"--max-conns-per-ip", "4x"},
      {"--max-conns-per-ip", ""},
      {"--max-ws-client-message-bytes", "1023"},
      {"--max-ws-client-message-bytes", "1073741825"},
      {"--max-ws-client-message-bytes", "64k"},
      {"--ws-message-timeout-ms", "99"},
      {"--ws-message-timeout-ms", "3600001"},
      {"--ws-message-timeout-ms", "1e4"},
      {"--max-memory-mib", "1048577"},
      {"--max-memory-mib", "AUTO"},
      {"--max-memory-mib", "-5"},
      {"--max-memory-mib", "512MiB"},
      {"--max-memory-mib", ""},
  };
  for (const auto& [flag, value] : bad) {
    const std::string error = error_of({flag, value});
    EXPECT_NE(error.find("invalid value for"), std::string::npos) << flag << " " << value;
  }
  // print-config round-trips auto.
  ServerConfig back;
  apply_yaml(back, to_yaml(d), "echo");
  EXPECT_EQ(back.max_memory_mib, ServerConfig::kMemoryAuto);
}

TEST(ProcessResources, MemoryBudgetIs80PercentOfTheCgroupLimitOrOff) {
  EXPECT_EQ(bytes_from_memory_max("1073741824\n"), 1073741824u);
  for (const char* none : {"max", "", "0", "-1", "12x", "1e9"}) {
    EXPECT_EQ(bytes_from_memory_max(none), std::nullopt) << none;
  }
  const std::string root = testing::TempDir() + "/trove-cgroup-memory-test";
  std::filesystem::create_directories(root + "/memory");
  EXPECT_EQ(memory_budget_bytes(ServerConfig::kMemoryAuto, root), 0u);  // no files: off
  std::ofstream(root + "/memory/memory.limit_in_bytes") << "9223372036854771712\n";
  EXPECT_EQ(memory_budget_bytes(ServerConfig::kMemoryAuto, root), 0u);  // v1 unlimited
  std::ofstream(root + "/memory/memory.limit_in_bytes") << "1000000000\n";
  EXPECT_EQ(memory_budget_bytes(ServerConfig::kMemoryAuto, root), 800000000u);
  std::ofstream(root + "/memory.max") << "2000000000\n";  // v2 first
  EXPECT_EQ(memory_budget_bytes(ServerConfig::kMemoryAuto, root), 1600000000u);
  EXPECT_EQ(memory_budget_bytes(64, root), 64u << 20);  // given: as given
  EXPECT_EQ(memory_budget_bytes(0, root), 0u);
  std::filesystem::remove_all(root);
}

TEST(ProcessResources, CgroupV2CpuMaxGivesCoresRoundedUp) {
  EXPECT_EQ(cores_from_cpu_max("200000 100000"), 2u);
  EXPECT_EQ(cores_from_cpu_max("150000 100000\n"), 2u);
  EXPECT_EQ(cores_from_cpu_max("50000 100000"), 1u);
  EXPECT_EQ(cores_from_cpu_max("max 100000"), std::nullopt);
  for (const char* bad : {"", "200000", "x 100000", "200000 0", "-1 100000", "200000 1e5"}) {
    EXPECT_EQ(cores_from_cpu_max(bad), std::nullopt) << bad;
  }
}

TEST(ProcessResources, CgroupV1QuotaGivesCoresAndMinusOneIsNone) {
  EXPECT_EQ(cores_from_cfs("300000", "100000"), 3u);
  EXPECT_EQ(cores_from_cfs("-1", "100000"), std::nullopt);
  EXPECT_EQ(cores_from_cfs("", ""), std::nullopt);
}

TEST(ProcessResources, DefaultWorkersFollowTheCgroupQuotaCappedByTheMachine) {
  const std::string root = testing::TempDir() + "/trove-cgroup-test";
  std::filesystem::create_directories(root);
  std::ofstream(root + "/cpu.max") << "100000 100000\n";
  EXPECT_EQ(default_worker_count(root), 1u);
  std::ofstream(root + "/cpu.max") << "100000000 100000\n";  // 1000 cores: capped
  EXPECT_EQ(default_worker_count(root), std::max(1u, std::thread::hardware_concurrency()));
  std::ofstream(root + "/cpu.max") << "max 100000\n";
  EXPECT_EQ(default_worker_count(root), std::max(1u, std::thread::hardware_concurrency()));
  std::filesystem::remove_all(root);
}

TEST(ProcessResources, FdSoftLimitIsRaisedToTheHardLimit) {
  rlimit before{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &before), 0);
  EXPECT_EQ(raise_fd_soft_limit(), static_cast<std::uint64_t>(before.rlim_max));
}

}  // namespace
}  // namespace trove::config
