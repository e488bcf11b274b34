// cryptcol keys: the key ring's versions, states, custody and fingerprints. Never a key.

#include <string>
#include <vector>

#include <cryptcol/envelope_key_provider.hpp>
#include <cryptcol/key_ring.hpp>

#include "json_writer.hpp"
#include "key_options.hpp"
#include "pkcs11_options.hpp"
#include "verb.hpp"

namespace cryptcol::cli {

namespace {

struct Row {
  std::string version;
  std::string state;
  std::string custody;
  std::string kek;
  std::string fingerprint;
};

std::vector<Row> rows_of(const ParsedArgs& args) {
  std::vector<Row> rows;
  if (auto file = args.get("key-file")) {
    for (const auto& entry : describe_key_file(*file)) {
      if (entry.version.empty()) {
        rows.push_back({"(legacy)", "legacy", "key file, in clear", "", entry.fingerprint});
      } else {
        rows.push_back({entry.version, to_string(entry.state),
                        entry.kek_label.empty() ? "key file, in clear" : "key file, wrapped",
                        entry.kek_label, entry.fingerprint});
      }
    }
    return rows;
  }
  const auto ring = load_key_ring(args);
  const std::string custody = args.get("key-command") ? "key command" : "environment";
  for (const auto& info : ring->describe()) {
    rows.push_back({info.version, to_string(info.state), custody, "", info.fingerprint});
  }
  if (ring->has_legacy_key()) {
    rows.push_back({"(legacy)", "legacy", custody, "", ring->legacy_key().fingerprint()});
  }
  return rows;
}

exit_code run(const ParsedArgs& args, Context& ctx) {
  const auto rows = rows_of(args);
  if (args.flag("json")) {
    Json keys = Json::array();
    for (const auto& r : rows) {
      keys.push_back(Json{{"version", r.version},
                           {"state", r.state},
                           {"custody", r.custody},
                           {"kek_label", r.kek.empty() ? Json(nullptr) : Json(r.kek)},
                           {"fingerprint", r.fingerprint}});
    }
    ctx.out << json_line(Json{{"keys", keys}}) << "\n";
    return exit_code::ok;
  }
  ctx.out << "VERSION       STATE          FINGERPRINT  CUSTODY              KEK\n";
  for (const auto& r : rows) {
    const auto pad = [](const std::string& s, std::size_t w) {
      return s.size() >= w ? s + " " : s + std::string(w - s.size(), ' ');
    };
    ctx.out << pad(r.version, 14) << pad(r.state, 15) << pad(r.fingerprint, 13)
            << pad(r.custody, 21) << (r.kek.empty() ? "-" : r.kek) << "\n";
  }
  return exit_code::ok;
}

}  // namespace

Verb make_keys_verb() {
  Verb verb;
  verb.name = "keys";
  verb.summary = "list key versions, states, custody, KEK labels and fingerprints";
  verb.description =
      "Lists the keys of the key file (or of the environment, or of --key-command):\n"
      "version, state, the key's fingerprint (first 8 hex digits of SHA-256 of the key),\n"
      "where it is kept, and for a wrapped key the label of the key-encryption key it is\n"
      "wrapped under. Wrapped keys are unwrapped through the PKCS#11 token to check them\n"
      "and compute fingerprints.";
  verb.notes = std::string(key_sources_help()) + "\n" + pkcs11_help();
  verb.examples = {"cryptcol keys --key-file /etc/myapp/keys",
                   "cryptcol keys --key-file /etc/myapp/keys --json"};
  verb.exit_codes = {exit_code::ok, exit_code::internal, exit_code::usage, exit_code::key};
  add_key_options(verb.parser);
  verb.parser.flag("json", "print one JSON object on standard output");
  verb.run = run;
  return verb;
}

}  // namespace cryptcol::cli
