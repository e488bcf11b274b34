// cryptcol kek: key-encryption keys in the PKCS#11 token. `create` generates one inside the
// token; `rotate` re-wraps every data key of a key file under a new one. No stored value
// changes: the data keys stay the same, only their wrapping does.

#include <string>

#include <cryptcol/envelope_key_provider.hpp>
#include <cryptcol/pkcs11_token.hpp>

#include "pkcs11_options.hpp"
#include "verb.hpp"

namespace cryptcol::cli {

namespace {

exit_code create(const ParsedArgs& args, Context& ctx) {
  const auto label = args.get("label");
  if (!label) throw usage_error("kek create needs --label");
  Pkcs11Token token(Pkcs11Config::from_environment());
  token.create_kek(*label);
  ctx.out << "created AES-256 key-encryption key " << *label << " in token "
          << token.token_label() << " (sensitive, never extractable)\n";
  return exit_code::ok;
}

exit_code rotate(const ParsedArgs& args, Context& ctx) {
  const auto file = args.get("key-file");
  const auto label = args.get("new-kek-label");
  if (!file || !label) throw usage_error("kek rotate needs --key-file and --new-kek-label");
  Pkcs11Token token(Pkcs11Config::from_environment());
  const RewrapResult result = rewrap_key_file(*file, token, *label);
  if (result.rewrapped == 0) {
    ctx.out << "no wrapped keys in " << *file << ": nothing to re-wrap\n";
  } else {
    ctx.out << "re-wrapped " << result.rewrapped << " data key"
            << (result.rewrapped == 1 ? "" : "s") << " under " << *label << " in " << *file
            << "; no stored value changes\n";
  }
  if (result.clear_keys > 0) {
    ctx.err << ctx.program << " kek: " << result.clear_keys
            << " key line(s) in clear left as they are (wrap them: cryptcol keygen --wrap)\n";
  }
  ctx.out << "the previous key-encryption keys can be deleted from the token once every\n"
             "copy of the old key file is gone\n";
  return exit_code::ok;
}

exit_code run(const ParsedArgs& args, Context& ctx) {
  const std::string action = *args.positional("action");
  if (action == "create") return create(args, ctx);
  if (action == "rotate") return rotate(args, ctx);
  throw usage_error("the action is 'create' or 'rotate'");
}

}  // namespace

Verb make_kek_verb() {
  Verb verb;
  verb.name = "kek";
  verb.summary = "create or rotate the key-encryption key that wraps the data keys";
  verb.description =
      "create: generates an AES-256 key-encryption key (KEK) inside the PKCS#11 token:\n"
      "  a token object, sensitive and never extractable, usable only to encrypt and\n"
      "  decrypt (wrap and unwrap data keys).\n"
      "rotate: re-wraps every 'wrapped' line of the key file under --new-kek-label. Each\n"
      "  data key is unwrapped with its current KEK, wrapped under the new one and checked,\n"
      "  then the file is replaced atomically (a new 0600 file renamed over it); comments\n"
      "  and other lines are kept. The data keys do not change, so no row is touched.\n"
      "  Nothing is written if any key fails.";
  verb.notes = pkcs11_help();
  verb.examples = {
      "cryptcol kek create --label kek-2027",
      "cryptcol kek rotate --key-file /etc/myapp/keys --new-kek-label kek-2027",
  };
  verb.exit_codes = {exit_code::ok, exit_code::internal, exit_code::usage, exit_code::key};
  verb.parser.positional("action", "create or rotate")
      .option("label", "LABEL", "create: the label of the new KEK")
      .option("key-file", "FILE", "rotate: the key file whose wrapped keys are re-wrapped")
      .option("new-kek-label", "LABEL", "rotate: the KEK to wrap under from now on");
  verb.run = run;
  return verb;
}

}  // namespace cryptcol::cli
