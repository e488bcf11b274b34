#include "cryptcol/migration/data/verify.hpp"

#include <algorithm>
#include <exception>

#include <soci/soci.h>

#include "cryptcol/cipher.hpp"
#include "cryptcol/default_key_ring.hpp"
#include "cryptcol/error.hpp"
#include "cryptcol/migration/column_state.hpp"
#include "cryptcol/secure_memory.hpp"
#include "migration/data/ciphertext_column.hpp"
#include "migration/sql/dialect.hpp"
#include "migration/support/json.hpp"

namespace cryptcol::migration {

namespace {

class Checker {
 public:
  Checker(VerifyReport& report, const KeyRing& keys, std::size_t max_ids)
      : report_(report), keys_(keys), max_ids_(max_ids) {}

  // One row: the ciphertext must decrypt, and (while the plaintext column exists) to the
  // plaintext. Rows without ciphertext are counted as missing by the count query.
  void check(long long id, const std::string* plaintext, const std::string& stored) {
    ++report_.checked;
    std::string decrypted;
    try {
      decrypted = decrypt(keys_, stored);
    } catch (const error&) {
      ++report_.undecryptable;
      note_mismatch(id);
      return;
    }
    if (!report_.plaintext_dropped &&
        (plaintext == nullptr || !constant_time_equal(decrypted, *plaintext))) {
      ++report_.mismatched;
      note_mismatch(id);
    }
    secure_wipe(decrypted);
  }

 private:
  void note_mismatch(long long id) {
    if (report_.mismatched_ids.size() < max_ids_) report_.mismatched_ids.push_back(id);
  }
  VerifyReport& report_;
  const KeyRing& keys_;
  std::size_t max_ids_;
};

struct Columns {
  std::string table, pk, plain, enc;
};

void count_rows(soci::session& session, const Columns& c, VerifyReport& report) {
  long long total = 0, with_plain = 0, with_cipher = 0, missing = 0;
  soci::indicator i1 = soci::i_null, i2 = soci::i_null, i3 = soci::i_null;
  if (report.plaintext_dropped) {
    session << "SELECT COUNT(*), SUM(CASE WHEN " + c.enc + " IS NOT NULL THEN 1 ELSE 0 END) FROM " +
                   c.table,
        soci::into(total), soci::into(with_cipher, i2);
  } else {
    session << "SELECT COUNT(*), SUM(CASE WHEN " + c.plain +
                   " IS NOT NULL THEN 1 ELSE 0 END), SUM(CASE WHEN " + c.enc +
                   " IS NOT NULL THEN 1 ELSE 0 END), SUM(CASE WHEN " + c.plain +
                   " IS NOT NULL AND " + c.enc + " IS NULL THEN 1 ELSE 0 END) FROM " + c.table,
        soci::into(total), soci::into(with_plain, i1), soci::into(with_cipher, i2),
        soci::into(missing, i3);
  }
  report.total_rows = static_cast<std::uint64_t>(total);
  report.with_plaintext = i1 == soci::i_ok ? static_cast<std::uint64_t>(with_plain) : 0;
  report.with_ciphertext = i2 == soci::i_ok ? static_cast<std::uint64_t>(with_cipher) : 0;
  report.missing = i3 == soci::i_ok ? static_cast<std::uint64_t>(missing) : 0;
}

void list_missing(soci::session& session, const Columns& c, const VerifyOptions& options,
                  VerifyReport& report) {
  if (report.missing == 0 || options.max_reported_ids == 0) return;
  std::vector<long long> ids(options.max_reported_ids);
  session << "SELECT " + c.pk + " FROM " + c.table + " WHERE " + c.plain + " IS NOT NULL AND " +
                 c.enc + " IS NULL ORDER BY " + c.pk + " LIMIT " +
                 std::to_string(options.max_reported_ids),
      soci::into(ids);
  report.missing_ids = std::move(ids);
}

// Reads (pk, plaintext, ciphertext) rows with `sql` and checks those with a ciphertext.
void check_rows(soci::session& session, const std::string& sql, long long cursor,
                std::size_t rows, bool keyset, bool dropped, Checker& checker,
                std::vector<long long>& ids) {
  std::vector<std::string> plains(rows), encs(rows);
  std::vector<soci::indicator> plain_inds(rows), enc_inds(rows);
  ids.assign(rows, 0);
  if (dropped && keyset) {
    session << sql, soci::use(cursor), soci::into(ids), soci::into(encs, enc_inds);
  } else if (dropped) {
    session << sql, soci::into(ids), soci::into(encs, enc_inds);
  } else if (keyset) {
    session << sql, soci::use(cursor), soci::into(ids), soci::into(plains, plain_inds),
        soci::into(encs, enc_inds);
  } else {
    session << sql, soci::into(ids), soci::into(plains, plain_inds), soci::into(encs, enc_inds);
  }
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (enc_inds[i] != soci::i_ok) continue;
    const bool has_plain = !dropped && plain_inds[i] == soci::i_ok;
    checker.check(ids[i], has_plain ? &plains[i] : nullptr, encs[i]);
  }
  for (auto& p : plains) secure_wipe(p);
}

void compare_all(soci::session& session, const Columns& c, const VerifyOptions& options,
                 VerifyReport& report, Checker& checker) {
  const std::size_t batch = std::max<std::size_t>(1, options.batch_size);
  const std::string selected = report.plaintext_dropped ? c.pk + ", " + c.enc
                                                        : c.pk + ", " + c.plain + ", " + c.enc;
  const std::string sql = "SELECT " + selected + " FROM " + c.table + " WHERE " + c.pk +
                          " > :cursor ORDER BY " + c.pk + " LIMIT " + std::to_string(batch);
  // Keyset pagination from below the smallest key.
  long long cursor = 0;
  soci::indicator ind = soci::i_null;
  session << "SELECT MIN(" + c.pk + ") FROM " + c.table, soci::into(cursor, ind);
  if (ind != soci::i_ok) return;
  --cursor;
  std::vector<long long> ids;
  while (true) {
    check_rows(session, sql, cursor, batch, true, report.plaintext_dropped, checker, ids);
    if (ids.empty()) break;
    cursor = ids.back();
    if (ids.size() < batch) break;
  }
}

void compare_sample(soci::session& session, const Columns& c, const VerifyOptions& options,
                    VerifyReport& report, Checker& checker) {
  const std::string selected = report.plaintext_dropped ? c.pk + ", " + c.enc
                                                        : c.pk + ", " + c.plain + ", " + c.enc;
  // random() exists in both dialects; a sample of k rows is one sort, not k look-ups.
  const std::string sql = "SELECT " + selected + " FROM " + c.table + " WHERE " + c.enc +
                          " IS NOT NULL ORDER BY random() LIMIT " +
                          std::to_string(options.sample_size);
  std::vector<long long> ids;
  check_rows(session, sql, 0, static_cast<std::size_t>(options.sample_size), false,
             report.plaintext_dropped, checker, ids);
}

}  // namespace

