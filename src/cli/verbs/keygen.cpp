// cryptcol keygen: a fresh random AES-256 key, base64-encoded.

#include <cctype>
#include <string>

#include <cryptcol/envelope.hpp>
#include <cryptcol/key_ring.hpp>
#include <cryptcol/secure_memory.hpp>

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

exit_code run(const ParsedArgs& args, Context& ctx) {
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
      "environment line that names the key, ready for an env file.";
  verb.examples = {
      "export CRYPTCOL_KEY_V1=\"$(cryptcol keygen)\"",
      "cryptcol keygen --version v2 >> /etc/myapp/cryptcol.env   # CRYPTCOL_KEY_V2=...",
  };
  verb.exit_codes = {exit_code::ok, exit_code::internal, exit_code::usage};
  verb.parser.option("version", "VERSION",
                     "print CRYPTCOL_KEY_<VERSION>=<key> instead of the bare key");
  verb.run = run;
  return verb;
}

}  // namespace cryptcol::cli
