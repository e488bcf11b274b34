#include "core/keys/pkcs11_module.hpp"

#include <dlfcn.h>

#include <cstdio>
#include <map>
#include <mutex>

#include "cryptcol/error.hpp"

namespace cryptcol::detail {
namespace {

struct Loaded {
  void* handle = nullptr;
  CK_FUNCTION_LIST* api = nullptr;
  int users = 0;
  bool owned = false;  // initialised by us, so ours to finalise
};

std::mutex& registry_mutex() {
  static std::mutex mutex;
  return mutex;
}

std::map<std::string, Loaded>& registry() {
  static std::map<std::string, Loaded> loaded;
  return loaded;
}

}  // namespace

std::string ckr_name(CK_RV rv) {
  switch (rv) {
    case CKR_OK: return "CKR_OK";
    case CKR_GENERAL_ERROR: return "CKR_GENERAL_ERROR";
    case CKR_ARGUMENTS_BAD: return "CKR_ARGUMENTS_BAD";
    case CKR_DEVICE_ERROR: return "CKR_DEVICE_ERROR";
    case CKR_ENCRYPTED_DATA_INVALID: return "CKR_ENCRYPTED_DATA_INVALID";
    case CKR_ENCRYPTED_DATA_LEN_RANGE: return "CKR_ENCRYPTED_DATA_LEN_RANGE";
    case CKR_KEY_HANDLE_INVALID: return "CKR_KEY_HANDLE_INVALID";
    case CKR_KEY_FUNCTION_NOT_PERMITTED: return "CKR_KEY_FUNCTION_NOT_PERMITTED";
    case CKR_MECHANISM_INVALID: return "CKR_MECHANISM_INVALID";
    case CKR_MECHANISM_PARAM_INVALID: return "CKR_MECHANISM_PARAM_INVALID";
    case CKR_OBJECT_HANDLE_INVALID: return "CKR_OBJECT_HANDLE_INVALID";
    case CKR_PIN_INCORRECT: return "CKR_PIN_INCORRECT";
    case CKR_PIN_INVALID: return "CKR_PIN_INVALID";
    case CKR_PIN_LEN_RANGE: return "CKR_PIN_LEN_RANGE";
    case CKR_PIN_LOCKED: return "CKR_PIN_LOCKED";
    case CKR_SESSION_HANDLE_INVALID: return "CKR_SESSION_HANDLE_INVALID";
    case CKR_TEMPLATE_INCONSISTENT: return "CKR_TEMPLATE_INCONSISTENT";
    case CKR_TOKEN_NOT_PRESENT: return "CKR_TOKEN_NOT_PRESENT";
    case CKR_TOKEN_WRITE_PROTECTED: return "CKR_TOKEN_WRITE_PROTECTED";
    case CKR_USER_NOT_LOGGED_IN: return "CKR_USER_NOT_LOGGED_IN";
    case CKR_USER_PIN_NOT_INITIALIZED: return "CKR_USER_PIN_NOT_INITIALIZED";
    case CKR_BUFFER_TOO_SMALL: return "CKR_BUFFER_TOO_SMALL";
    case CKR_CRYPTOKI_NOT_INITIALIZED: return "CKR_CRYPTOKI_NOT_INITIALIZED";
    default: break;
  }
  char text[32];
  std::snprintf(text, sizeof text, "CKR_0x%lx", static_cast<unsigned long>(rv));
  return text;
}

Pkcs11Module::Pkcs11Module(const std::string& path) : path_(path) {
  std::lock_guard<std::mutex> lock(registry_mutex());
  auto& loaded = registry()[path];
  if (loaded.users > 0) {
    ++loaded.users;
    api_ = loaded.api;
    return;
  }
  const auto give_up = [&](const std::string& why) {
    if (loaded.handle != nullptr) ::dlclose(loaded.handle);
    registry().erase(path);
    throw error(errc::hsm_unavailable, "PKCS#11 module " + path + ": " + why);
  };
  loaded.handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (loaded.handle == nullptr) give_up("cannot be loaded");
  auto* get_list =
      reinterpret_cast<CK_C_GetFunctionList>(::dlsym(loaded.handle, "C_GetFunctionList"));
  if (get_list == nullptr) give_up("has no C_GetFunctionList");
  if (get_list(&loaded.api) != CKR_OK || loaded.api == nullptr) give_up("C_GetFunctionList failed");
  CK_C_INITIALIZE_ARGS args{};
  args.flags = CKF_OS_LOCKING_OK;
  const CK_RV rv = loaded.api->C_Initialize(&args);
  if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
    give_up("C_Initialize failed (" + ckr_name(rv) + ")");
  }
  loaded.owned = rv == CKR_OK;
  loaded.users = 1;
  api_ = loaded.api;
}

Pkcs11Module::~Pkcs11Module() {
  std::lock_guard<std::mutex> lock(registry_mutex());
  auto it = registry().find(path_);
  if (it == registry().end() || --it->second.users > 0) return;
  if (it->second.owned) it->second.api->C_Finalize(nullptr);
  ::dlclose(it->second.handle);
  registry().erase(it);
}

}  // namespace cryptcol::detail
