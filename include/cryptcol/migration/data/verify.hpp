#ifndef CRYPTCOL_MIGRATION_VERIFY_HPP
#define CRYPTCOL_MIGRATION_VERIFY_HPP

// Phase 4: every row has a ciphertext and it decrypts to the plaintext. Reports counts,
// key versions and mismatching primary keys, never a value.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "cryptcol/key_ring.hpp"
#include "cryptcol/migration/column.hpp"

namespace soci {
class session;
}

namespace cryptcol::migration {

struct VerifyOptions {
  std::uint64_t sample_size = 0;  // 0 = decrypt and compare every row
  std::size_t batch_size = 5000;
  std::size_t max_reported_ids = 100;
  bool record_result = true;      // write the result to cryptcol_columns (the gate)
  std::shared_ptr<const KeyRing> keys;  // defaults to the process-wide default ring
};

struct VerifyReport {
  std::string table;
  std::string column;
  std::uint64_t total_rows = 0;
  std::uint64_t with_plaintext = 0;
  std::uint64_t with_ciphertext = 0;
  std::uint64_t missing = 0;        // plaintext present, ciphertext NULL
  std::uint64_t checked = 0;        // rows decrypted and compared
  std::uint64_t mismatched = 0;     // decrypted to something else
  std::uint64_t undecryptable = 0;  // malformed, unknown key or failed tag
  std::map<std::string, std::uint64_t> key_versions;
  std::vector<long long> missing_ids;       // first max_reported_ids
  std::vector<long long> mismatched_ids;    // includes undecryptable rows
  bool plaintext_dropped = false;   // after contract: only decryptability is checked
  bool passed() const noexcept { return missing == 0 && mismatched == 0 && undecryptable == 0; }
};

VerifyReport verify(soci::session& session, const ColumnSpec& column,
                    const VerifyOptions& options = {});

std::string to_json(const VerifyReport& report);

}  // namespace cryptcol::migration

#endif  // CRYPTCOL_MIGRATION_VERIFY_HPP
