#ifndef CRYPTCOL_ENCRYPTED_STRING_HPP
#define CRYPTCOL_ENCRYPTED_STRING_HPP

// EncryptedString<N>: a column value that is plaintext in the program and an AES-256-GCM
// text envelope in the database. N is the plaintext limit in UTF-8 bytes.
//
//   cryptcol::EncryptedString<2000> history{"..."};
//   sql << "insert into patients(id, history) values(:id, :h)", use(id), use(history);
//   sql << "select history from patients where id = :id", use(id), into(history);

#include <cstddef>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>

#include <soci/soci-backend.h>
#include <soci/type-conversion-traits.h>

#include "cryptcol/cipher.hpp"
#include "cryptcol/default_key_ring.hpp"
#include "cryptcol/error.hpp"
#include "cryptcol/secure_memory.hpp"

namespace cryptcol {

namespace detail {
[[noreturn]] void throw_plaintext_too_long(std::size_t limit, std::size_t actual);
[[noreturn]] void throw_null_value();
}  // namespace detail

template <std::size_t N>
class EncryptedString {
 public:
  static constexpr std::size_t max_plaintext_bytes = N;

  // Stored characters for the longest plaintext under a version id of `version_length`.
  static constexpr std::size_t stored_width(std::size_t version_length) noexcept {
    return text_envelope_size(version_length, N);
  }
  // Column width that fits key versions up to "v999" (4 characters).
  static constexpr std::size_t column_width = stored_width(4);

  EncryptedString() = default;
  // Throws errc::plaintext_too_long before anything can be written.
  explicit EncryptedString(std::string plaintext) : value_(std::move(plaintext)) {
    check_length(value_);
  }
  EncryptedString(const EncryptedString&) = default;
  EncryptedString(EncryptedString&&) noexcept = default;
  EncryptedString& operator=(const EncryptedString& other) {
    if (this != &other) {
      secure_wipe(value_);
      value_ = other.value_;
      key_version_ = other.key_version_;
    }
    return *this;
  }
  EncryptedString& operator=(EncryptedString&& other) noexcept {
    secure_wipe(value_);
    value_ = std::move(other.value_);
    key_version_ = std::move(other.key_version_);
    return *this;
  }
  ~EncryptedString() { secure_wipe(value_); }

  const std::string& value() const noexcept { return value_; }
  void assign(std::string plaintext) {
    check_length(plaintext);
    secure_wipe(value_);
    value_ = std::move(plaintext);
    key_version_.clear();
  }
  bool empty() const noexcept { return value_.empty(); }
  std::size_t size() const noexcept { return value_.size(); }
  // Version of the key the value was read under; empty for values made by the program.
  const std::string& key_version() const noexcept { return key_version_; }

  // Envelope for storage under the default ring's active key.
  std::string seal() const { return encrypt(*default_key_ring(), value_); }
  static EncryptedString open(std::string_view stored) {
    EncryptedString result;
    result.value_ = decrypt(*default_key_ring(), stored);
    if (result.value_.size() > N) detail::throw_plaintext_too_long(N, result.value_.size());
    result.key_version_ = std::string(envelope_version(stored));
    return result;
  }

  friend bool operator==(const EncryptedString& a, const EncryptedString& b) noexcept {
    return constant_time_equal(a.value_, b.value_);
  }
  friend bool operator!=(const EncryptedString& a, const EncryptedString& b) noexcept {
    return !(a == b);
  }
  friend std::ostream& operator<<(std::ostream& os, const EncryptedString&) {
    return os << "[redacted]";
  }

 private:
  static void check_length(const std::string& plaintext) {
    if (plaintext.size() > N) detail::throw_plaintext_too_long(N, plaintext.size());
  }
  std::string value_;
  std::string key_version_;
};

}  // namespace cryptcol

namespace soci {

template <std::size_t N>
struct type_conversion<cryptcol::EncryptedString<N>> {
  typedef std::string base_type;

  static void from_base(const std::string& in, indicator ind, cryptcol::EncryptedString<N>& out) {
    // On NULL `in` is a reused holder with stale contents: look at the indicator first.
    if (ind == i_null) cryptcol::detail::throw_null_value();
    out = cryptcol::EncryptedString<N>::open(in);
  }

  static void to_base(const cryptcol::EncryptedString<N>& in, std::string& out, indicator& ind) {
    out = in.seal();
    ind = i_ok;  // always set: SOCI reuses the indicator when a statement is re-executed
  }
};

}  // namespace soci

#include "cryptcol/soci/std_optional.hpp"

#endif  // CRYPTCOL_ENCRYPTED_STRING_HPP
