#ifndef CRYPTCOL_DUAL_WRITE_HPP
#define CRYPTCOL_DUAL_WRITE_HPP

// The application's side of a column migration. A DualWriteColumn asks the database which
// phase the column is in (cryptcol_columns, re-read every few seconds) and writes and reads
// accordingly, so moving through the phases needs no redeploy:
//
//   phase                    writes                             reads
//   plaintext                plaintext                          plaintext
//   expanded                 plaintext, ciphertext set NULL     plaintext
//   dual_write..verified     plaintext and ciphertext           ciphertext, else plaintext
//   cut_over                 plaintext and ciphertext           ciphertext only
//   contracted               ciphertext (under the old name)    ciphertext only
//
// Both columns are written by one statement, so a reader never sees one without the other,
// and a backfill's compare-and-set never overwrites such a write.
//
//   cryptcol::DualWriteColumn history({"patients", "medical_history"});
//   history.insert(sql, 42, "...");            // INSERT INTO patients (id, <targets>) ...
//   history.update(sql, 42, "...");
//   std::optional<std::string> text = history.read(sql, 42);
//
// Composing a statement with other columns:
//   auto value = history.value(sql, text);
//   soci::statement st(sql);
//   st.exchange(soci::use(name));
//   value.bind(st);                            // in the order of placeholder_list()
//   st.alloc();
//   st.prepare("INSERT INTO patients (name, " + value.column_list() + ") VALUES (:name, " +
//              value.placeholder_list() + ")");
//   st.define_and_bind();
//   st.execute(true);
//
// A DualWriteColumn is shared by the threads of a service (each with its own session).
// Errors carry SQLSTATEs and identifiers, never a value.

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <soci/soci-backend.h>

#include "cryptcol/key_ring.hpp"
#include "cryptcol/migration/column.hpp"
#include "cryptcol/migration/column_state.hpp"

namespace soci {
class session;
class statement;
}  // namespace soci

namespace cryptcol {

enum class write_targets {
  plaintext_only,                 // no ciphertext column yet
  plaintext_clearing_ciphertext,  // ciphertext set NULL so it can never go stale
  both,
  ciphertext_only,                // plaintext column dropped
};

enum class read_source {
  plaintext,
  ciphertext_with_fallback,  // ciphertext when present and it decrypts, else plaintext
  ciphertext_only,
};

const char* to_string(write_targets targets) noexcept;
const char* to_string(read_source source) noexcept;

// How one phase routes writes and reads, with the column names in effect.
struct ColumnRoute {
  migration::phase phase = migration::phase::plaintext;
  write_targets writes = write_targets::plaintext_only;
  read_source reads = read_source::plaintext;
  std::string plaintext_column;   // empty once dropped
  std::string ciphertext_column;  // empty before it exists
};

// The routing table above. `ciphertext_column` is the column's current name (after
// contract: the original plaintext name).
ColumnRoute route_for_phase(migration::phase phase, const std::string& plaintext_column,
                            const std::string& ciphertext_column);

// How long a phase read from the database is trusted. Steps that change what applications
// write (dual-write on) should let this pass before relying on it (e.g. before backfill).
inline constexpr std::chrono::seconds default_phase_refresh{5};

struct DualWriteOptions {
  std::chrono::milliseconds refresh_interval = default_phase_refresh;
  // Fixes the phase instead of reading cryptcol_columns.
  std::optional<migration::phase> pinned_phase;
  // Phase assumed while cryptcol_columns has no row for the column.
  migration::phase unmanaged_phase = migration::phase::plaintext;
  // Ring for encrypting and decrypting; the process-wide default ring when null (looked up
  // on every call, so a hot-swapped ring takes effect at once).
  std::shared_ptr<const KeyRing> keys;
};

// One plaintext bound to the current write targets of a column, ready to be spliced into an
// INSERT or UPDATE. Holds the plaintext and its ciphertext; the plaintext is wiped on
// destruction. SOCI binds by reference: call bind() only once the value sits where it will
// stay until the statement has run.
class DualWriteValue {
 public:
  DualWriteValue(DualWriteValue&&) noexcept = default;
  DualWriteValue& operator=(DualWriteValue&&) noexcept = default;
  DualWriteValue(const DualWriteValue&) = delete;
  DualWriteValue& operator=(const DualWriteValue&) = delete;
  ~DualWriteValue();

  const ColumnRoute& route() const noexcept { return route_; }
  // "\"medical_history\", \"medical_history_encrypted\""
  std::string column_list() const;
  // ":cc_p_medical_history, :cc_e_medical_history" (NULL where the ciphertext is cleared)
  std::string placeholder_list() const;
  // "\"medical_history\" = :cc_p_medical_history, \"medical_history_encrypted\" = ..."
  std::string assignment_list() const;
  // Adds the use elements, in the order the placeholders appear in the lists.
  void bind(soci::statement& statement);

 private:
  friend class DualWriteColumn;
  DualWriteValue() = default;
  bool writes_plaintext() const noexcept;
  bool writes_ciphertext() const noexcept;
  bool clears_ciphertext() const noexcept;

  ColumnRoute route_;
  std::string plaintext_;
  std::string ciphertext_;
  soci::indicator plaintext_ind_ = soci::i_null;
  soci::indicator ciphertext_ind_ = soci::i_null;
};

class DualWriteColumn {
 public:
  explicit DualWriteColumn(migration::ColumnSpec column, DualWriteOptions options = {});
  DualWriteColumn(const DualWriteColumn&) = delete;
  DualWriteColumn& operator=(const DualWriteColumn&) = delete;

  const migration::ColumnSpec& column() const noexcept { return column_; }

  // The route for the current phase: cached, re-read from cryptcol_columns (through
  // `session`) once refresh_interval has passed.
  ColumnRoute route(soci::session& session);
  // Forgets the cached phase; the next call reads it again.
  void refresh() noexcept;

  // `plaintext` bound to the current write targets (nullopt writes NULL to all of them).
  // Throws errc::plaintext_too_long beyond column().max_plaintext_bytes, before any write.
  DualWriteValue value(soci::session& session, const std::optional<std::string>& plaintext);

  // INSERT INTO <table> (<pk>, <targets>) VALUES (...), one statement.
  void insert(soci::session& session, long long id, const std::optional<std::string>& plaintext);
  // UPDATE <table> SET <targets> WHERE <pk> = id, one statement; false when no row matched.
  bool update(soci::session& session, long long id, const std::optional<std::string>& plaintext);
  // The value of row `id` by the current read source; nullopt when the row does not exist
  // or the value is NULL. Never returns a ciphertext as if it were plaintext: a stored value
  // that is not readable as such throws (errc of the decryption failure).
  std::optional<std::string> read(soci::session& session, long long id);

 private:
  std::shared_ptr<const KeyRing> keys() const;
  template <typename Action>
  auto with_route(soci::session& session, const char* what, Action&& action);

  migration::ColumnSpec column_;
  DualWriteOptions options_;
  std::mutex mutex_;
  std::optional<ColumnRoute> cached_;
  std::chrono::steady_clock::time_point loaded_at_{};
};

// Free-function spellings of the member functions.
void insert_row(soci::session& session, DualWriteColumn& column, long long id,
                const std::optional<std::string>& plaintext);
bool update_value(soci::session& session, DualWriteColumn& column, long long id,
                  const std::optional<std::string>& plaintext);
std::optional<std::string> read_value(soci::session& session, DualWriteColumn& column,
                                      long long id);

}  // namespace cryptcol

#endif  // CRYPTCOL_DUAL_WRITE_HPP
