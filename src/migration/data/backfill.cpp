#include "cryptcol/migration/data/backfill.hpp"

#include <soci/soci.h>

#include "cryptcol/cipher.hpp"
#include "cryptcol/default_key_ring.hpp"
#include "cryptcol/error.hpp"
#include "cryptcol/migration/column_state.hpp"
#include "migration/data/batch_engine.hpp"
#include "migration/sql/dialect.hpp"

namespace cryptcol::migration {

namespace {

void refuse_after_contract(const SessionFactory& connect, const ColumnSpec& column) {
  std::unique_ptr<soci::session> session;
  std::optional<ColumnState> state;
  try {
    session = connect();
    state = load_column_state(*session, column.table, column.plaintext_column);
  } catch (...) {
    throw current_safe_error("backfill of " + column.qualified_name() + ": connecting");
  }
  if (state && state->current == phase::contracted) {
    throw error(errc::wrong_phase,
                column.qualified_name() + " is contracted: there is no plaintext to backfill");
  }
}

}  // namespace

BatchRunResult backfill(const SessionFactory& connect, const ColumnSpec& requested,
                        const BatchOptions& options) {
  const ColumnSpec column = requested.resolved();
  refuse_after_contract(connect, column);
  std::shared_ptr<const KeyRing> keys = ring_or_default(options.keys);

  const std::string enc = quote_identifier(column.encrypted_column);
  const std::string plain = quote_identifier(column.plaintext_column);
  detail::RowTransform transform;
  transform.verb = "backfill";
  transform.key_version = keys->active_version();
  transform.source_column = column.plaintext_column;
  transform.needs_work = "{t}" + enc + " IS NULL AND {t}" + plain + " IS NOT NULL";
  // Written only while the row still has no ciphertext and still holds the plaintext that
  // was encrypted: a concurrent application write wins, and the row is read again.
  transform.compare_and_set = "{t}" + enc + " IS NULL AND {t}" + plain + " = {src}";
  const std::size_t limit = column.max_plaintext_bytes;
  transform.apply = [keys, limit](const std::string& plaintext) -> std::optional<std::string> {
    if (limit > 0 && plaintext.size() > limit) return std::nullopt;
    try {
      return encrypt(*keys, plaintext);
    } catch (const error&) {
      return std::nullopt;  // e.g. not UTF-8: left for an operator, reported by id
    }
  };
  return detail::run_batch_job(connect, column, options, transform);
}

}  // namespace cryptcol::migration
