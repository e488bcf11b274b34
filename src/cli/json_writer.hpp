#ifndef CRYPTCOL_CLI_JSON_WRITER_HPP
#define CRYPTCOL_CLI_JSON_WRITER_HPP

// Minimal JSON output for --json: objects of strings, numbers, booleans, nulls and nested
// objects, keys in insertion order, one line.

#include <cstdint>
#include <string>
#include <string_view>

namespace cryptcol::cli {

std::string json_quote(std::string_view text);

class JsonObject {
 public:
  JsonObject& add(std::string_view key, std::string_view value);
  JsonObject& add(std::string_view key, const char* value) {
    return add(key, std::string_view(value));
  }
  JsonObject& add(std::string_view key, std::int64_t value);
  JsonObject& add(std::string_view key, std::uint64_t value);
  JsonObject& add(std::string_view key, int value) {
    return add(key, static_cast<std::int64_t>(value));
  }
  JsonObject& add(std::string_view key, bool value);
  JsonObject& add(std::string_view key, const JsonObject& value);
  JsonObject& add_null(std::string_view key);

  std::string str() const { return "{" + body_ + "}"; }

 private:
  JsonObject& add_raw(std::string_view key, std::string_view json);
  std::string body_;
};

}  // namespace cryptcol::cli

#endif  // CRYPTCOL_CLI_JSON_WRITER_HPP
