#include "cryptcol/pkcs11_token.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "cryptcol/base64.hpp"
#include "cryptcol/error.hpp"
#include "cryptcol/secure_memory.hpp"
#include "core/keys/key_file.hpp"
#include "core/random_bytes.hpp"
#include "core/keys/pkcs11_module.hpp"

namespace cryptcol {
namespace {

constexpr std::size_t wrapped_size = nonce_size + key_size + tag_size;

std::string aad_for(std::string_view version) {
  return "cryptcol-wrapped-key:" + std::string(version);
}

// Token labels are 32 bytes padded with spaces.
std::string trimmed_label(const unsigned char (&label)[32]) {
  std::string out(reinterpret_cast<const char*>(label), sizeof label);
  out.erase(out.find_last_not_of(' ') + 1);
  return out;
}

[[noreturn]] void fail(errc code, const std::string& what, CK_RV rv) {
  throw error(code, what + " (" + detail::ckr_name(rv) + ")");
}

std::string trim_trailing_space(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ' ||
                           text.back() == '\t')) {
    text.back() = '\0';
    text.pop_back();
  }
  return text;
}

// AES-GCM parameters for a wrapped key: its 12-byte nonce, the version-binding AAD, a
// 16-byte tag. Both pointers must outlive the operation.
CK_GCM_PARAMS gcm_params(std::uint8_t* nonce, std::string& aad) {
  CK_GCM_PARAMS params{};
  params.pIv = nonce;
  params.ulIvLen = nonce_size;
  params.ulIvBits = nonce_size * 8;
  params.pAAD = reinterpret_cast<CK_BYTE*>(aad.data());
  params.ulAADLen = static_cast<CK_ULONG>(aad.size());
  params.ulTagBits = tag_size * 8;
  return params;
}

}  // namespace

Pkcs11Config::~Pkcs11Config() { secure_wipe(pin); }

Pkcs11Config Pkcs11Config::from_environment() {
  Pkcs11Config config;
  if (const char* module = std::getenv("CRYPTCOL_PKCS11_MODULE"); module && *module) {
    config.module_path = module;
  }
  if (const char* token = std::getenv("CRYPTCOL_PKCS11_TOKEN")) config.token_label = token;
  if (const char* pin = std::getenv("CRYPTCOL_PKCS11_PIN"); pin && *pin) {
    config.pin = pin;
  } else if (const char* file = std::getenv("CRYPTCOL_PKCS11_PIN_FILE"); file && *file) {
    std::string contents = detail::read_private_file(file, "PIN file");
    config.pin = trim_trailing_space(std::move(contents));
    if (config.pin.empty() || config.pin.find('\n') != std::string::npos) {
      throw error(errc::key_file_format, std::string("PIN file ") + file + " must hold one line");
    }
  } else {
    throw error(errc::key_source_missing,
                "no PKCS#11 PIN: set CRYPTCOL_PKCS11_PIN or CRYPTCOL_PKCS11_PIN_FILE");
  }
  return config;
}

struct Pkcs11Token::Impl {
  detail::Pkcs11Module module;
  CK_SESSION_HANDLE session = CK_INVALID_HANDLE;
  std::string label;

  explicit Impl(const std::string& path) : module(path) {}
  ~Impl() {
    // No C_Logout: login is per application, and would end other objects' sessions too.
    // Closing the last session of the token logs the application out.
    if (session != CK_INVALID_HANDLE) module.api().C_CloseSession(session);
  }

  CK_FUNCTION_LIST& api() { return module.api(); }

  CK_SLOT_ID find_slot(const std::string& wanted) {
    CK_ULONG count = 0;
    CK_RV rv = api().C_GetSlotList(CK_TRUE, nullptr, &count);
    if (rv != CKR_OK) fail(errc::hsm_unavailable, "cannot list PKCS#11 slots", rv);
    std::vector<CK_SLOT_ID> slots(count);
    rv = api().C_GetSlotList(CK_TRUE, slots.data(), &count);
    if (rv != CKR_OK) fail(errc::hsm_unavailable, "cannot list PKCS#11 slots", rv);
    slots.resize(count);
    for (const CK_SLOT_ID slot : slots) {
      CK_TOKEN_INFO info{};
      if (api().C_GetTokenInfo(slot, &info) != CKR_OK) continue;
      if (!(info.flags & CKF_TOKEN_INITIALIZED)) continue;
      const std::string found = trimmed_label(info.label);
      if (wanted.empty() || found == wanted) {
        label = found;
        return slot;
      }
    }
    throw error(errc::hsm_unavailable, wanted.empty()
                                           ? std::string("no initialised PKCS#11 token")
                                           : "no PKCS#11 token labelled " + wanted);
  }

