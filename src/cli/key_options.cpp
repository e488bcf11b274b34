#include "key_options.hpp"

#include <cryptcol/error.hpp>

namespace cryptcol::cli {

void add_key_options(ArgParser& parser) {
  parser.option("key-file", "FILE",
                "read keys from FILE (mode 0600) instead of the CRYPTCOL_KEY_* environment");
}

std::shared_ptr<const KeyRing> load_key_ring(const ParsedArgs& args) {
  if (auto file = args.get("key-file")) return load_key_ring_from_file(*file);
  return load_key_ring_from_env();
}

std::shared_ptr<const KeyRing> load_optional_key_ring(const ParsedArgs& args) {
  if (args.get("key-file")) return load_key_ring(args);
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
         "  A key file holds one entry per line ('#' starts a comment) and must not be\n"
         "  readable by group or others (chmod 600):\n"
         "    key <version> <active|decrypt-only|disabled> <base64 of 32 bytes>\n"
         "    wrapped <version> <state> <kek label> <base64 wrapped key>\n"
         "    legacy <base64 of 32 bytes>\n"
         "  'wrapped' keys are unwrapped through the PKCS#11 token named by\n"
         "  CRYPTCOL_PKCS11_* (see 'cryptcol kek --help').\n";
}

}  // namespace cryptcol::cli
