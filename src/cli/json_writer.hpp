#ifndef CRYPTCOL_CLI_JSON_WRITER_HPP
#define CRYPTCOL_CLI_JSON_WRITER_HPP

// JSON output for --json: nlohmann/json values whose objects keep their keys in the order
// they are set, printed as one line.

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace cryptcol::cli {

using Json = nlohmann::ordered_json;

// One line, no spaces; invalid UTF-8 becomes U+FFFD instead of an exception.
std::string json_line(const Json& value);

// The text, or null.
inline Json nullable(const std::optional<std::string>& text) {
  return text ? Json(*text) : Json(nullptr);
}

}  // namespace cryptcol::cli

#endif  // CRYPTCOL_CLI_JSON_WRITER_HPP