  void open(const Pkcs11Config& config) {
    const CK_SLOT_ID slot = find_slot(config.token_label);
    CK_RV rv = api().C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr,
                                   &session);
    if (rv == CKR_TOKEN_WRITE_PROTECTED) {
      rv = api().C_OpenSession(slot, CKF_SERIAL_SESSION, nullptr, nullptr, &session);
    }
    if (rv != CKR_OK) {
      session = CK_INVALID_HANDLE;
      fail(errc::hsm_unavailable, "cannot open a session on token " + label, rv);
    }
    std::string pin = config.pin;
    rv = api().C_Login(session, CKU_USER, reinterpret_cast<CK_UTF8CHAR*>(pin.data()),
                       static_cast<CK_ULONG>(pin.size()));
    secure_wipe(pin);
    switch (rv) {
      case CKR_OK:
      case CKR_USER_ALREADY_LOGGED_IN: return;
      case CKR_PIN_INCORRECT:
      case CKR_PIN_INVALID:
      case CKR_PIN_LEN_RANGE:
      case CKR_PIN_LOCKED:
      case CKR_PIN_EXPIRED:
      case CKR_USER_PIN_NOT_INITIALIZED:
        fail(errc::hsm_login_failed, "token " + label + " refused the PIN", rv);
      default: fail(errc::hsm_error, "login to token " + label + " failed", rv);
    }
  }

  // Handles of secret keys labelled `kek_label`.
  std::vector<CK_OBJECT_HANDLE> find_keys(const std::string& kek_label) {
    CK_OBJECT_CLASS secret = CKO_SECRET_KEY;
    std::string name = kek_label;
    CK_ATTRIBUTE query[] = {
        {CKA_CLASS, &secret, sizeof secret},
        {CKA_LABEL, name.data(), static_cast<CK_ULONG>(name.size())},
    };
    CK_RV rv = api().C_FindObjectsInit(session, query, 2);
    if (rv != CKR_OK) fail(errc::hsm_error, "cannot search token " + label, rv);
    std::vector<CK_OBJECT_HANDLE> found;
    CK_OBJECT_HANDLE batch[8];
    CK_ULONG count = 0;
    do {
      rv = api().C_FindObjects(session, batch, 8, &count);
      if (rv != CKR_OK) break;
      found.insert(found.end(), batch, batch + count);
    } while (count == 8);
    api().C_FindObjectsFinal(session);
    if (rv != CKR_OK) fail(errc::hsm_error, "cannot search token " + label, rv);
    return found;
  }

  CK_OBJECT_HANDLE kek(const std::string& kek_label) {
    const auto found = find_keys(kek_label);
    if (found.empty()) {
      throw error(errc::kek_not_found, "no key-encryption key labelled " + kek_label +
                                           " in token " + label);
    }
    if (found.size() > 1) {
      throw error(errc::hsm_error, std::to_string(found.size()) + " keys are labelled " +
                                       kek_label + " in token " + label);
    }
    return found.front();
  }
};

Pkcs11Token::Pkcs11Token(const Pkcs11Config& config)
    : impl_(std::make_unique<Impl>(config.module_path)) {
  impl_->open(config);
}

Pkcs11Token::~Pkcs11Token() = default;

const std::string& Pkcs11Token::token_label() const noexcept { return impl_->label; }

std::string Pkcs11Token::wrap(std::string_view version, const KeyMaterial& key,
                              const std::string& kek_label) {
  validate_version_id(version);
  const CK_OBJECT_HANDLE kek = impl_->kek(kek_label);
  std::uint8_t out[wrapped_size];
  detail::fill_random(out, nonce_size);
  std::string aad = aad_for(version);
  CK_GCM_PARAMS params = gcm_params(out, aad);
  CK_MECHANISM mechanism{CKM_AES_GCM, &params, sizeof params};
  auto& api = impl_->api();
  CK_RV rv = api.C_EncryptInit(impl_->session, &mechanism, kek);
  if (rv != CKR_OK) fail(errc::hsm_error, "cannot wrap under " + kek_label, rv);
  // The module's API takes a non-const pointer; it only reads the key.
  std::uint8_t plain[key_size];
  std::memcpy(plain, key.bytes(), key_size);
  CK_ULONG length = key_size + tag_size;
  rv = api.C_Encrypt(impl_->session, plain, key_size, out + nonce_size, &length);
  secure_wipe(plain, sizeof plain);
  if (rv != CKR_OK || length != key_size + tag_size) {
    fail(errc::hsm_error, "cannot wrap under " + kek_label, rv);
  }
  std::string encoded;
  base64_encode_append(out, wrapped_size, encoded);
  return encoded;
}

