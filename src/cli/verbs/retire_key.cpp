// cryptcol retire-key: remove a key version once no row of any managed column uses it.

#include <cctype>
#include <string>

#include <cryptcol/envelope.hpp>
#include <cryptcol/error.hpp>
#include <cryptcol/key_ring.hpp>
#include <cryptcol/migration/control/audit.hpp>
#include <cryptcol/migration/control/history.hpp>
#include <cryptcol/migration/data/rotate.hpp>
#include <cryptcol/migration/sql/connection.hpp>
#include <cryptcol/migration/sql/safe_error.hpp>

#include <soci/soci.h>

#include "json_writer.hpp"
#include "key_options.hpp"
#include "migration_options.hpp"
#include "verb.hpp"

namespace cryptcol::cli {

namespace {

std::string env_name_for(const std::string& version) {
  std::string name = "CRYPTCOL_KEY_";
  for (char c : version) name += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return name;
}

void write_audit(const ParsedArgs& args, const std::string& version, bool dry_run) {
  auto path = args.get("audit-log");
  if (!path) return;
  migration::AuditRecord record;
  record.timestamp = migration::utc_timestamp();
  record.executor = args.get_or("executor", migration::default_executor());
  record.migration = "retire_key:" + version;
  record.environment = args.get_or("environment", "");
  record.database = migration::redacted_connection_string(*args.get("db"));
  record.risk_level = "HIGH";
  record.justification = args.get_or("justification", "");
  record.status = dry_run ? "dry_run" : "applied";
  record.verification_status = "not_run";
  record.host = migration::current_host();
  record.pid = migration::current_pid();
  migration::FileAuditSink(*path).write(record);
}

exit_code run(const ParsedArgs& args, Context& ctx) {
  const auto version = args.get("version");
  if (!version) throw usage_error("--version is required (the key version to retire)");
  validate_version_id(*version);
  const std::string db = database_of(args);
  const bool dry_run = args.flag("dry-run");

  // The ring in use must keep an active key other than the one retired.
  if (const auto ring = load_optional_key_ring(args)) {
    if (ring->active_version() == *version) {
      throw error(errc::key_in_use, *version + " is the active key: activate another key and "
                                               "rotate first");
    }
  }
  migration::with_safe_errors("checking key " + *version, [&] {
    auto sql = migration::open_session(db);
    migration::check_key_retirable(*sql, *version);  // errc::key_in_use while rows use it
  });

  Json json = {{"ok", true}, {"version", *version}, {"rows_using", 0}, {"dry_run", dry_run}};
  std::string text = "no row of any managed column uses key " + *version + "\n";
  if (auto file = args.get("key-file")) {
    const bool removed = !dry_run && remove_key_from_key_file(*file, *version);
    json["key_file"] = *file;
    json["removed_from_key_file"] = removed;
    if (dry_run) {
      text += "dry run: " + *file + " left unchanged\n";
    } else {
      text += removed ? "removed key " + *version + " from " + *file + "\n"
                      : "key " + *version + " was not in " + *file + "\n";
    }
  } else {
    const std::string variable = env_name_for(*version);
    json["remove_environment_variable"] = variable;
    text += "remove " + variable + " from the environment of every application and tool";
    text += " (and " + *version + " from CRYPTCOL_DISABLED_KEYS if listed there), e.g.:\n";
    text += "  unset " + variable + "\n";
  }
  write_audit(args, *version, dry_run);
  if (args.flag("json")) {
    ctx.out << json_line(json) << "\n";
  } else {
    ctx.out << text;
  }
  return exit_code::ok;
}

}  // namespace

Verb make_retire_key_verb() {
  Verb verb;
  verb.name = "retire-key";
  verb.summary = "remove a key version no row uses any more";
  verb.description =
      "Refuses (exit 3, key_in_use) while any row of any managed column\n"
      "(cryptcol_columns) is encrypted under VERSION, or while VERSION is the active key.\n"
      "Otherwise, with --key-file, rewrites the key file without that key (mode 0600);\n"
      "without it, prints the environment variable to remove. Retire a key only after\n"
      "'cryptcol rotate' and a passing 'cryptcol verify'.";
  verb.notes = std::string(database_help()) + "\n" + key_sources_help();
  verb.examples = {
      "cryptcol retire-key --db sqlite3://db=app.db --version v1 --key-file keys.txt"};
  verb.exit_codes = {exit_code::ok, exit_code::internal, exit_code::usage, exit_code::key,
                     exit_code::database};
  add_database_option(verb.parser);
  verb.parser.option("version", "VERSION", "the key version to retire, e.g. v1");
  add_key_options(verb.parser);
  add_audit_options(verb.parser);
  add_run_flags(verb.parser);
  verb.run = run;
  return verb;
}

}  // namespace cryptcol::cli
