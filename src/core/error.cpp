#include "cryptcol/error.hpp"

#include <string>

namespace cryptcol {

const char* to_string(errc code) noexcept {
  switch (code) {
    case errc::bad_part_count: return "bad_part_count";
    case errc::bad_base64: return "bad_base64";
    case errc::bad_nonce_length: return "bad_nonce_length";
    case errc::short_body: return "short_body";
    case errc::empty_version: return "empty_version";
    case errc::version_too_long: return "version_too_long";
    case errc::bad_version_char: return "bad_version_char";
    case errc::unknown_key_version: return "unknown_key_version";
    case errc::key_disabled: return "key_disabled";
    case errc::no_active_key: return "no_active_key";
    case errc::multiple_active_keys: return "multiple_active_keys";
    case errc::duplicate_key_version: return "duplicate_key_version";
    case errc::bad_key_length: return "bad_key_length";
    case errc::bad_key_encoding: return "bad_key_encoding";
    case errc::key_file_permissions: return "key_file_permissions";
    case errc::key_file_format: return "key_file_format";
    case errc::key_source_missing: return "key_source_missing";
    case errc::no_legacy_key: return "no_legacy_key";
    case errc::no_key_ring: return "no_key_ring";
    case errc::no_index_key: return "no_index_key";
    case errc::authentication_failed: return "authentication_failed";
    case errc::invalid_utf8: return "invalid_utf8";
    case errc::plaintext_too_long: return "plaintext_too_long";
    case errc::null_value: return "null_value";
    case errc::random_source_failure: return "random_source_failure";
    case errc::empty_index_value: return "empty_index_value";
    case errc::input_too_long: return "input_too_long";
    case errc::database_error: return "database_error";
    case errc::invalid_identifier: return "invalid_identifier";
    case errc::invalid_argument: return "invalid_argument";
    case errc::lock_timeout: return "lock_timeout";
    case errc::verification_required: return "verification_required";
    case errc::verification_failed: return "verification_failed";
    case errc::checksum_mismatch: return "checksum_mismatch";
    case errc::key_in_use: return "key_in_use";
    case errc::wrong_phase: return "wrong_phase";
    case errc::step_failed: return "step_failed";
    case errc::irreversible_step: return "irreversible_step";
    case errc::bad_index_bits: return "bad_index_bits";
    case errc::unknown_index: return "unknown_index";
    case errc::lock_lost: return "lock_lost";
    case errc::key_command_timeout: return "key_command_timeout";
    case errc::key_command_failed: return "key_command_failed";
    case errc::key_command_output: return "key_command_output";
    case errc::hsm_unavailable: return "hsm_unavailable";
    case errc::hsm_login_failed: return "hsm_login_failed";
    case errc::kek_not_found: return "kek_not_found";
    case errc::key_unwrap_failed: return "key_unwrap_failed";
    case errc::hsm_error: return "hsm_error";
  }
  return "unknown_error";
}

error_class class_of(errc code) noexcept {
  const int value = static_cast<int>(code);
  if (value < 20) return error_class::envelope;
  if (value < 40) return error_class::key;
  if (value >= 80 && value < 100) return error_class::key;  // key providers
  if (code == errc::authentication_failed || code == errc::invalid_utf8) {
    return error_class::decrypt;
  }
  if (value < 60) return error_class::value;
  if (code == errc::database_error || code == errc::lock_timeout) return error_class::database;
  if (code == errc::verification_failed || code == errc::verification_required) {
    return error_class::verification;
  }
  if (code == errc::key_in_use) return error_class::key;
  return error_class::migration;
}

namespace {

class category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "cryptcol"; }
  std::string message(int value) const override {
    return to_string(static_cast<errc>(value));
  }
};

std::string compose(errc code, const std::string& detail) {
  std::string message = "cryptcol: ";
  message += to_string(code);
  if (!detail.empty()) {
    message += ": ";
    message += detail;
  }
  return message;
}

}  // namespace

const std::error_category& error_category() noexcept {
  static const category instance;
  return instance;
}

std::error_code make_error_code(errc code) noexcept {
  return {static_cast<int>(code), error_category()};
}

error::error(errc code, const std::string& detail)
    : std::runtime_error(compose(code, detail)), code_(code), detail_(detail) {}

}  // namespace cryptcol
