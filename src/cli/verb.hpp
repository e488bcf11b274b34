#ifndef CRYPTCOL_CLI_VERB_HPP
#define CRYPTCOL_CLI_VERB_HPP

// A verb of the command-line tool ("cryptcol encrypt ..."): its options, its help text and
// the function that runs it. Each verb lives in its own file under verbs/ and is listed
// once in verbs.cpp.

#include <functional>
#include <string>
#include <vector>

#include "arg_parser.hpp"
#include "exit_codes.hpp"
#include "io.hpp"

namespace cryptcol::cli {

struct Verb {
  std::string name;
  std::string summary;      // one line, for "cryptcol --help"
  std::string usage_tail;   // appended to the generated synopsis, e.g. "< PLAINTEXT"
  std::string description;  // paragraphs for "cryptcol VERB --help"
  std::string notes;        // optional extra section (e.g. the key sources)
  std::vector<std::string> examples;
  std::vector<exit_code> exit_codes;  // the codes this verb can return
  ArgParser parser;
  // Returns the process exit code; failures are thrown (cryptcol::error, usage_error).
  std::function<exit_code(const ParsedArgs&, Context&)> run;
};

std::string help_text(const Verb& verb, const std::string& program);

// Every verb, in the order "cryptcol --help" lists them.
const std::vector<Verb>& all_verbs();
const Verb* find_verb(const std::string& name);

// One function per verb (verbs/*.cpp).
Verb make_keygen_verb();
Verb make_keys_verb();
Verb make_kek_verb();
Verb make_encrypt_verb();
Verb make_decrypt_verb();
Verb make_inspect_verb();
// Migration verbs.
Verb make_status_verb();
Verb make_add_column_verb();
Verb make_dual_write_verb();
Verb make_backfill_verb();
Verb make_verify_verb();
Verb make_cut_over_verb();
Verb make_contract_verb();
Verb make_rotate_verb();
Verb make_retire_key_verb();
Verb make_migrate_verb();

}  // namespace cryptcol::cli

#endif  // CRYPTCOL_CLI_VERB_HPP
