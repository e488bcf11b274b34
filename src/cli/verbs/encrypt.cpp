// cryptcol encrypt: all of standard input as one plaintext -> one envelope.

#include <string>

#include <cryptcol/cipher.hpp>
#include <cryptcol/secure_memory.hpp>

#include "input_limit.hpp"
#include "key_options.hpp"
#include "verb.hpp"

namespace cryptcol::cli {

namespace {

exit_code run(const ParsedArgs& args, Context& ctx) {
  const bool binary = args.choice("layout", {"text", "binary"}) == "binary";
  const auto ring = load_key_ring(args);  // before reading: a key error needs no input
  prompt_if_terminal(ctx, "the plaintext");
  std::string plaintext = read_all(ctx.in_fd, max_input_bytes(args));
  std::string stored;
  try {
    stored = binary ? encrypt_bytes(*ring, plaintext) : encrypt(*ring, plaintext);
  } catch (...) {
    secure_wipe(plaintext);
    throw;
  }
  secure_wipe(plaintext);
  if (!binary) stored += '\n';
  write_raw(ctx, stored);
  return exit_code::ok;
}

}  // namespace

Verb make_encrypt_verb() {
  Verb verb;
  verb.name = "encrypt";
  verb.summary = "encrypt standard input under the active key";
  verb.usage_tail = "< PLAINTEXT";
  verb.description =
      "Reads all of standard input as one plaintext (UTF-8; every byte counts, including\n"
      "trailing newlines) and prints its text envelope followed by a newline:\n"
      "  <version>:<base64 nonce, 12 bytes>:<base64 ciphertext || tag, 16 bytes>\n"
      "encrypted with AES-256-GCM under the active key and a fresh random nonce.\n"
      "With --layout binary, writes \"<version>:\" + raw nonce || ciphertext || tag instead\n"
      "(for BYTEA/BLOB columns; any bytes accepted, nothing appended).\n"
      "Standard input is limited to --max-input-bytes (default 64 MiB); more input is\n"
      "refused with exit code 4 (input_too_long) and nothing is written.";
  verb.notes = key_sources_help();
  verb.examples = {
      "printf '%s' 'Penicillin allergy' | cryptcol encrypt",
      "cryptcol encrypt --key-file keys.txt < note.txt > note.enc",
  };
  verb.exit_codes = {exit_code::ok, exit_code::internal, exit_code::usage, exit_code::key,
                     exit_code::invalid_value};
  verb.parser.option("layout", "LAYOUT", "text or binary", std::string("text"));
  add_key_options(verb.parser);
  add_input_limit_option(verb.parser);
  verb.run = run;
  return verb;
}

}  // namespace cryptcol::cli