VerifyReport verify(soci::session& session, const ColumnSpec& requested,
                    const VerifyOptions& options) {
  VerifyReport report;
  report.table = requested.table;
  report.column = requested.plaintext_column;
  std::shared_ptr<const KeyRing> keys = ring_or_default(options.keys);
  with_safe_errors([&] { return "verify of " + requested.qualified_name(); }, [&] {
    const auto located = detail::locate_ciphertext(session, requested);
    report.plaintext_dropped = located.plaintext_dropped;
    Columns c{quote_identifier(located.column.table),
              quote_identifier(located.column.primary_key),
              quote_identifier(located.column.plaintext_column),
              quote_identifier(located.column.encrypted_column)};

    count_rows(session, c, report);
    report.key_versions =
        detail::version_histogram(session, located.column.table, located.column.encrypted_column);
    if (!report.plaintext_dropped) list_missing(session, c, options, report);

    Checker checker(report, *keys, options.max_reported_ids);
    if (options.sample_size == 0) {
      compare_all(session, c, options, report, checker);
    } else {
      compare_sample(session, c, options, report, checker);
    }
    if (options.record_result) record_verify(session, requested, report.passed());
  });
  return report;
}

std::string to_json(const VerifyReport& report) {
  detail::json out;
  out["table"] = report.table;
  out["column"] = report.column;
  out["passed"] = report.passed();
  out["plaintext_dropped"] = report.plaintext_dropped;
  out["total_rows"] = report.total_rows;
  out["with_plaintext"] = report.with_plaintext;
  out["with_ciphertext"] = report.with_ciphertext;
  out["missing"] = report.missing;
  out["checked"] = report.checked;
  out["mismatched"] = report.mismatched;
  out["undecryptable"] = report.undecryptable;
  out["key_versions"] = report.key_versions;
  out["missing_ids"] = report.missing_ids;
  out["mismatched_ids"] = report.mismatched_ids;
  return detail::json_line(out);
}

}  // namespace cryptcol::migration
