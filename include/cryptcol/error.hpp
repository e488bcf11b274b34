#ifndef CRYPTCOL_ERROR_HPP
#define CRYPTCOL_ERROR_HPP

// One exception type for everything cryptcol refuses. Messages are built from error codes,
// counts, identifiers and key versions only: never plaintext, ciphertext or key bytes.

#include <stdexcept>
#include <string>
#include <system_error>

namespace cryptcol {

enum class errc {
  // Envelope parsing (no key involved).
  bad_part_count = 1,      // text envelope is not exactly <version>:<nonce>:<body>
  bad_base64,              // illegal character, missing padding or non-canonical bits
  bad_nonce_length,        // nonce is not 12 bytes
  short_body,              // ciphertext || tag shorter than the 16-byte tag
  empty_version,           // version id is empty
  version_too_long,        // version id longer than max_version_length
  bad_version_char,        // version id contains ':' or a character outside [A-Za-z0-9._-]
  // Keys and key rings.
  unknown_key_version = 20,  // no key with that version in the ring
  key_disabled,              // the version exists but is disabled
  no_active_key,             // a ring needs exactly one active key
  multiple_active_keys,
  duplicate_key_version,
  bad_key_length,            // a key is not 32 bytes
  bad_key_encoding,          // a key is not valid base64
  key_file_permissions,      // key file readable by group or others
  key_file_format,           // key file line does not parse
  key_source_missing,        // no keys found in the environment / file not readable
  no_legacy_key,             // unversioned legacy value but no legacy key configured
  no_key_ring,               // process-wide key ring used before one was installed
  no_index_key,              // no blind-index root key (of that version) configured
  // Decryption and values.
  authentication_failed = 40,  // GCM tag check failed: wrong key, tampered or swapped value
  invalid_utf8,                // decrypted bytes (or a plaintext to encrypt) are not UTF-8
  plaintext_too_long,          // longer than EncryptedString<N> allows
  null_value,                  // SQL NULL read into a non-optional EncryptedString
  random_source_failure,
  empty_index_value,           // a blind-index transformation chain left nothing to hash
  input_too_long,              // more input than the reader accepts (a bounded buffer)
  // Database and migration.
  database_error = 60,
  invalid_identifier,       // table/column name that is not a plain SQL identifier
  invalid_argument,
  lock_timeout,             // migrator lock or DDL lock not obtained in time
  verification_required,    // cut-over/contract/retire refused: no passing verify
  verification_failed,      // verify found missing or mismatching rows
  checksum_mismatch,        // an applied step's definition changed
  key_in_use,               // a key cannot be retired while rows still use it
  wrong_phase,              // a step run out of order
  step_failed,
  irreversible_step,
  bad_index_bits,           // blind-index length outside 1..256 bits
  unknown_index,            // no blind index of that name is declared
  lock_lost = 73,           // the migrator lock was lost while a step ran (fenced out)
  // Key providers: key commands and PKCS#11 tokens (class key, like 20..39).
  key_command_timeout = 80,  // a key command did not finish within its timeout
  key_command_failed,        // a key command could not start or exited non-zero
  key_command_output,        // a key command printed something other than one base64 key
  hsm_unavailable,           // the PKCS#11 module cannot be loaded, or has no such token
  hsm_login_failed,          // the token refused the PIN
  kek_not_found,             // no key-encryption key with that label in the token
  key_unwrap_failed,         // a wrapped data key fails its tag: altered, or another KEK
  hsm_error,                 // any other PKCS#11 failure (the CKR_ name is in the message)
};

// Broad classes, e.g. for the command-line tool's exit codes.
enum class error_class { envelope, key, decrypt, value, database, migration, verification };

const char* to_string(errc code) noexcept;
error_class class_of(errc code) noexcept;
const std::error_category& error_category() noexcept;
std::error_code make_error_code(errc code) noexcept;

class error : public std::runtime_error {
 public:
  // `detail` must never contain a protected value; callers pass ids, counts and versions.
  explicit error(errc code, const std::string& detail = {});
  errc code() const noexcept { return code_; }
  // The context given at construction, without the "cryptcol: <code>: " of what().
  const std::string& detail() const noexcept { return detail_; }

 private:
  errc code_;
  std::string detail_;
};

}  // namespace cryptcol

namespace std {
template <>
struct is_error_code_enum<cryptcol::errc> : true_type {};
}  // namespace std

#endif  // CRYPTCOL_ERROR_HPP
