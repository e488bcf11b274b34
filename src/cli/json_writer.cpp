#include "json_writer.hpp"

#include <cryptcol/migration/control/audit.hpp>

namespace cryptcol::cli {

// One JSON string escaper for the library's audit lines, reports and the tool's output.
std::string json_quote(std::string_view text) { return migration::json_quote(std::string(text)); }

JsonObject& JsonObject::add_raw(std::string_view key, std::string_view json) {
  if (!body_.empty()) body_ += ',';
  body_ += json_quote(key);
  body_ += ':';
  body_ += json;
  return *this;
}

JsonObject& JsonObject::add(std::string_view key, std::string_view value) {
  return add_raw(key, json_quote(value));
}

JsonObject& JsonObject::add(std::string_view key, std::int64_t value) {
  return add_raw(key, std::to_string(value));
}

JsonObject& JsonObject::add(std::string_view key, std::uint64_t value) {
  return add_raw(key, std::to_string(value));
}

JsonObject& JsonObject::add(std::string_view key, bool value) {
  return add_raw(key, value ? "true" : "false");
}

JsonObject& JsonObject::add(std::string_view key, const JsonObject& value) {
  return add_raw(key, value.str());
}

JsonObject& JsonObject::add_null(std::string_view key) { return add_raw(key, "null"); }

}  // namespace cryptcol::cli
