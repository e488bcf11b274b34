#ifndef CRYPTCOL_ENVELOPE_KEY_PROVIDER_HPP
#define CRYPTCOL_ENVELOPE_KEY_PROVIDER_HPP

// Envelope encryption: data keys rest in the key file only wrapped under a key-encryption
// key (KEK) that lives in a PKCS#11 token, one line per data key:
//   wrapped <version> <active|decrypt-only|disabled> <kek label> <base64 wrapped key>
// (format in pkcs11_token.hpp and docs/key-custody.md). Loading unwraps them through the
// token; rotating the KEK re-wraps the same data keys, so no row changes.

#include <cstddef>
#include <string>
#include <vector>

#include "cryptcol/key_provider.hpp"
#include "cryptcol/pkcs11_token.hpp"

namespace cryptcol {

class EnvelopeKeyProvider final : public KeyProvider {
 public:
  // With `require_wrapped`, a clear `key` or `legacy` line in the file is refused
  // (key_file_format): data keys never rest in clear.
  EnvelopeKeyProvider(std::string key_file, Pkcs11Config config, bool require_wrapped = true);

  // Opens a session for the load (module, token, login) and closes it afterwards.
  ProvidedKeys load() override;
  std::string name() const override { return "wrapped key file " + path_; }

 private:
  std::string path_;
  Pkcs11Config config_;
  bool require_wrapped_;
};

// The line that holds a wrapped data key.
std::string format_wrapped_key_line(std::string_view version, key_state state,
                                    std::string_view kek_label, std::string_view wrapped);

struct KeyFileEntry {
  std::string version;     // empty for the legacy key
  key_state state;
  std::string kek_label;   // empty: the key is stored in clear
  std::string fingerprint; // of the data key (first 8 hex digits of its SHA-256)
};

// The keys of a key file with their custody. Wrapped keys are unwrapped through `token`, or
// through a token configured from the environment (Pkcs11Config::from_environment) when
// `token` is nullptr and the file holds any.
std::vector<KeyFileEntry> describe_key_file(const std::string& path, Pkcs11Token* token = nullptr);

struct RewrapResult {
  std::size_t rewrapped = 0;   // wrapped lines now under the new KEK
  std::size_t clear_keys = 0;  // `key`/`legacy` lines left as they were
};

// Re-wraps every wrapped data key under `new_kek_label`: each is unwrapped with its current
// KEK, wrapped under the new one and unwrapped again to check it, then the file is replaced
// atomically (a new 0600 file renamed over it). Other lines are kept as written. The data
// keys do not change, so no stored value needs re-encrypting. Nothing is written when any
// key fails.
RewrapResult rewrap_key_file(const std::string& path, Pkcs11Token& token,
                             const std::string& new_kek_label);

}  // namespace cryptcol

#endif  // CRYPTCOL_ENVELOPE_KEY_PROVIDER_HPP
