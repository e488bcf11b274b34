#ifndef CRYPTCOL_BLIND_INDEX_TRANSFORM_HPP
#define CRYPTCOL_BLIND_INDEX_TRANSFORM_HPP

// Normalisations applied to a value before its blind index is computed, composed left to
// right: {transform::digits_only(), transform::last_chars(4)} indexes the last four digits.
//
// "Characters" are UTF-8 code points (not bytes, not grapheme clusters): last_chars(2) of
// "née" is "ée". Case folding and whitespace are ASCII only; other bytes pass unchanged.

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace cryptcol {

class Transform {
 public:
  using function = std::function<std::string(std::string_view)>;

  // `name` describes the step (e.g. "last_chars(4)"): it is part of an index's description,
  // never of its key, so renaming a custom step does not change stored values.
  Transform(std::string name, function apply);

  const std::string& name() const noexcept { return name_; }
  std::string operator()(std::string_view value) const { return apply_(value); }

 private:
  std::string name_;
  function apply_;
};

using TransformChain = std::vector<Transform>;

namespace transform {

// The bytes as they are.
Transform exact();
// A-Z to a-z; every other byte unchanged.
Transform ascii_lowercase();
// Drops leading and trailing ASCII whitespace (space, \t, \n, \v, \f, \r) and turns each run
// inside into one space.
Transform collapse_whitespace();
// Keeps the ASCII digits 0-9 only.
Transform digits_only();
// The last / first `count` code points (all of them when there are fewer). `count` >= 1
// (invalid_argument otherwise); input that is not UTF-8 throws errc::invalid_utf8.
Transform last_chars(std::size_t count);
Transform first_chars(std::size_t count);
// The caller's own normalisation; `name` a plain identifier (invalid_argument otherwise).
Transform custom(std::string name, Transform::function apply);

}  // namespace transform

// Applies `chain` in order (an empty chain is exact()). Throws errc::empty_index_value when
// the result is empty: an empty value would give every such row the same index value.
// Intermediate copies are wiped; the caller wipes the result.
std::string apply_transforms(const TransformChain& chain, std::string_view value);

// "ascii_lowercase,last_chars(4)": the chain's names, comma-separated ("exact" when empty).
std::string describe(const TransformChain& chain);

}  // namespace cryptcol

#endif  // CRYPTCOL_BLIND_INDEX_TRANSFORM_HPP
