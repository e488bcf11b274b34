#include "cryptcol/migration/column_state.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <exception>

#include <soci/soci.h>

#include "cryptcol/error.hpp"
#include "migration/sql/dialect.hpp"
#include "cryptcol/migration/support/utc_time.hpp"

namespace cryptcol::migration {

namespace {

constexpr const char* create_table_sql =
    "CREATE TABLE IF NOT EXISTS cryptcol_columns ("
    " table_name VARCHAR(63) NOT NULL,"
    " column_name VARCHAR(63) NOT NULL,"
    " encrypted_column VARCHAR(63) NOT NULL,"
    " primary_key_column VARCHAR(63) NOT NULL,"
    " phase VARCHAR(16) NOT NULL,"
    " active_key_version VARCHAR(32) NOT NULL DEFAULT '',"
    " last_backfill_at VARCHAR(32),"
    " last_verify_at VARCHAR(32),"
    " last_verify_passed INTEGER NOT NULL DEFAULT 0,"
    " updated_at VARCHAR(32) NOT NULL,"
    " PRIMARY KEY (table_name, column_name))";

constexpr const char* select_columns =
    "SELECT table_name, column_name, encrypted_column, primary_key_column, phase,"
    " active_key_version, last_backfill_at, last_verify_at, last_verify_passed, updated_at"
    " FROM cryptcol_columns";

// One fetched row with the indicators its nullable columns need.
struct StateRow {
  std::string table, column, encrypted, primary_key, phase_name, key_version, updated_at;
  std::string backfill_at, verify_at;
  soci::indicator backfill_ind = soci::i_null, verify_ind = soci::i_null;
  soci::indicator key_version_ind = soci::i_null;
  int verify_passed = 0;

