// cryptcol inspect: the structure of an envelope, without decrypting it.

#include <string>

#include <cryptcol/envelope.hpp>
#include <cryptcol/key_ring.hpp>

#include "json_writer.hpp"
#include "input_limit.hpp"
#include "key_options.hpp"
#include "verb.hpp"

namespace cryptcol::cli {

namespace {

const char* layout_name(envelope_layout layout) {
  switch (layout) {
    case envelope_layout::text: return "text";
    case envelope_layout::binary: return "binary";
    case envelope_layout::legacy: return "legacy";
  }
  return "unknown";
}

struct KeyReport {
  bool ring_loaded = false;
  bool known = false;
  std::string state;
  std::string fingerprint;
};

KeyReport find_key(const KeyRing* ring, const Envelope& envelope) {
  KeyReport report;
  if (ring == nullptr) return report;
  report.ring_loaded = true;
  if (envelope.layout == envelope_layout::legacy) {
    if (ring->has_legacy_key()) {
      report.known = true;
      report.state = "legacy";
      report.fingerprint = ring->legacy_key().fingerprint();
    }
  } else if (const KeyRing::Entry* entry = ring->find(envelope.version)) {
    report.known = true;
    report.state = to_string(entry->state);
    report.fingerprint = entry->key->fingerprint();
  }
  return report;
}

exit_code run(const ParsedArgs& args, Context& ctx) {
  const std::string layout = *args.choice("layout", {"text", "binary", "legacy"});
  const auto ring = load_optional_key_ring(args);
  prompt_if_terminal(ctx, "an envelope");
  const std::string input = read_all(ctx.in_fd, max_input_bytes(args));

  const std::string_view stored = layout == "text" ? trim_whitespace(input) : input;
  const Envelope envelope = layout == "text"     ? parse_text_envelope(stored)
                            : layout == "binary" ? parse_binary_envelope(stored)
                                                 : parse_legacy_envelope(stored);
  const KeyReport key = find_key(ring.get(), envelope);
  const std::size_t ciphertext = envelope.ciphertext_size();

  if (args.flag("json")) {
    Json json = {{"layout", layout_name(envelope.layout)},
                 {"version", envelope.version.empty() ? Json(nullptr) : Json(envelope.version)},
                 {"nonce_bytes", nonce_size},
                 {"ciphertext_bytes", ciphertext},
                 {"tag_bytes", tag_size},
                 {"plaintext_bytes", ciphertext},
                 {"stored_bytes", stored.size()},
                 {"key", nullptr}};
    if (key.ring_loaded) {
      json["key"] = {{"in_ring", key.known}};
      if (key.known) {
        json["key"]["state"] = key.state;
        json["key"]["fingerprint"] = key.fingerprint;
      }
    }
    ctx.out << json_line(json) << "\n";
    return exit_code::ok;
  }

  const std::string unit = envelope.layout == envelope_layout::text ? " characters" : " bytes";
  ctx.out << "layout:      " << layout_name(envelope.layout) << "\n"
          << "version:     " << (envelope.version.empty() ? "(none)" : envelope.version) << "\n"
          << "nonce:       " << nonce_size << " bytes\n"
          << "ciphertext:  " << ciphertext << " bytes\n"
          << "tag:         " << tag_size << " bytes\n"
          << "plaintext:   " << ciphertext << " bytes\n"
          << "stored:      " << stored.size() << unit << "\n"
          << "key:         ";
  if (!key.ring_loaded) {
    ctx.out << "unknown (no keys loaded)\n";
  } else if (!key.known) {
    ctx.out << "not in the key ring\n";
  } else {
    ctx.out << key.state << ", fingerprint " << key.fingerprint << "\n";
  }
  return exit_code::ok;
}

}  // namespace

Verb make_inspect_verb() {
  Verb verb;
  verb.name = "inspect";
  verb.summary = "show the structure of an envelope without decrypting it";
  verb.usage_tail = "< ENVELOPE";
  verb.description =
      "Reads one envelope from standard input and prints its layout, key version, the\n"
      "sizes of nonce, ciphertext and tag, the plaintext length (GCM keeps lengths) and,\n"
      "when keys are available, the state and fingerprint of the key it names. Nothing\n"
      "is decrypted, so the authentication tag is not checked: use 'decrypt' for that.\n"
      "Keys are optional here; a malformed envelope fails with its error.\n"
      "Standard input is limited to --max-input-bytes (default 64 MiB); more input is\n"
      "refused with exit code 4 (input_too_long).";
  verb.notes = key_sources_help();
  verb.examples = {
      "echo 'v1:3aefuXZzXzBIfn5X:2xoE5KUAXVDioacnP7wSu6c=' | cryptcol inspect --json",
  };
  verb.exit_codes = {exit_code::ok, exit_code::internal, exit_code::usage, exit_code::key,
                     exit_code::invalid_value};
  verb.parser.option("layout", "LAYOUT", "text, binary or legacy", std::string("text"))
      .flag("json", "print one JSON object instead of text");
  add_key_options(verb.parser);
  add_input_limit_option(verb.parser);
  verb.run = run;
  return verb;
}

}  // namespace cryptcol::cli
