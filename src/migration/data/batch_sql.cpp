#include "migration/data/batch_sql.hpp"

#include <soci/soci.h>

#include "migration/data/job_ranges.hpp"

namespace cryptcol::migration::detail {

BatchStatements batch_statements(const ColumnSpec& c, const RowTransform& transform,
                                 std::chrono::milliseconds lease) {
  const std::string table = quote_identifier(c.table);
  const std::string pk = quote_identifier(c.primary_key);
  const std::string enc = quote_identifier(c.encrypted_column);
  const std::string src = quote_identifier(transform.source_column);
  const std::string keyset = " FROM " + table + " WHERE " + pk + " > :cc_cursor AND " + pk +
                             " <= :cc_end AND (" + expand_template(transform.needs_work, "") +
                             ") ORDER BY " + pk + " LIMIT :cc_limit";
  BatchStatements s;
  s.sqlite_select = "SELECT " + pk + ", " + src + keyset;
  s.sqlite_update = "UPDATE " + table + " SET " + enc + " = :cc_new WHERE " + pk +
                    " = :cc_id AND (" +
                    expand_template(transform.compare_and_set, "", ":cc_old") + ")";

  // The compare-and-set on PostgreSQL is on xmin, which every committed change of the row
  // replaces, so no value needs to travel back.
  s.postgres_select = "SELECT " + pk + ", " + src + ", xmin::text" + keyset;

  // A row is written only if it still needs work and is the very version that was read
  // (xmin unchanged); lost races keep the checkpoint where the batch began so those rows
  // are read again. Lists are comma-separated and split on the server with
  // string_to_array(): far cheaper to parse than array literals, and safe because no
  // element can hold a comma (integers, xids, and text envelopes).
  const std::string checkpoint = checkpoint_update_sql(
      backend::postgresql, lease,
      {"CASE WHEN cnt.written = p.n THEN p.last_id ELSE p.fallback_id END", "cnt.written",
       "p.exhausted = 1 AND (cnt.written = p.n OR p.fallback_id = p.last_id)", "p.job",
       "p.start_pk", "p.owner", "p, cnt"});
  s.postgres_update =
      "WITH p AS (SELECT CAST(:cc_n AS BIGINT) AS n, CAST(:cc_last AS BIGINT) AS last_id,"
      " CAST(:cc_fallback AS BIGINT) AS fallback_id, CAST(:cc_exhausted AS INTEGER) AS exhausted,"
      " CAST(:cc_job AS TEXT) AS job, CAST(:cc_start AS BIGINT) AS start_pk,"
      " CAST(:cc_owner AS TEXT) AS owner),"
      " upd AS (UPDATE " + table + " AS cc_t SET " + enc + " = u.cc_new FROM unnest("
      "CAST(string_to_array(CAST(:cc_ids AS TEXT), ',') AS BIGINT[]),"
      " string_to_array(CAST(:cc_news AS TEXT), ','),"
      " string_to_array(CAST(:cc_versions AS TEXT), ',')) AS u(cc_id, cc_new, cc_version)"
      " WHERE cc_t." + pk + " = u.cc_id AND (" + expand_template(transform.needs_work, "cc_t.") +
      ") AND CAST(cc_t.xmin AS TEXT) = u.cc_version RETURNING 1),"
      " cnt AS (SELECT count(*) AS written FROM upd),"
      " ck AS (" + checkpoint + " RETURNING 1)"
      " SELECT (SELECT written FROM cnt), (SELECT count(*) FROM ck)";
  return s;
}

Scope measure_scope(soci::session& session, const ColumnSpec& column, const RowTransform& t,
                    std::optional<long long> lower, std::optional<long long> upper) {
  const std::string pk = quote_identifier(column.primary_key);
  const std::string needs = "(" + expand_template(t.needs_work, "") + ")";
  std::string where;
  if (lower && upper) {
    where = " WHERE " + pk + " >= " + std::to_string(*lower) + " AND " + pk +
            " <= " + std::to_string(*upper);
  }
  long long needing = 0, all = 0, lo = 0, hi = 0;
  soci::indicator needing_ind = soci::i_null, lo_ind = soci::i_null, hi_ind = soci::i_null;
  session << "SELECT SUM(CASE WHEN " + needs + " THEN 1 ELSE 0 END), MIN(CASE WHEN " + needs +
                 " THEN " + pk + " END), MAX(CASE WHEN " + needs + " THEN " + pk +
                 " END), COUNT(*) FROM " + quote_identifier(column.table) + where,
      soci::into(needing, needing_ind), soci::into(lo, lo_ind), soci::into(hi, hi_ind),
      soci::into(all);
  Scope scope;
  scope.needing_work = needing_ind == soci::i_ok ? static_cast<std::uint64_t>(needing) : 0;
  scope.all_rows = static_cast<std::uint64_t>(all);
  if (lo_ind == soci::i_ok) scope.min_pk = lo;
  if (hi_ind == soci::i_ok) scope.max_pk = hi;
  return scope;
}

std::string keys_needing_work_sql(const ColumnSpec& column, const RowTransform& transform) {
  return "SELECT " + quote_identifier(column.primary_key) + " AS pk FROM " +
         quote_identifier(column.table) + " WHERE " + expand_template(transform.needs_work, "");
}

}  // namespace cryptcol::migration::detail