  ColumnState to_state() const {
    ColumnState state;
    state.table = table;
    state.column = column;
    state.encrypted_column = encrypted;
    state.primary_key = primary_key;
    state.current = parse_phase(phase_name);
    if (key_version_ind == soci::i_ok) state.active_key_version = key_version;
    if (backfill_ind == soci::i_ok) state.last_backfill_at = backfill_at;
    if (verify_ind == soci::i_ok) state.last_verify_at = verify_at;
    state.last_verify_passed = verify_passed != 0;
    state.updated_at = updated_at;
    return state;
  }
};

soci::statement prepare_select(soci::session& session, StateRow& row, const std::string& where,
                               const std::string* table, const std::string* column) {
  soci::statement st(session);
  st.exchange(soci::into(row.table));
  st.exchange(soci::into(row.column));
  st.exchange(soci::into(row.encrypted));
  st.exchange(soci::into(row.primary_key));
  st.exchange(soci::into(row.phase_name));
  st.exchange(soci::into(row.key_version, row.key_version_ind));
  st.exchange(soci::into(row.backfill_at, row.backfill_ind));
  st.exchange(soci::into(row.verify_at, row.verify_ind));
  st.exchange(soci::into(row.verify_passed));
  st.exchange(soci::into(row.updated_at));
  if (table != nullptr) st.exchange(soci::use(*table));
  if (column != nullptr) st.exchange(soci::use(*column));
  st.alloc();
  st.prepare(std::string(select_columns) + where);
  st.define_and_bind();
  return st;
}

bool state_table_exists(soci::session& session) {
  return detail::table_exists(session, backend_of(session), "cryptcol_columns");
}

// Loads the row for `column`, or a fresh one shaped from the spec.
ColumnState state_for_update(soci::session& session, const ColumnSpec& column) {
  if (auto stored = load_column_state(session, column.table, column.plaintext_column)) {
    return *stored;
  }
  ColumnState state;
  state.table = column.table;
  state.column = column.plaintext_column;
  state.encrypted_column = column.resolved_encrypted_column();
  state.primary_key = column.primary_key;
  state.current = phase::backfilled;
  return state;
}

}  // namespace

const char* to_string(phase p) noexcept {
  switch (p) {
    case phase::plaintext: return "plaintext";
    case phase::expanded: return "expanded";
    case phase::dual_write: return "dual_write";
    case phase::backfilled: return "backfilled";
    case phase::verified: return "verified";
    case phase::cut_over: return "cut_over";
    case phase::contracted: return "contracted";
  }
  return "unknown";
}

phase parse_phase(const std::string& text) {
  for (phase p : {phase::plaintext, phase::expanded, phase::dual_write, phase::backfilled,
                  phase::verified, phase::cut_over, phase::contracted}) {
    if (text == to_string(p)) return p;
  }
  throw error(errc::invalid_argument, "unknown phase name in cryptcol_columns");
}

void ensure_column_state_table(soci::session& session) {
  if (state_table_exists(session)) return;
  try {
    session << create_table_sql;
  } catch (const std::exception& e) {
    // Two processes creating it at once: PostgreSQL lets one of them fail on the catalog's
    // unique index even with IF NOT EXISTS. The table existing afterwards is success.
    if (!state_table_exists(session)) {
      throw to_safe_error(e, "creating cryptcol_columns");
    }
  }
}

std::optional<ColumnState> load_column_state(soci::session& session, const std::string& table,
                                             const std::string& column) {
  if (!state_table_exists(session)) return std::nullopt;
  StateRow row;
  auto st = prepare_select(session, row, " WHERE table_name = :t AND column_name = :c", &table,
                           &column);
  if (!st.execute(true)) return std::nullopt;
  return row.to_state();
}

std::vector<ColumnState> load_all_column_states(soci::session& session) {
  std::vector<ColumnState> states;
  if (!state_table_exists(session)) return states;
  StateRow row;
  auto st = prepare_select(session, row, " ORDER BY table_name, column_name", nullptr, nullptr);
  st.execute();
  while (st.fetch()) states.push_back(row.to_state());
  return states;
}

void save_column_state(soci::session& session, const ColumnState& state) {
  validate_identifier(state.table);
  validate_identifier(state.column);
  validate_identifier(state.encrypted_column);
  validate_identifier(state.primary_key);
  ensure_column_state_table(session);
  const std::string phase_name = to_string(state.current);
  const std::string now = utc_timestamp();
  const int passed = state.last_verify_passed ? 1 : 0;
  std::string backfill_at = state.last_backfill_at.value_or("");
  std::string verify_at = state.last_verify_at.value_or("");
  soci::indicator backfill_ind = state.last_backfill_at ? soci::i_ok : soci::i_null;
  soci::indicator verify_ind = state.last_verify_at ? soci::i_ok : soci::i_null;
  // INSERT ... ON CONFLICT ... DO UPDATE: PostgreSQL 9.5+ and SQLite 3.24+.
  session << "INSERT INTO cryptcol_columns (table_name, column_name, encrypted_column,"
             " primary_key_column, phase, active_key_version, last_backfill_at, last_verify_at,"
             " last_verify_passed, updated_at)"
             " VALUES (:t, :c, :e, :pk, :ph, :kv, :bf, :vf, :vp, :up)"
             " ON CONFLICT (table_name, column_name) DO UPDATE SET"
             " encrypted_column = excluded.encrypted_column,"
             " primary_key_column = excluded.primary_key_column,"
             " phase = excluded.phase,"
             " active_key_version = excluded.active_key_version,"
             " last_backfill_at = excluded.last_backfill_at,"
             " last_verify_at = excluded.last_verify_at,"
             " last_verify_passed = excluded.last_verify_passed,"
             " updated_at = excluded.updated_at",
      soci::use(state.table), soci::use(state.column), soci::use(state.encrypted_column),
      soci::use(state.primary_key), soci::use(phase_name), soci::use(state.active_key_version),
      soci::use(backfill_at, backfill_ind), soci::use(verify_at, verify_ind), soci::use(passed),
      soci::use(now);
}

void record_backfill(soci::session& session, const ColumnSpec& column,
                     const std::string& key_version) {
  ensure_column_state_table(session);
  ColumnState state = state_for_update(session, column);
  state.active_key_version = key_version;
  state.last_backfill_at = utc_timestamp();
  // New ciphertexts were written: the last verify no longer speaks for them.
  state.last_verify_passed = false;
  if (state.current == phase::verified) state.current = phase::backfilled;
  save_column_state(session, state);
}

void record_verify(soci::session& session, const ColumnSpec& column, bool passed) {
  ensure_column_state_table(session);
  ColumnState state = state_for_update(session, column);
  state.last_verify_at = utc_timestamp();
  state.last_verify_passed = passed;
  if (!passed && state.current == phase::verified) state.current = phase::backfilled;
  save_column_state(session, state);
}

bool verify_gate_open(const ColumnState& state) noexcept {
  if (!state.last_verify_passed || !state.last_verify_at) return false;
  // Timestamps are fixed-width ISO-8601 UTC, so text order is time order.
  return !state.last_backfill_at || *state.last_verify_at >= *state.last_backfill_at;
}

}  // namespace cryptcol::migration
