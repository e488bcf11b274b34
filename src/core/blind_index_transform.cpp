#include "cryptcol/blind_index_transform.hpp"

#include "cryptcol/cipher.hpp"
#include "cryptcol/error.hpp"
#include "cryptcol/secure_memory.hpp"

namespace cryptcol {
namespace {

bool is_ascii_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

bool is_continuation(char c) noexcept {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

void require_utf8(std::string_view value) {
  if (!is_valid_utf8(value)) {
    throw error(errc::invalid_utf8, "a character-counting index transformation needs UTF-8");
  }
}

// Byte offset where the last `count` code points of well-formed UTF-8 begin.
std::size_t start_of_last(std::string_view value, std::size_t count) noexcept {
  std::size_t pos = value.size();
  while (pos > 0 && count > 0) {
    --pos;
    if (!is_continuation(value[pos])) --count;
  }
  return pos;
}

// Byte offset just past the first `count` code points of well-formed UTF-8.
std::size_t end_of_first(std::string_view value, std::size_t count) noexcept {
  std::size_t pos = 0;
  while (pos < value.size() && count > 0) {
    ++pos;
    while (pos < value.size() && is_continuation(value[pos])) ++pos;
    --count;
  }
  return pos;
}

bool is_plain_identifier(std::string_view name) noexcept {
  if (name.empty() || name.size() > 63) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_';
    if (!ok) return false;
  }
  return true;
}

void require_count(std::size_t count) {
  if (count == 0) throw error(errc::invalid_argument, "a character count must be at least 1");
}

}  // namespace

Transform::Transform(std::string name, function apply)
    : name_(std::move(name)), apply_(std::move(apply)) {
  if (!apply_) throw error(errc::invalid_argument, "transformation without a function");
}

namespace transform {

Transform exact() {
  return Transform("exact", [](std::string_view v) { return std::string(v); });
}

Transform ascii_lowercase() {
  return Transform("ascii_lowercase", [](std::string_view v) {
    std::string out(v);
    for (char& c : out) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
  });
}

Transform collapse_whitespace() {
  return Transform("collapse_whitespace", [](std::string_view v) {
    // Written in place into a buffer of the input's size (never outgrown, so never copied).
    std::string out(v.size(), '\0');
    std::size_t n = 0;
    bool pending_space = false;
    for (char c : v) {
      if (is_ascii_space(c)) {
        pending_space = n > 0;
        continue;
      }
      if (pending_space) out[n++] = ' ';
      pending_space = false;
      out[n++] = c;
    }
    out.resize(n);
    return out;
  });
}

Transform digits_only() {
  return Transform("digits_only", [](std::string_view v) {
    std::string out(v.size(), '\0');
    std::size_t n = 0;
    for (char c : v) {
      if (c >= '0' && c <= '9') out[n++] = c;
    }
    out.resize(n);
    return out;
  });
}

Transform last_chars(std::size_t count) {
  require_count(count);
  return Transform("last_chars(" + std::to_string(count) + ")", [count](std::string_view v) {
    require_utf8(v);
    return std::string(v.substr(start_of_last(v, count)));
  });
}

Transform first_chars(std::size_t count) {
  require_count(count);
  return Transform("first_chars(" + std::to_string(count) + ")", [count](std::string_view v) {
    require_utf8(v);
    return std::string(v.substr(0, end_of_first(v, count)));
  });
}

Transform custom(std::string name, Transform::function apply) {
  if (!is_plain_identifier(name)) {
    throw error(errc::invalid_argument, "a custom transformation needs a plain identifier name");
  }
  return Transform("custom(" + name + ")", std::move(apply));
}

}  // namespace transform

std::string apply_transforms(const TransformChain& chain, std::string_view value) {
  std::string current(value);
  for (const auto& step : chain) {
    std::string next;
    try {
      next = step(current);
    } catch (...) {
      secure_wipe(current);
      throw;
    }
    secure_wipe(current);
    current = std::move(next);
  }
  if (current.empty()) {
    throw error(errc::empty_index_value,
                "transformations " + describe(chain) + " left an empty value");
  }
  return current;
}

std::string describe(const TransformChain& chain) {
  if (chain.empty()) return "exact";
  std::string out;
  for (const auto& step : chain) {
    if (!out.empty()) out += ',';
    out += step.name();
  }
  return out;
}

}  // namespace cryptcol
