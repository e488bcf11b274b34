#include "key_options.hpp"

#include <chrono>
#include <sstream>

#include <cryptcol/error.hpp>
#include <cryptcol/process_hardening.hpp>
#include <cryptcol/key_provider.hpp>

namespace cryptcol::cli {

namespace {

// "PROGRAM ARG ..." split on whitespace: no shell, no quoting.
std::vector<std::string> split_command(const std::string& text) {
  std::istringstream words(text);
  std::vector<std::string> out;
  for (std::string word; words >> word;) out.push_back(word);
  if (out.empty()) throw usage_error("--key-command needs a program");
  return out;
}

// "v1:decrypt-only,v2:active" -> versions and states.
std::vector<CommandKeyProvider::Version> parse_versions(const std::string& text) {
  std::vector<CommandKeyProvider::Version> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    const std::string item = text.substr(start, end - start);
    const auto colon = item.find(':');
    const std::string version = item.substr(0, colon);
    const std::string state = colon == std::string::npos ? "decrypt-only" : item.substr(colon + 1);
    if (!is_valid_version_id(version)) {
      throw usage_error("--key-versions: VERSION[:STATE],... with versions such as v1");
    }
    if (state != "active" && state != "decrypt-only" && state != "disabled") {
      throw usage_error("--key-versions: a state is active, decrypt-only or disabled");
    }
    out.push_back({version, parse_key_state(state)});
    start = end + 1;
  }
  return out;
}

std::shared_ptr<const KeyRing> load_from_command(const ParsedArgs& args) {
  if (args.get("key-file")) throw usage_error("--key-file and --key-command exclude each other");
  const auto versions = args.get("key-versions");
  if (!versions) throw usage_error("--key-command needs --key-versions");
  const auto timeout = args.integer("key-command-timeout", 1, 3600000).value_or(10000);
  CommandKeyProvider provider(split_command(*args.get("key-command")), parse_versions(*versions),
                              std::chrono::milliseconds(timeout));
  return build_key_ring(provider);
}

}  // namespace

void add_key_options(ArgParser& parser) {
  parser.option("key-file", "FILE",
                "read keys from FILE (mode 0600) instead of the CRYPTCOL_KEY_* environment")
      .option("key-command", "COMMAND",
              "run COMMAND once per key version and read the base64 key from its output")
      .option("key-versions", "LIST",
              "with --key-command: the versions to fetch, VERSION[:STATE],...")
      .option("key-command-timeout", "MS", "with --key-command: time limit per run (10000)");
}

namespace {

// Keys are loaded once per run; afterwards no copy stays in the environment, where child
// processes and /proc/<pid>/environ would see it.
struct ScrubKeyEnvironment {
  ~ScrubKeyEnvironment() { remove_key_variables_from_environment(); }
};

}  // namespace

std::shared_ptr<const KeyRing> load_key_ring(const ParsedArgs& args) {
  const ScrubKeyEnvironment scrub;
  if (args.get("key-command")) return load_from_command(args);
  if (args.get("key-versions") || args.get("key-command-timeout")) {
    throw usage_error("--key-versions and --key-command-timeout go with --key-command");
  }
  if (auto file = args.get("key-file")) return load_key_ring_from_file(*file);
  return load_key_ring_from_env();
}

std::shared_ptr<const KeyRing> load_optional_key_ring(const ParsedArgs& args) {
  const ScrubKeyEnvironment scrub;
  if (args.get("key-file") || args.get("key-command")) return load_key_ring(args);
  try {
    return load_key_ring_from_env();
  } catch (const error& e) {
    if (e.code() == errc::key_source_missing) return nullptr;
    throw;
  }
}

const char* key_sources_help() {
  return "Keys:\n"
         "  Without --key-file, keys come from the environment:\n"
         "    CRYPTCOL_KEY_<VERSION>=<base64 of 32 bytes>   e.g. CRYPTCOL_KEY_V1 for version v1\n"
         "    CRYPTCOL_ACTIVE_KEY=<version>                 the key new values are encrypted "
         "with\n"
         "                                                  (optional when there is one key)\n"
         "    CRYPTCOL_DISABLED_KEYS=<version>,...          versions refused for decryption\n"
         "    CRYPTCOL_LEGACY_KEY=<base64>                  key of unversioned legacy values\n"
         "  A key file holds one entry per line ('#' starts a comment). It must be a\n"
         "  regular file (not a symbolic link) owned by the user running cryptcol, with\n"
         "  mode 600 or 400, in a directory that group and others cannot write:\n"
         "    key <version> <active|decrypt-only|disabled> <base64 of 32 bytes>\n"
         "    wrapped <version> <state> <kek label> <base64 wrapped key>\n"
         "    legacy <base64 of 32 bytes>\n"
         "    index-key <version> <base64 of 32 bytes>   (blind-index root keys)\n"
         "  'wrapped' keys are unwrapped through the PKCS#11 token named by\n"
         "  CRYPTCOL_PKCS11_* (see 'cryptcol kek --help').\n"
         "  --key-command runs a program (no shell; arguments split at spaces) once per\n"
         "  version of --key-versions; '{version}' in an argument is replaced by the\n"
         "  version, otherwise it is appended. Its standard output is the base64 key;\n"
         "  its standard error is discarded. E.g. (docs/key-custody.md):\n"
         "    --key-command 'vault kv get -field=key secret/myapp/cryptcol-{version}'\n"
         "    --key-versions v1:decrypt-only,v2:active\n";
}

}  // namespace cryptcol::cli
