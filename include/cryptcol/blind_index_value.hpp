#ifndef CRYPTCOL_BLIND_INDEX_VALUE_HPP
#define CRYPTCOL_BLIND_INDEX_VALUE_HPP

// A blind-index value as stored in the database: lowercase hex, blind_index_stored_width(bits)
// characters; a default-constructed value is empty and binds as SQL NULL. Bind it with
// cryptcol/soci/blind_index_value.hpp:
//   sql << "select id from t where email_lower_bidx = :v", soci::use(value), soci::into(id);

#include <ostream>
#include <string>
#include <string_view>

namespace cryptcol {

class BlindIndexValue {
 public:
  BlindIndexValue() = default;
  // A stored value; throws errc::invalid_argument unless it is non-empty lowercase hex of
  // even length (the value itself is not echoed).
  static BlindIndexValue from_stored(std::string_view text);

  const std::string& str() const noexcept { return hex_; }
  bool empty() const noexcept { return hex_.empty(); }

  friend bool operator==(const BlindIndexValue& a, const BlindIndexValue& b) noexcept;
  friend bool operator!=(const BlindIndexValue& a, const BlindIndexValue& b) noexcept {
    return !(a == b);
  }
  // Redacted like EncryptedString: with the index key, a value can be matched against
  // guesses, so it stays out of logs. Use str() to store or bind it.
  friend std::ostream& operator<<(std::ostream& os, const BlindIndexValue&) {
    return os << "[blind index]";
  }

 private:
  friend class BlindIndexValueAccess;
  explicit BlindIndexValue(std::string hex) : hex_(std::move(hex)) {}
  std::string hex_;
};

}  // namespace cryptcol

#endif  // CRYPTCOL_BLIND_INDEX_VALUE_HPP
