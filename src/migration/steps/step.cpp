#include "cryptcol/migration/steps/step.hpp"

#include <algorithm>
#include <thread>

#include <soci/soci.h>

#include "cryptcol/default_key_ring.hpp"
#include "cryptcol/error.hpp"
#include "migration/sql/dialect.hpp"
#include "migration/support/backoff.hpp"

namespace cryptcol::migration {

namespace {

// "ALTER TABLE", "CREATE INDEX": enough to name a failed statement without quoting it.
std::string statement_verb(const std::string& sql) {
  std::string verb;
  int words = 0;
  bool in_word = false;
  for (char c : sql) {
    const bool letter = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
    if (letter) {
      if (!in_word && ++words > 2) break;
      if (!in_word && !verb.empty()) verb += ' ';
      in_word = true;
      verb += static_cast<char>(c >= 'a' ? c - 'a' + 'A' : c);
    } else {
      if (in_word && c != ' ' && c != '\t' && c != '\n') break;
      in_word = false;
    }
  }
  return verb.empty() ? std::string("statement") : verb;
}

std::string milliseconds_literal(std::chrono::milliseconds ms) {
  return "'" + std::to_string(ms.count()) + "ms'";
}

}  // namespace

const char* to_string(risk_level level) noexcept {
  switch (level) {
    case risk_level::low: return "LOW";
    case risk_level::medium: return "MEDIUM";
    case risk_level::high: return "HIGH";
    case risk_level::critical: return "CRITICAL";
  }
  return "UNKNOWN";
}

StepResult Step::down(StepContext&) {
  throw error(errc::irreversible_step, "step " + name() + " has no down");
}

StepContext::StepContext(soci::session& session, SessionFactory connect, StepOptions options,
                         AuditSink* audit)
    : session_(&session),
      connect_(std::move(connect)),
      options_(std::move(options)),
      audit_(audit),
      kind_(backend_of(session)) {}

std::shared_ptr<const KeyRing> StepContext::keys() const {
  return ring_or_default(options_.keys);
}

void StepContext::execute_ddl(const std::string& sql) { run_with_lock_retry({sql}, false); }

void StepContext::execute_ddl_transaction(const std::vector<std::string>& statements) {
  run_with_lock_retry(statements, true);
}

void StepContext::execute_ddl_transaction(
    const std::vector<std::string>& statements,
    const std::function<void(soci::session&)>& in_transaction) {
  run_with_lock_retry(statements, true, in_transaction);
}

soci::session& StepContext::ensure_connected() {
  if (kind_ != backend::postgresql) return *session_;  // a file does not drop connections
  try {
    int one = 0;
    *session_ << "SELECT 1", soci::into(one);
    return *session_;
  } catch (const soci::soci_error&) {
    // Gone: reconnect below.
  }
  detail::Backoff backoff(std::chrono::milliseconds(200), std::chrono::milliseconds(3200));
  const unsigned attempts = std::max(1u, options_.batch.max_attempts);
  for (unsigned attempt = 1;; ++attempt) {
    try {
      auto fresh = connect_();
      detail::prepare_session(*fresh, kind_);
      replacement_ = std::move(fresh);
      session_ = replacement_.get();
      return *session_;
    } catch (...) {
      if (attempt >= attempts) {
        throw current_safe_error("reconnecting the migration session failed after " +
                                 std::to_string(attempt) + " attempts");
      }
    }
    backoff.sleep();
  }
}

std::uint64_t StepContext::count(const std::string& sql) {
  long long n = 0;
  try {
    *session_ << sql, soci::into(n);
  } catch (...) {
    throw current_safe_error("counting rows failed (" + statement_verb(sql) + ")");
  }
  return n < 0 ? 0 : static_cast<std::uint64_t>(n);
}

void StepContext::describe(std::string sql, std::optional<std::uint64_t> rows, bool executed) {
  statements_.push_back(PlannedStatement{std::move(sql), rows, executed});
}

void StepContext::note(std::string text) { notes_.push_back(std::move(text)); }

void StepContext::begin_step() {
  statements_.clear();
  notes_.clear();
  lock_retries_ = 0;
}

void StepContext::run_with_lock_retry(const std::vector<std::string>& statements,
                                      bool transaction,
                                      const std::function<void(soci::session&)>& in_transaction) {
  if (statements.empty()) return;
  if (dry_run()) {
    for (const auto& sql : statements) describe(sql);
    return;
  }
  const DdlOptions& ddl = options_.ddl;
  const bool postgres = kind_ == backend::postgresql;
  detail::Backoff backoff(ddl.initial_backoff, ddl.max_backoff);
  const unsigned attempts = std::max(ddl.max_attempts, 1u);

  std::string ignored_setting;
  for (unsigned attempt = 1;; ++attempt) {
    std::size_t current = 0;
    try {
      if (transaction) {
        detail::begin_write_transaction(*session_, kind_);
        if (postgres) {
          *session_ << "SET LOCAL lock_timeout = " + milliseconds_literal(ddl.lock_timeout);
          if (ddl.statement_timeout.count() > 0) {
            *session_ << "SET LOCAL statement_timeout = " +
                             milliseconds_literal(ddl.statement_timeout);
          }
        }
        for (; current < statements.size(); ++current) *session_ << statements[current];
        if (in_transaction) in_transaction(*session_);
        detail::commit(*session_);
      } else {
        // Session-level settings, put back afterwards: the session also records history.
        std::string previous_lock, previous_statement;
        if (postgres) {
          *session_ << "SHOW lock_timeout", soci::into(previous_lock);
          *session_ << "SET lock_timeout = " + milliseconds_literal(ddl.lock_timeout);
          if (ddl.statement_timeout.count() > 0) {
            *session_ << "SHOW statement_timeout", soci::into(previous_statement);
            *session_ << "SET statement_timeout = " + milliseconds_literal(ddl.statement_timeout);
          }
        }
        auto restore = [&] {
          if (!postgres) return;
          *session_ << "SELECT set_config('lock_timeout', :v, false)", soci::use(previous_lock),
              soci::into(ignored_setting);
          if (!previous_statement.empty()) {
            *session_ << "SELECT set_config('statement_timeout', :v, false)",
                soci::use(previous_statement), soci::into(ignored_setting);
          }
        };
        try {
          for (; current < statements.size(); ++current) *session_ << statements[current];
        } catch (...) {
          try {
            restore();
          } catch (...) {
            // The connection is broken; the error being handled says so.
          }
          throw;
        }
        restore();
      }
      for (const auto& sql : statements) describe(sql, std::nullopt, true);
      return;
    } catch (const std::exception& e) {
      if (transaction) detail::rollback_quietly(*session_);
      const std::string what =
          statement_verb(statements[std::min(current, statements.size() - 1)]);
      if (!detail::is_lock_timeout(e)) throw to_safe_error(e, what + " failed");
      ++lock_retries_;
      if (attempt >= attempts) {
        throw error(errc::lock_timeout, what + ": table lock not obtained within " +
                                            std::to_string(ddl.lock_timeout.count()) +
                                            " ms in " + std::to_string(attempts) + " attempts");
      }
    }
    backoff.sleep();
  }
}

}  // namespace cryptcol::migration
