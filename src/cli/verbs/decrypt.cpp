// cryptcol decrypt: one envelope on standard input -> the plaintext, byte-exact.

#include <string>
#include <string_view>

#include <cryptcol/cipher.hpp>
#include <cryptcol/envelope.hpp>
#include <cryptcol/secure_memory.hpp>

#include "input_limit.hpp"
#include "key_options.hpp"
#include "verb.hpp"

namespace cryptcol::cli {

namespace {

exit_code run(const ParsedArgs& args, Context& ctx) {
  const std::string layout = *args.choice("layout", {"text", "binary", "legacy"});
  const auto ring = load_key_ring(args);
  prompt_if_terminal(ctx, "an envelope");
  const std::string input = read_all(ctx.in_fd, max_input_bytes(args));
  // Text envelopes tolerate the newline `encrypt` and editors add; raw layouts are bytes.
  std::string plaintext;
  if (layout == "text") {
    plaintext = decrypt(*ring, trim_whitespace(input));
  } else {
    // Parsed strictly by the layout asked for: never a guess between binary and legacy.
    const Envelope envelope =
        layout == "binary" ? parse_binary_envelope(input) : parse_legacy_envelope(input);
    plaintext = open_envelope(*ring, envelope);
  }
  try {
    write_raw(ctx, plaintext);
  } catch (...) {
    secure_wipe(plaintext);
    throw;
  }
  secure_wipe(plaintext);
  return exit_code::ok;
}

}  // namespace

Verb make_decrypt_verb() {
  Verb verb;
  verb.name = "decrypt";
  verb.summary = "decrypt one envelope from standard input";
  verb.usage_tail = "< ENVELOPE";
  verb.description =
      "Reads one text envelope from standard input (surrounding whitespace is ignored),\n"
      "checks its authentication tag with the key its version names, and writes the\n"
      "plaintext byte-exact, with nothing added. Nothing is written when the check fails.\n"
      "With --layout binary or legacy, standard input is the raw stored bytes: binary is\n"
      "\"<version>:\" + nonce || ciphertext || tag, legacy the same without a version,\n"
      "decrypted with the legacy key.\n"
      "Standard input is limited to --max-input-bytes (default 64 MiB); more input is\n"
      "refused with exit code 4 (input_too_long).";
  verb.notes = key_sources_help();
  verb.examples = {
      "echo 'v1:3aefuXZzXzBIfn5X:2xoE5KUAXVDioacnP7wSu6c=' | cryptcol decrypt",
      "cryptcol decrypt --key-file keys.txt < note.enc > note.txt",
  };
  verb.exit_codes = {exit_code::ok,  exit_code::internal,      exit_code::usage,
                     exit_code::key, exit_code::invalid_value, exit_code::authentication};
  verb.parser.option("layout", "LAYOUT", "text, binary or legacy", std::string("text"));
  add_key_options(verb.parser);
  add_input_limit_option(verb.parser);
  verb.run = run;
  return verb;
}

}  // namespace cryptcol::cli
