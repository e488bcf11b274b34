#ifndef CRYPTCOL_PKCS11_TOKEN_HPP
#define CRYPTCOL_PKCS11_TOKEN_HPP

// Key-encryption keys (KEKs) in a PKCS#11 token: an HSM, a cloud HSM or SoftHSM. The module is
// loaded with dlopen and driven through the standard C API; the KEK never leaves it. Data keys
// are wrapped with AES-256-GCM (CKM_AES_GCM through C_Encrypt / C_Decrypt), a fresh 96-bit
// nonce per wrap, 128-bit tag, and "cryptcol-wrapped-key:<version>" as associated data, so a
// wrapped key moved to another version's line fails to unwrap. The stored form is
// base64(nonce || encrypted key || tag), 60 bytes before base64 (docs/key-custody.md).

#include <memory>
#include <string>
#include <string_view>

#include "cryptcol/key_ring.hpp"

namespace cryptcol {

struct Pkcs11Config {
  static constexpr const char* default_module = "/usr/lib/softhsm/libsofthsm2.so";

  std::string module_path = default_module;
  std::string token_label;  // empty: the first slot that holds a token
  std::string pin;          // wiped on destruction

  Pkcs11Config() = default;
  Pkcs11Config(const Pkcs11Config&) = default;
  Pkcs11Config& operator=(const Pkcs11Config&) = default;
  ~Pkcs11Config();

  // CRYPTCOL_PKCS11_MODULE (default above), CRYPTCOL_PKCS11_TOKEN, and the user PIN from
  // CRYPTCOL_PKCS11_PIN or from the file named by CRYPTCOL_PKCS11_PIN_FILE (refused,
  // key_file_permissions, when group or others may access it; one line, trailing
  // whitespace ignored). Throws key_source_missing when neither gives a PIN.
  static Pkcs11Config from_environment();
};

// One logged-in session on one token. Not thread-safe: use one object per thread. The module
// is initialised while any Pkcs11Token of it exists, and finalised after the last one.
class Pkcs11Token {
 public:
  // Throws hsm_unavailable (module cannot be loaded, no such token), hsm_login_failed
  // (PIN refused) or hsm_error.
  explicit Pkcs11Token(const Pkcs11Config& config);
  ~Pkcs11Token();
  Pkcs11Token(const Pkcs11Token&) = delete;
  Pkcs11Token& operator=(const Pkcs11Token&) = delete;

  // base64 of the wrapped `key` for `version` under KEK `kek_label`. Throws kek_not_found.
  std::string wrap(std::string_view version, const KeyMaterial& key,
                   const std::string& kek_label);
  // The data key of a wrapped form. Throws kek_not_found, key_unwrap_failed (altered, made
  // for another version, or wrapped under another KEK), bad_key_encoding.
  std::shared_ptr<const KeyMaterial> unwrap(std::string_view version, std::string_view wrapped,
                                            const std::string& kek_label);

  // Generates an AES-256 KEK inside the token: a token object, private, sensitive, never
  // extractable, usable only to encrypt and decrypt. Throws invalid_argument when a key
  // with that label exists.
  void create_kek(const std::string& label);
  bool has_kek(const std::string& label);

  const std::string& token_label() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cryptcol

#endif  // CRYPTCOL_PKCS11_TOKEN_HPP
