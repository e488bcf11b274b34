#include "cryptcol/migration/dual_write.hpp"

#include <exception>
#include <utility>

#include <soci/soci.h>

#include "cryptcol/cipher.hpp"
#include "cryptcol/default_key_ring.hpp"
#include "cryptcol/envelope.hpp"
#include "cryptcol/error.hpp"
#include "cryptcol/secure_memory.hpp"
#include "migration/sql/dialect.hpp"

namespace cryptcol {

using migration::phase;

namespace {

// A plaintext column's value, unless it is in fact a ciphertext (a column renamed under a
// reader whose phase was stale): then its decryption, or an error, never the envelope.
std::string plaintext_from_plain_column(const KeyRing& keys, std::string value) {
  if (!looks_like_text_envelope(value)) return value;
  return decrypt(keys, value);
}

void run(soci::statement& st, const std::string& sql) {
  st.alloc();
  st.prepare(sql);
  st.define_and_bind();
  st.execute(true);
}

}  // namespace

const char* to_string(write_targets targets) noexcept {
  switch (targets) {
    case write_targets::plaintext_only: return "plaintext";
    case write_targets::plaintext_clearing_ciphertext: return "plaintext (ciphertext cleared)";
    case write_targets::both: return "plaintext and ciphertext";
    case write_targets::ciphertext_only: return "ciphertext";
  }
  return "unknown";
}

const char* to_string(read_source source) noexcept {
  switch (source) {
    case read_source::plaintext: return "plaintext";
    case read_source::ciphertext_with_fallback: return "ciphertext with plaintext fallback";
    case read_source::ciphertext_only: return "ciphertext";
  }
  return "unknown";
}

ColumnRoute route_for_phase(phase p, const std::string& plaintext_column,
                            const std::string& ciphertext_column) {
  ColumnRoute route;
  route.phase = p;
  route.plaintext_column = plaintext_column;
  route.ciphertext_column = ciphertext_column;
  switch (p) {
    case phase::plaintext:
      route.writes = write_targets::plaintext_only;
      route.reads = read_source::plaintext;
      route.ciphertext_column.clear();
      break;
    case phase::expanded:
      route.writes = write_targets::plaintext_clearing_ciphertext;
      route.reads = read_source::plaintext;
      break;
    case phase::dual_write:
    case phase::backfilled:
    case phase::verified:
      route.writes = write_targets::both;
      route.reads = read_source::ciphertext_with_fallback;
      break;
    case phase::cut_over:
      route.writes = write_targets::both;
      route.reads = read_source::ciphertext_only;
      break;
    case phase::contracted:
      route.writes = write_targets::ciphertext_only;
      route.reads = read_source::ciphertext_only;
      route.plaintext_column.clear();
      break;
  }
  return route;
}

// ---- DualWriteValue ----------------------------------------------------------------------

DualWriteValue::~DualWriteValue() { secure_wipe(plaintext_); }

bool DualWriteValue::writes_plaintext() const noexcept {
  return route_.writes != write_targets::ciphertext_only;
}
bool DualWriteValue::writes_ciphertext() const noexcept {
  return route_.writes == write_targets::both || route_.writes == write_targets::ciphertext_only;
}
bool DualWriteValue::clears_ciphertext() const noexcept {
  return route_.writes == write_targets::plaintext_clearing_ciphertext;
}

std::string DualWriteValue::column_list() const {
  std::string out;
  auto add = [&out](const std::string& column) {
    if (!out.empty()) out += ", ";
    out += migration::quote_identifier(column);
  };
  if (writes_plaintext()) add(route_.plaintext_column);
  if (writes_ciphertext() || clears_ciphertext()) add(route_.ciphertext_column);
  return out;
}

std::string DualWriteValue::placeholder_list() const {
  std::string out;
  auto add = [&out](const std::string& text) {
    if (!out.empty()) out += ", ";
    out += text;
  };
  if (writes_plaintext()) add(":cc_p_" + route_.plaintext_column);
  if (writes_ciphertext()) add(":cc_e_" + route_.ciphertext_column);
  if (clears_ciphertext()) add("NULL");
  return out;
}

std::string DualWriteValue::assignment_list() const {
  std::string out;
  auto add = [&out](const std::string& column, const std::string& value) {
    if (!out.empty()) out += ", ";
    out += migration::quote_identifier(column) + " = " + value;
  };
  if (writes_plaintext()) add(route_.plaintext_column, ":cc_p_" + route_.plaintext_column);
  if (writes_ciphertext()) add(route_.ciphertext_column, ":cc_e_" + route_.ciphertext_column);
  if (clears_ciphertext()) add(route_.ciphertext_column, "NULL");
  return out;
}

void DualWriteValue::bind(soci::statement& statement) {
  if (writes_plaintext()) statement.exchange(soci::use(plaintext_, plaintext_ind_));
  if (writes_ciphertext()) statement.exchange(soci::use(ciphertext_, ciphertext_ind_));
}

// ---- DualWriteColumn ---------------------------------------------------------------------

DualWriteColumn::DualWriteColumn(migration::ColumnSpec column, DualWriteOptions options)
    : column_(column.resolved()), options_(std::move(options)) {}

std::shared_ptr<const KeyRing> DualWriteColumn::keys() const {
  return ring_or_default(options_.keys);
}

void DualWriteColumn::refresh() noexcept {
  std::lock_guard<std::mutex> lock(mutex_);
  cached_.reset();
}

ColumnRoute DualWriteColumn::route(soci::session& session) {
  if (options_.pinned_phase) {
    return route_for_phase(*options_.pinned_phase, column_.plaintext_column,
                           column_.encrypted_column);
  }
  std::lock_guard<std::mutex> lock(mutex_);
  const auto now = std::chrono::steady_clock::now();
  if (cached_ && now - loaded_at_ < options_.refresh_interval) return *cached_;
  std::optional<migration::ColumnState> state;
  const auto what = [&] { return "reading the phase of " + column_.qualified_name(); };
  migration::with_safe_errors(what, [&] {
    // load_column_state looks in the catalog first, so a missing state table does not
    // raise an error (which on PostgreSQL would abort the caller's transaction).
    state = migration::load_column_state(session, column_.table, column_.plaintext_column);
  });
  cached_ = state ? route_for_phase(state->current, column_.plaintext_column,
                                    state->encrypted_column)
                  : route_for_phase(options_.unmanaged_phase, column_.plaintext_column,
                                    column_.encrypted_column);
  loaded_at_ = now;
  return *cached_;
}

DualWriteValue DualWriteColumn::value(soci::session& session,
                                      const std::optional<std::string>& plaintext) {
  DualWriteValue value;
  value.route_ = route(session);
  if (!plaintext) return value;  // NULL everywhere
  if (column_.max_plaintext_bytes > 0 && plaintext->size() > column_.max_plaintext_bytes) {
    throw error(errc::plaintext_too_long,
                column_.qualified_name() + " holds at most " +
                    std::to_string(column_.max_plaintext_bytes) + " bytes, value has " +
                    std::to_string(plaintext->size()));
  }
  value.plaintext_ = *plaintext;
  value.plaintext_ind_ = soci::i_ok;
  if (value.writes_ciphertext()) {
    value.ciphertext_ = encrypt(*keys(), *plaintext);
    value.ciphertext_ind_ = soci::i_ok;
  }
  return value;
}

// Runs `action` with the current route. A statement failing under a cached route may mean
// the phase moved (contract renamed the column): the phase is read again and, if it did
// move, the action runs once more under the new route.
template <typename Action>
auto DualWriteColumn::with_route(soci::session& session, const char* what, Action&& action) {
  const std::string context = std::string(what) + " " + column_.qualified_name();
  ColumnRoute first = route(session);
  try {
    return action(first);
  } catch (const std::exception& e) {
    // Also for cryptcol errors: a column renamed under a stale route can surface as a value
    // that does not decrypt rather than as a missing column.
    if (options_.pinned_phase) throw migration::to_safe_error(e, context);
    refresh();
    ColumnRoute second;
    try {
      second = route(session);
    } catch (...) {
      throw migration::to_safe_error(e, context);
    }
    if (second.phase == first.phase) throw migration::to_safe_error(e, context);
  }
  return migration::with_safe_errors([&] { return context; }, [&] {
    return action(route(session));
  });
}

void DualWriteColumn::insert(soci::session& session, long long id,
                             const std::optional<std::string>& plaintext) {
  with_route(session, "dual-write insert into", [&](const ColumnRoute&) {
    DualWriteValue v = value(session, plaintext);
    soci::statement st(session);
    st.exchange(soci::use(id));
    v.bind(st);
    run(st, "INSERT INTO " + migration::quote_identifier(column_.table) + " (" +
                migration::quote_identifier(column_.primary_key) + ", " + v.column_list() +
                ") VALUES (:cc_id, " + v.placeholder_list() + ")");
    return 0;
  });
}

bool DualWriteColumn::update(soci::session& session, long long id,
                             const std::optional<std::string>& plaintext) {
  return with_route(session, "dual-write update of", [&](const ColumnRoute&) {
    DualWriteValue v = value(session, plaintext);
    soci::statement st(session);
    v.bind(st);
    st.exchange(soci::use(id));
    run(st, "UPDATE " + migration::quote_identifier(column_.table) + " SET " +
                v.assignment_list() + " WHERE " +
                migration::quote_identifier(column_.primary_key) + " = :cc_id");
    return st.get_affected_rows() > 0;
  });
}

std::optional<std::string> DualWriteColumn::read(soci::session& session, long long id) {
  return with_route(session, "read of", [&](const ColumnRoute& route) -> std::optional<std::string> {
    const std::string table = migration::quote_identifier(column_.table);
    const std::string where =
        " WHERE " + migration::quote_identifier(column_.primary_key) + " = :cc_id";
    std::string plain, stored;
    soci::indicator plain_ind = soci::i_null, stored_ind = soci::i_null;
    std::optional<std::string> result;
    switch (route.reads) {
      case read_source::plaintext:
        session << "SELECT " + migration::quote_identifier(route.plaintext_column) + " FROM " +
                       table + where,
            soci::use(id), soci::into(plain, plain_ind);
        if (session.got_data() && plain_ind == soci::i_ok) {
          result = plaintext_from_plain_column(*keys(), std::move(plain));
        }
        break;
      case read_source::ciphertext_with_fallback:
        session << "SELECT " + migration::quote_identifier(route.plaintext_column) + ", " +
                       migration::quote_identifier(route.ciphertext_column) + " FROM " + table +
                       where,
            soci::use(id), soci::into(plain, plain_ind), soci::into(stored, stored_ind);
        if (!session.got_data()) break;
        if (stored_ind == soci::i_ok) {
          try {
            result = decrypt(*keys(), stored);
            break;
          } catch (const error&) {
            // Unreadable ciphertext: the plaintext column is still authoritative here.
            if (plain_ind != soci::i_ok) throw;
          }
        }
        if (plain_ind == soci::i_ok) result = plaintext_from_plain_column(*keys(), std::move(plain));
        break;
      case read_source::ciphertext_only:
        session << "SELECT " + migration::quote_identifier(route.ciphertext_column) + " FROM " +
                       table + where,
            soci::use(id), soci::into(stored, stored_ind);
        if (session.got_data() && stored_ind == soci::i_ok) result = decrypt(*keys(), stored);
        break;
    }
    secure_wipe(plain);
    return result;
  });
}

void insert_row(soci::session& session, DualWriteColumn& column, long long id,
                const std::optional<std::string>& plaintext) {
  column.insert(session, id, plaintext);
}

bool update_value(soci::session& session, DualWriteColumn& column, long long id,
                  const std::optional<std::string>& plaintext) {
  return column.update(session, id, plaintext);
}

std::optional<std::string> read_value(soci::session& session, DualWriteColumn& column,
                                      long long id) {
  return column.read(session, id);
}

}  // namespace cryptcol
