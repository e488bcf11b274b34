// cryptcol status: where each managed column is, its key versions, and the history.

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include <cryptcol/migration/column_state.hpp>
#include <cryptcol/migration/sql/connection.hpp>
#include <cryptcol/migration/control/history.hpp>
#include <cryptcol/migration/data/rotate.hpp>
#include <cryptcol/migration/sql/safe_error.hpp>

#include <soci/soci.h>

#include "json_writer.hpp"
#include "migration_options.hpp"
#include "verb.hpp"

namespace cryptcol::cli {

namespace {

struct ColumnReport {
  migration::ColumnState state;
  std::map<std::string, std::uint64_t> versions;
};

Json column_json(const ColumnReport& c) {
  const auto& s = c.state;
  return {{"table", s.table},
          {"column", s.column},
          {"encrypted_column", s.encrypted_column},
          {"primary_key", s.primary_key},
          {"phase", migration::to_string(s.current)},
          {"active_key_version", s.active_key_version},
          {"last_backfill_at", nullable(s.last_backfill_at)},
          {"last_verify_at", nullable(s.last_verify_at)},
          {"last_verify_passed", s.last_verify_passed},
          {"verify_gate_open", migration::verify_gate_open(s)},
          {"updated_at", s.updated_at},
          {"key_versions", Json(c.versions)}};
}

Json history_json(const migration::HistoryEntry& h) {
  return {{"id", h.id},
          {"name", h.name},
          {"direction", migration::to_string(h.direction)},
          {"status", migration::to_string(h.status)},
          {"started_at", h.started_at},
          {"finished_at", nullable(h.finished_at)},
          {"duration_ms", h.duration_ms},
          {"rows_affected", h.rows_affected},
          {"executor", h.executor},
          {"host", h.host},
          {"error_class", h.error_class}};
}

std::string histogram_text(const std::map<std::string, std::uint64_t>& histogram) {
  if (histogram.empty()) return "(no ciphertexts)";
  std::string text;
  for (const auto& [version, rows] : histogram) {
    text += (text.empty() ? "" : " ") + (version.empty() ? std::string("(not an envelope)")
                                                          : version) +
            "=" + std::to_string(rows);
  }
  return text;
}

exit_code run(const ParsedArgs& args, Context& ctx) {
  const std::string db = database_of(args);
  const auto table = args.get("table");
  const auto column = args.get("column");
  const auto limit = static_cast<std::size_t>(args.integer("history", 0, 1000000).value_or(20));

  std::vector<ColumnReport> columns;
  std::vector<migration::HistoryEntry> history;
  migration::with_safe_errors("reading the migration status", [&] {
    auto sql = migration::open_session(db);
    for (auto& state : migration::load_all_column_states(*sql)) {
      if (table && state.table != *table) continue;
      if (column && state.column != *column) continue;
      ColumnReport report{state, {}};
      if (state.current >= migration::phase::expanded) {
        report.versions = migration::key_version_histogram(
            *sql, migration::ColumnSpec(state.table, state.column, {}, state.primary_key));
      }
      columns.push_back(std::move(report));
    }
    for (auto& entry : migration::load_history(*sql)) {
      // Step names end in "<table>.<column>" (and "@..." for repeated runs).
      if (table || column) {
        const std::string wanted = ":" + (table ? *table : std::string()) + "." +
                                   (column ? *column : std::string());
        if (table && column && entry.name.find(wanted) == std::string::npos) continue;
        if (table && !column && entry.name.find(":" + *table + ".") == std::string::npos) continue;
      }
      history.push_back(std::move(entry));
    }
  });
  if (history.size() > limit) history.erase(history.begin(), history.end() - static_cast<long>(limit));

  if (args.flag("json")) {
    Json out = {{"database", migration::redacted_connection_string(db)},
                {"columns", Json::array()},
                {"history", Json::array()}};
    for (const auto& c : columns) out["columns"].push_back(column_json(c));
    for (const auto& h : history) out["history"].push_back(history_json(h));
    ctx.out << json_line(out) << "\n";
    return exit_code::ok;
  }

  ctx.out << "Managed columns (" << columns.size() << "):\n";
  if (columns.empty()) ctx.out << "  none: no column has been added with 'cryptcol add-column'\n";
  for (const auto& c : columns) {
    const auto& s = c.state;
    ctx.out << "  " << s.table << "." << s.column << "\n"
            << "    phase:        " << migration::to_string(s.current) << "\n"
            << "    ciphertext:   " << s.table << "." << s.encrypted_column << " (key "
            << (s.active_key_version.empty() ? "-" : s.active_key_version) << ")\n"
            << "    verify gate:  " << (migration::verify_gate_open(s) ? "open" : "closed")
            << " (last verify " << s.last_verify_at.value_or("never")
            << (s.last_verify_at ? (s.last_verify_passed ? ", passed" : ", failed") : "")
            << "; last backfill " << s.last_backfill_at.value_or("never") << ")\n"
            << "    key versions: " << histogram_text(c.versions) << "\n";
  }
  ctx.out << "\nMigration history (last " << history.size() << "):\n";
  if (history.empty()) ctx.out << "  none\n";
  for (const auto& h : history) {
    ctx.out << "  " << h.started_at << "  " << h.name << "  " << migration::to_string(h.direction)
            << "  " << migration::to_string(h.status) << "  rows=" << h.rows_affected << "  "
            << h.duration_ms << " ms  " << h.executor << "@" << h.host;
    if (!h.error_class.empty()) ctx.out << "  error=" << h.error_class;
    ctx.out << "\n";
  }
  return exit_code::ok;
}

}  // namespace

Verb make_status_verb() {
  Verb verb;
  verb.name = "status";
  verb.summary = "phase, key versions and history of the managed columns";
  verb.description =
      "Lists every column registered in cryptcol_columns with its phase, ciphertext\n"
      "column, verify gate and the number of rows per key version, then the latest runs\n"
      "of the migration history (cryptcol_migrations). Reads only.";
  verb.notes = database_help();
  verb.examples = {"cryptcol status --db sqlite3://db=app.db",
                   "cryptcol status --db postgresql://ops@db:5432/app --table patients --json"};
  verb.exit_codes = {exit_code::ok, exit_code::internal, exit_code::usage, exit_code::database};
  add_database_option(verb.parser);
  verb.parser.option("table", "TABLE", "only this table")
      .option("column", "COLUMN", "only this column")
      .option("history", "N", "history entries to show (latest first trimmed)", std::string("20"))
      .flag("json", "print one JSON object on standard output");
  verb.run = run;
  return verb;
}

}  // namespace cryptcol::cli
