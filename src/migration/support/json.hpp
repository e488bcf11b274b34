#ifndef CRYPTCOL_SRC_MIGRATION_SUPPORT_JSON_HPP
#define CRYPTCOL_SRC_MIGRATION_SUPPORT_JSON_HPP

// JSON for audit lines and reports: nlohmann/json, private to the library (no public header
// names it), keys in the order they are set.

#include <string>

#include <nlohmann/json.hpp>

namespace cryptcol::migration::detail {

using json = nlohmann::ordered_json;

// One line, no spaces; invalid UTF-8 becomes U+FFFD instead of an exception.
inline std::string json_line(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace cryptcol::migration::detail

#endif  // CRYPTCOL_SRC_MIGRATION_SUPPORT_JSON_HPP
