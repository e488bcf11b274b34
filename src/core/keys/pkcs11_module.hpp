#ifndef CRYPTCOL_SRC_CORE_KEYS_PKCS11_MODULE_HPP
#define CRYPTCOL_SRC_CORE_KEYS_PKCS11_MODULE_HPP

// A PKCS#11 module loaded with dlopen and initialised once per process while anything uses
// it: C_Initialize with the first user, C_Finalize and dlclose after the last, both under one
// lock so a module is never finalised under a user that just acquired it.

#include <string>

#include <p11-kit/pkcs11.h>

namespace cryptcol::detail {

class Pkcs11Module {
 public:
  // Throws hsm_unavailable when the module cannot be loaded or initialised.
  explicit Pkcs11Module(const std::string& path);
  ~Pkcs11Module();
  Pkcs11Module(const Pkcs11Module&) = delete;
  Pkcs11Module& operator=(const Pkcs11Module&) = delete;

  CK_FUNCTION_LIST& api() const noexcept { return *api_; }
  const std::string& path() const noexcept { return path_; }

 private:
  std::string path_;
  CK_FUNCTION_LIST* api_ = nullptr;
};

// "CKR_PIN_INCORRECT" for the common return values, "CKR_0x..." otherwise.
std::string ckr_name(CK_RV rv);

}  // namespace cryptcol::detail

#endif  // CRYPTCOL_SRC_CORE_KEYS_PKCS11_MODULE_HPP
