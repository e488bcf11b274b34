#include "cryptcol/envelope.hpp"

#include <cstring>

#include "cryptcol/base64.hpp"
#include "cryptcol/error.hpp"

namespace cryptcol {
namespace {

bool is_version_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

constexpr std::size_t nonce_base64_size = base64_encoded_size(nonce_size);  // 16

// Splits "<nonce||body>" raw bytes into an envelope.
Envelope split_raw(std::string_view raw, envelope_layout layout, std::string version) {
  if (raw.size() < nonce_size) throw error(errc::bad_nonce_length, "raw value shorter than nonce");
  if (raw.size() < nonce_size + tag_size) throw error(errc::short_body);
  Envelope envelope;
  envelope.layout = layout;
  envelope.version = std::move(version);
  std::memcpy(envelope.nonce.data(), raw.data(), nonce_size);
  envelope.body.assign(raw.substr(nonce_size));
  return envelope;
}

}  // namespace

bool is_valid_version_id(std::string_view version) noexcept {
  if (version.empty() || version.size() > max_version_length) return false;
  for (char c : version) {
    if (!is_version_char(c)) return false;
  }
  return true;
}

void validate_version_id(std::string_view version) {
  if (version.empty()) throw error(errc::empty_version);
  if (version.size() > max_version_length) {
    throw error(errc::version_too_long,
                "version id has " + std::to_string(version.size()) + " characters, limit " +
                    std::to_string(max_version_length));
  }
  for (char c : version) {
    if (!is_version_char(c)) throw error(errc::bad_version_char);
  }
}

Envelope parse_text_envelope(std::string_view text) {
  const auto first = text.find(':');
  if (first == std::string_view::npos) throw error(errc::bad_part_count, "expected 3 parts");
  const auto second = text.find(':', first + 1);
  if (second == std::string_view::npos || text.find(':', second + 1) != std::string_view::npos) {
    throw error(errc::bad_part_count, "expected 3 parts");
  }
  const std::string_view version = text.substr(0, first);
  const std::string_view nonce_text = text.substr(first + 1, second - first - 1);
  const std::string_view body_text = text.substr(second + 1);
  validate_version_id(version);

  Envelope envelope;
  envelope.layout = envelope_layout::text;
  envelope.version.assign(version);
  std::string nonce;
  if (!base64_decode(nonce_text, nonce)) throw error(errc::bad_base64, "nonce");
  if (nonce.size() != nonce_size) {
    throw error(errc::bad_nonce_length,
                "nonce has " + std::to_string(nonce.size()) + " bytes, expected 12");
  }
  std::memcpy(envelope.nonce.data(), nonce.data(), nonce_size);
  if (!base64_decode(body_text, envelope.body)) throw error(errc::bad_base64, "body");
  if (envelope.body.size() < tag_size) {
    throw error(errc::short_body,
                "body has " + std::to_string(envelope.body.size()) + " bytes, tag needs 16");
  }
  return envelope;
}

Envelope parse_binary_envelope(std::string_view bytes) {
  const auto colon = bytes.find(':');
  if (colon == std::string_view::npos || colon > max_version_length) {
    throw error(errc::bad_part_count, "binary value has no version prefix");
  }
  const std::string_view version = bytes.substr(0, colon);
  validate_version_id(version);
  return split_raw(bytes.substr(colon + 1), envelope_layout::binary, std::string(version));
}

Envelope parse_legacy_envelope(std::string_view bytes) {
  return split_raw(bytes, envelope_layout::legacy, {});
}

bool looks_like_text_envelope(std::string_view text) noexcept {
  const auto first = text.find(':');
  if (first == std::string_view::npos || !is_valid_version_id(text.substr(0, first))) return false;
  const std::string_view rest = text.substr(first + 1);
  if (rest.size() < nonce_base64_size + 1 + base64_encoded_size(tag_size)) return false;
  if (rest[nonce_base64_size] != ':') return false;
  if (rest.find(':', nonce_base64_size + 1) != std::string_view::npos) return false;
  return (rest.size() - nonce_base64_size - 1) % 4 == 0;
}

std::string_view envelope_version(std::string_view stored) noexcept {
  const auto colon = stored.find(':');
  if (colon == std::string_view::npos) return {};
  const std::string_view version = stored.substr(0, colon);
  return is_valid_version_id(version) ? version : std::string_view{};
}

std::string format_text_envelope(const Envelope& envelope) {
  validate_version_id(envelope.version);
  std::string out;
  out.reserve(envelope.version.size() + 2 + nonce_base64_size +
              base64_encoded_size(envelope.body.size()));
  append_text_envelope(out, envelope.version, envelope.nonce.data(),
                       reinterpret_cast<const std::uint8_t*>(envelope.body.data()),
                       envelope.body.size());
  return out;
}

void append_text_envelope(std::string& out, std::string_view version, const std::uint8_t* nonce,
                          const std::uint8_t* body, std::size_t body_size) {
  out += version;
  out += ':';
  base64_encode_append(nonce, nonce_size, out);
  out += ':';
  base64_encode_append(body, body_size, out);
}

std::string format_binary_envelope(const Envelope& envelope) {
  validate_version_id(envelope.version);
  std::string out;
  out.reserve(envelope.version.size() + 1 + nonce_size + envelope.body.size());
  out += envelope.version;
  out += ':';
  out.append(reinterpret_cast<const char*>(envelope.nonce.data()), nonce_size);
  out += envelope.body;
  return out;
}

std::string format_legacy_envelope(const Envelope& envelope) {
  std::string out;
  out.reserve(nonce_size + envelope.body.size());
  out.append(reinterpret_cast<const char*>(envelope.nonce.data()), nonce_size);
  out += envelope.body;
  return out;
}

}  // namespace cryptcol
