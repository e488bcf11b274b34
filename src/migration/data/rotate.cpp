#include "cryptcol/migration/data/rotate.hpp"

#include <soci/soci.h>

#include "cryptcol/cipher.hpp"
#include "cryptcol/default_key_ring.hpp"
#include "cryptcol/envelope.hpp"
#include "cryptcol/error.hpp"
#include "cryptcol/migration/column_state.hpp"
#include "migration/data/batch_engine.hpp"
#include "migration/data/ciphertext_column.hpp"
#include "migration/sql/dialect.hpp"

namespace cryptcol::migration {

BatchRunResult rotate(const SessionFactory& connect, const ColumnSpec& requested,
                      const BatchOptions& options) {
  requested.validate();
  detail::CiphertextColumn located;
  const auto what = [&] { return "rotation of " + requested.qualified_name() + ": connecting"; };
  with_safe_errors(what, [&] {
    auto session = connect();
    located = detail::locate_ciphertext(*session, requested);
  });
  std::shared_ptr<const KeyRing> keys = ring_or_default(options.keys);
  const std::string target = keys->active_version();

  const std::string enc = quote_identifier(located.column.encrypted_column);
  detail::RowTransform transform;
  transform.verb = "rotate";
  transform.key_version = target;
  transform.source_column = located.column.encrypted_column;
  transform.needs_work =
      "{t}" + enc + " IS NOT NULL AND NOT (" + detail::has_version_sql("{t}" + enc, target) + ")";
  // Replaced only while it still holds the ciphertext that was re-encrypted.
  transform.compare_and_set = "{t}" + enc + " = {src}";
  transform.apply = [keys](const std::string& stored) -> std::optional<std::string> {
    try {
      return reencrypt(*keys, stored);
    } catch (const error&) {
      return std::nullopt;  // malformed, unknown key or failed tag: reported by id
    }
  };
  return detail::run_batch_job(connect, located.column, options, transform);
}

std::map<std::string, std::uint64_t> key_version_histogram(soci::session& session,
                                                           const ColumnSpec& column) {
  const auto what = [&] { return "key version histogram of " + column.qualified_name(); };
  return with_safe_errors(what, [&] {
    auto located = detail::locate_ciphertext(session, column);
    return detail::version_histogram(session, located.column.table,
                                     located.column.encrypted_column);
  });
}

void check_key_retirable(soci::session& session, const std::string& version) {
  validate_version_id(version);
  std::uint64_t rows = 0;
  std::vector<std::string> holders;
  for (const ColumnState& state : load_all_column_states(session)) {
    if (state.current == phase::plaintext) continue;  // no ciphertext column yet
    long long count = 0;
    const auto what = [&] {
      return "counting key " + version + " in " + state.table + "." + state.column;
    };
    with_safe_errors(what, [&] {
      const std::string enc = quote_identifier(state.encrypted_column);
      session << "SELECT COUNT(*) FROM " + quote_identifier(state.table) + " WHERE " + enc +
                     " IS NOT NULL AND " + detail::has_version_sql(enc, version),
          soci::into(count);
    });
    if (count > 0) {
      rows += static_cast<std::uint64_t>(count);
      holders.push_back(state.table + "." + state.column);
    }
  }
  if (rows > 0) {
    std::string where;
    for (const auto& h : holders) where += (where.empty() ? "" : ", ") + h;
    throw error(errc::key_in_use, "key " + version + " still encrypts " + std::to_string(rows) +
                                      " row(s) in " + where);
  }
}

}  // namespace cryptcol::migration