std::shared_ptr<const KeyMaterial> Pkcs11Token::unwrap(std::string_view version,
                                                       std::string_view wrapped,
                                                       const std::string& kek_label) {
  validate_version_id(version);
  const std::string what = "wrapped key " + std::string(version) + " under " + kek_label;
  std::string raw;
  if (!base64_decode(wrapped, raw)) throw error(errc::bad_key_encoding, what + " is not base64");
  if (raw.size() != wrapped_size) {
    throw error(errc::key_unwrap_failed, what + " has " + std::to_string(raw.size()) +
                                             " bytes, expected " + std::to_string(wrapped_size));
  }
  const CK_OBJECT_HANDLE kek = impl_->kek(kek_label);
  auto* bytes = reinterpret_cast<std::uint8_t*>(raw.data());
  std::string aad = aad_for(version);
  CK_GCM_PARAMS params = gcm_params(bytes, aad);
  CK_MECHANISM mechanism{CKM_AES_GCM, &params, sizeof params};
  auto& api = impl_->api();
  CK_RV rv = api.C_DecryptInit(impl_->session, &mechanism, kek);
  if (rv != CKR_OK) fail(errc::hsm_error, "cannot unwrap " + what, rv);
  // Room for the whole input: some modules want the output buffer as large as the input.
  std::uint8_t plain[key_size + tag_size];
  CK_ULONG length = sizeof plain;
  rv = api.C_Decrypt(impl_->session, bytes + nonce_size, key_size + tag_size, plain, &length);
  secure_wipe(raw);
  if (rv != CKR_OK || length != key_size) {
    secure_wipe(plain, sizeof plain);
    if (rv == CKR_OK || rv == CKR_ENCRYPTED_DATA_INVALID || rv == CKR_GENERAL_ERROR ||
        rv == CKR_ENCRYPTED_DATA_LEN_RANGE) {
      fail(errc::key_unwrap_failed,
           what + " fails its check: altered, or wrapped for another version or KEK", rv);
    }
    fail(errc::hsm_error, "cannot unwrap " + what, rv);
  }
  try {
    auto key = std::make_shared<const KeyMaterial>(
        std::string_view(reinterpret_cast<const char*>(plain), key_size));
    secure_wipe(plain, sizeof plain);
    return key;
  } catch (...) {
    secure_wipe(plain, sizeof plain);
    throw;
  }
}

bool Pkcs11Token::has_kek(const std::string& label) { return !impl_->find_keys(label).empty(); }

void Pkcs11Token::create_kek(const std::string& label) {
  if (label.empty() || label.size() > 64 ||
      label.find_first_of(" \t\r\n#") != std::string::npos) {
    throw error(errc::invalid_argument,
                "a KEK label is 1 to 64 characters without spaces or '#'");
  }
  if (has_kek(label)) {
    throw error(errc::invalid_argument, "token " + impl_->label + " already holds a key labelled " +
                                            label);
  }
  CK_OBJECT_CLASS secret = CKO_SECRET_KEY;
  CK_KEY_TYPE aes = CKK_AES;
  CK_ULONG length = key_size;
  CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
  std::string name = label;
  CK_ATTRIBUTE attributes[] = {
      {CKA_CLASS, &secret, sizeof secret},
      {CKA_KEY_TYPE, &aes, sizeof aes},
      {CKA_VALUE_LEN, &length, sizeof length},
      {CKA_LABEL, name.data(), static_cast<CK_ULONG>(name.size())},
      {CKA_TOKEN, &yes, sizeof yes},
      {CKA_PRIVATE, &yes, sizeof yes},
      {CKA_SENSITIVE, &yes, sizeof yes},
      {CKA_EXTRACTABLE, &no, sizeof no},
      {CKA_ENCRYPT, &yes, sizeof yes},
      {CKA_DECRYPT, &yes, sizeof yes},
      {CKA_WRAP, &no, sizeof no},
      {CKA_UNWRAP, &no, sizeof no},
      {CKA_SIGN, &no, sizeof no},
      {CKA_VERIFY, &no, sizeof no},
      {CKA_DERIVE, &no, sizeof no},
  };
  CK_MECHANISM mechanism{CKM_AES_KEY_GEN, nullptr, 0};
  CK_OBJECT_HANDLE handle = CK_INVALID_HANDLE;
  const CK_RV rv =
      impl_->api().C_GenerateKey(impl_->session, &mechanism, attributes,
                                 static_cast<CK_ULONG>(std::size(attributes)), &handle);
  if (rv != CKR_OK) fail(errc::hsm_error, "cannot create KEK " + label, rv);
}

}  // namespace cryptcol
