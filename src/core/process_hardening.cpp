#include "cryptcol/process_hardening.hpp"

#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "cryptcol/secure_memory.hpp"

extern char** environ;

namespace cryptcol {
namespace {

bool holds_key(std::string_view name) noexcept {
  constexpr std::string_view key_prefix = "CRYPTCOL_KEY_";
  return name.substr(0, key_prefix.size()) == key_prefix || name == "CRYPTCOL_LEGACY_KEY";
}

}  // namespace

int remove_key_variables_from_environment() noexcept {
  int removed = 0;
  try {
    std::vector<std::string> names;
    for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
      char* text = *entry;
      char* equals = std::strchr(text, '=');
      if (equals == nullptr) continue;
      const std::string_view name(text, static_cast<std::size_t>(equals - text));
      if (!holds_key(name)) continue;
      // The initial environment lives on the stack that /proc/<pid>/environ shows, and
      // unsetenv() only drops the pointer: overwrite the value where it lies.
      secure_wipe(equals + 1, std::strlen(equals + 1));
      names.emplace_back(name);
    }
    for (const auto& name : names) {
      if (::unsetenv(name.c_str()) == 0) ++removed;
    }
  } catch (...) {
    // Out of memory for the name list: the values are already wiped where they lie.
  }
  return removed;
}

bool disable_core_dumps() noexcept {
  bool ok = ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == 0;
  const struct rlimit none = {0, 0};
  ok = ::setrlimit(RLIMIT_CORE, &none) == 0 && ok;
  return ok;
}

}  // namespace cryptcol
