// cryptcol keygen: a fresh random AES-256 key, base64-encoded.

#include <cctype>
#include <string>

#include <cryptcol/base64.hpp>
#include <cryptcol/envelope.hpp>
#include <cryptcol/envelope_key_provider.hpp>
#include <cryptcol/key_ring.hpp>
#include <cryptcol/pkcs11_token.hpp>
#include <cryptcol/secure_memory.hpp>

#include "pkcs11_options.hpp"
#include "verb.hpp"

namespace cryptcol::cli {

namespace {

// "v2" -> "CRYPTCOL_KEY_V2": the environment loader maps the name back to the lower-case id.
std::string env_variable_for(const std::string& version) {
  if (!is_valid_version_id(version)) {
    throw usage_error("--version needs a key version id such as v2 (letters, digits, '_')");
  }
  std::string name = "CRYPTCOL_KEY_";
  for (const char c : version) {
    const auto u = static_cast<unsigned char>(c);
    if (!std::isalnum(u) && c != '_') {
      throw usage_error("--version: only letters, digits and '_' fit an environment variable "
                        "name; use a key file for other version ids");
    }
    if (std::isupper(u)) {
      throw usage_error("--version: version ids in the environment are lower case (e.g. v2)");
    }
    name += static_cast<char>(std::toupper(u));
  }
  return name;
}

// A new data key, wrapped under a KEK in the token: the key-file line, never the key.
exit_code run_wrapped(const ParsedArgs& args, Context& ctx) {
  const auto version = args.get("version");
  const auto kek_label = args.get("kek-label");
  if (!version || !kek_label) throw usage_error("--wrap needs --version and --kek-label");
  if (!is_valid_version_id(*version)) {
    throw usage_error("--version needs a key version id such as v2");
  }
  const key_state state = parse_key_state(
      args.choice("state", {"active", "decrypt-only", "disabled"}).value_or("decrypt-only"));
  std::string encoded = generate_base64_key();
  std::string raw = base64_decode(encoded);
  secure_wipe(encoded);
  const KeyMaterial key(raw);
  secure_wipe(raw);
  Pkcs11Token token(Pkcs11Config::from_environment());
  const std::string wrapped = token.wrap(*version, key, *kek_label);
  ctx.out << format_wrapped_key_line(*version, state, *kek_label, wrapped) << "\n";
  return exit_code::ok;
}

exit_code run(const ParsedArgs& args, Context& ctx) {
  if (args.flag("wrap")) return run_wrapped(args, ctx);
  if (args.get("kek-label") || args.get("state")) {
    throw usage_error("--kek-label and --state go with --wrap");
  }
  std::string line;
  if (auto version = args.get("version")) line = env_variable_for(*version) + "=";
  std::string key = generate_base64_key();
  // Room for the key before it is appended: a reallocation would free a copy unwiped.
  line.reserve(line.size() + key.size() + 1);
  line += key;
  secure_wipe(key);
  line += '\n';
  try {
    write_raw(ctx, line);
  } catch (...) {
    secure_wipe(line);
    throw;
  }
  secure_wipe(line);
  return exit_code::ok;
}

}  // namespace

Verb make_keygen_verb() {
  Verb verb;
  verb.name = "keygen";
  verb.summary = "print a new random 256-bit key (base64)";
  verb.description =
      "Prints a new AES-256 key: 32 bytes from the operating system's random source,\n"
      "base64-encoded, followed by a newline. With --version, prints it as the\n"
      "environment line that names the key, ready for an env file.\n\n"
      "With --wrap, the key never appears: it is wrapped under the key-encryption key\n"
      "--kek-label in the PKCS#11 token (AES-256-GCM inside the token) and the key-file\n"
      "line 'wrapped <version> <state> <kek label> <base64>' is printed, to append to a\n"
      "key file. New keys start decrypt-only: give them to every reader, then make them\n"
      "active (docs/key-rotation.md).";
  verb.notes = pkcs11_help();
  verb.examples = {
      "export CRYPTCOL_KEY_V1=\"$(cryptcol keygen)\"",
      "cryptcol keygen --version v2 >> /etc/myapp/cryptcol.env   # CRYPTCOL_KEY_V2=...",
      "cryptcol keygen --wrap --kek-label kek-2026 --version v2 >> /etc/myapp/keys",
  };
  verb.exit_codes = {exit_code::ok, exit_code::internal, exit_code::usage, exit_code::key};
  verb.parser.option("version", "VERSION",
                     "print CRYPTCOL_KEY_<VERSION>=<key> instead of the bare key")
      .flag("wrap", "print a key-file line with the key wrapped under a KEK in the token")
      .option("kek-label", "LABEL", "with --wrap: the key-encryption key to wrap under")
      .option("state", "STATE", "with --wrap: active, decrypt-only (default) or disabled");
  verb.run = run;
  return verb;
}

}  // namespace cryptcol::cli
