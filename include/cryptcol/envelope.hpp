#ifndef CRYPTCOL_ENVELOPE_HPP
#define CRYPTCOL_ENVELOPE_HPP

// Parsing and formatting of stored values. No cryptography here: an Envelope is the
// structure of a value, not a claim that it is authentic.
//
//   text    <version>:<base64 nonce (12 bytes)>:<base64 ciphertext || tag (16 bytes)>
//   binary  <version>: followed by raw nonce || ciphertext || tag   (BYTEA / BLOB columns)
//   legacy  raw nonce || ciphertext || tag, no version             (decrypted by the legacy key)

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace cryptcol {

inline constexpr std::size_t key_size = 32;
inline constexpr std::size_t nonce_size = 12;
inline constexpr std::size_t tag_size = 16;
inline constexpr std::size_t max_version_length = 32;

enum class envelope_layout { text, binary, legacy };

struct Envelope {
  envelope_layout layout = envelope_layout::text;
  std::string version;  // empty for the legacy layout
  std::array<std::uint8_t, nonce_size> nonce{};
  std::string body;  // ciphertext || tag, raw bytes

  std::size_t ciphertext_size() const noexcept { return body.size() - tag_size; }
};

// Characters a stored value takes in the text layout for a plaintext of `plaintext_bytes`.
constexpr std::size_t text_envelope_size(std::size_t version_length,
                                         std::size_t plaintext_bytes) noexcept {
  return version_length + 1 + 16 + 1 + 4 * ((plaintext_bytes + tag_size + 2) / 3);
}

// The inverse: the largest plaintext (in bytes) whose text envelope fits in `width`
// characters under versions of `version_length` characters; 0 when none fits. Base64 rounds
// up to 3-byte groups, so the two sizes below it may share the same width.
constexpr std::size_t max_plaintext_for_width(std::size_t version_length,
                                              std::size_t width) noexcept {
  const std::size_t fixed = version_length + 1 + 16 + 1;
  if (width < fixed + 4 * ((tag_size + 2) / 3)) return 0;
  return 3 * ((width - fixed) / 4) - tag_size;
}

// Throws cryptcol::error with empty_version, version_too_long or bad_version_char.
void validate_version_id(std::string_view version);
bool is_valid_version_id(std::string_view version) noexcept;

// Strict text-layout parser; each malformed class has its own errc.
Envelope parse_text_envelope(std::string_view text);
// "<version>:" + raw bytes. The version must be valid; the rest must hold nonce and tag.
Envelope parse_binary_envelope(std::string_view bytes);
// Unversioned raw nonce || ciphertext || tag.
Envelope parse_legacy_envelope(std::string_view bytes);

// True when `text` has the shape of a text envelope (cheap check, no base64 decoding):
// used to tell ciphertext from plaintext without ever passing one off as the other.
bool looks_like_text_envelope(std::string_view text) noexcept;
// The version prefix of a text or binary envelope, or an empty view.
std::string_view envelope_version(std::string_view stored) noexcept;

std::string format_text_envelope(const Envelope& envelope);
// The text layout from its parts, appended to `out` (sized by the caller) without checking
// `version`: for callers that hold an already validated one (a key ring's).
void append_text_envelope(std::string& out, std::string_view version, const std::uint8_t* nonce,
                          const std::uint8_t* body, std::size_t body_size);
std::string format_binary_envelope(const Envelope& envelope);
std::string format_legacy_envelope(const Envelope& envelope);

}  // namespace cryptcol

#endif  // CRYPTCOL_ENVELOPE_HPP
