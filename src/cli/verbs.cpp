#include "verb.hpp"

namespace cryptcol::cli {

const std::vector<Verb>& all_verbs() {
  static const std::vector<Verb> verbs = [] {
    std::vector<Verb> list;
    list.push_back(make_keygen_verb());
    list.push_back(make_keys_verb());
    list.push_back(make_kek_verb());
    list.push_back(make_encrypt_verb());
    list.push_back(make_decrypt_verb());
    list.push_back(make_inspect_verb());
    list.push_back(make_status_verb());
    list.push_back(make_add_column_verb());
    list.push_back(make_dual_write_verb());
    list.push_back(make_backfill_verb());
    list.push_back(make_verify_verb());
    list.push_back(make_cut_over_verb());
    list.push_back(make_contract_verb());
    list.push_back(make_rotate_verb());
    list.push_back(make_retire_key_verb());
    list.push_back(make_migrate_verb());
    return list;
  }();
  return verbs;
}

const Verb* find_verb(const std::string& name) {
  for (const auto& verb : all_verbs()) {
    if (verb.name == name) return &verb;
  }
  return nullptr;
}

std::string help_text(const Verb& verb, const std::string& program) {
  std::string text = "Usage: " + program + " " + verb.name + verb.parser.synopsis();
  if (!verb.usage_tail.empty()) text += " " + verb.usage_tail;
  text += "\n\n" + verb.description + "\n";
  text += "\nOptions:\n" + verb.parser.options_help();
  if (!verb.notes.empty()) text += "\n" + verb.notes;
  if (!verb.examples.empty()) {
    text += "\nExample" + std::string(verb.examples.size() > 1 ? "s" : "") + ":\n";
    for (const auto& example : verb.examples) text += "  " + example + "\n";
  }
  text += "\nExit codes:\n" + describe_exit_codes(verb.exit_codes);
  return text;
}

}  // namespace cryptcol::cli
