// libFuzzer target for everything that reads stored values: the envelope parsers, the
// version sniffers, base64, the UTF-8 check and the decrypt paths, with a fixed key ring.
// cryptcol::error is the only exception allowed out of the library; anything else escapes
// this function and libFuzzer reports it. Broken invariants abort.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include <cryptcol/base64.hpp>
#include <cryptcol/cipher.hpp>
#include <cryptcol/envelope.hpp>
#include <cryptcol/error.hpp>
#include <cryptcol/key_ring.hpp>

namespace {

// Key bytes k[i] = i + offset; tests/fuzz/corpus was generated with the same keys.
std::string fuzz_key(int offset) {
  std::string key(cryptcol::key_size, '\0');
  for (std::size_t i = 0; i < key.size(); ++i) key[i] = static_cast<char>(i + offset);
  return key;
}

const cryptcol::KeyRing& fuzz_ring() {
  static const auto ring = cryptcol::KeyRingBuilder()
                               .add_key("v1", fuzz_key(0), cryptcol::key_state::active)
                               .add_key("v2", fuzz_key(32), cryptcol::key_state::decrypt_only)
                               .add_key("v3", fuzz_key(64), cryptcol::key_state::disabled)
                               .set_legacy_key(fuzz_key(96))
                               .build();
  return *ring;
}

[[noreturn]] void broken(const char* invariant) {
  std::fprintf(stderr, "broken invariant: %s\n", invariant);
  std::abort();
}

void require(bool condition, const char* invariant) {
  if (!condition) broken(invariant);
}

// Straightforward RFC 3629 decoder, to cross-check the optimised validator.
bool reference_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n;
    std::uint32_t cp;
    if (c < 0x80) {
      n = 1, cp = c;
    } else if ((c & 0xe0) == 0xc0) {
      n = 2, cp = c & 0x1fu;
    } else if ((c & 0xf0) == 0xe0) {
      n = 3, cp = c & 0x0fu;
    } else if ((c & 0xf8) == 0xf0) {
      n = 4, cp = c & 0x07u;
    } else {
      return false;
    }
    if (i + n > s.size()) return false;
    for (std::size_t k = 1; k < n; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3fu);
    }
    const std::uint32_t min_for_length[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min_for_length[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += n;
  }
  return true;
}

template <typename Action>
void allowing_cryptcol_errors(Action&& action) {
  try {
    action();
  } catch (const cryptcol::error&) {
    // Refusing malformed input with a typed error is the expected outcome.
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const cryptcol::KeyRing& ring = fuzz_ring();

  const bool looks_like_text = cryptcol::looks_like_text_envelope(input);
  const std::string_view version = cryptcol::envelope_version(input);
  require(version.empty() || (cryptcol::is_valid_version_id(version) &&
                              input.substr(0, version.size()) == version &&
                              input.size() > version.size() && input[version.size()] == ':'),
          "envelope_version returns the valid prefix before the first ':'");

  allowing_cryptcol_errors([&] {
    const cryptcol::Envelope e = cryptcol::parse_text_envelope(input);
    // Strict parsing means one spelling per value: formatting gives the input back.
    require(cryptcol::format_text_envelope(e) == input, "text envelope round trip");
    require(looks_like_text, "a parsed text envelope looks like one");
    require(e.version == version, "parsed version equals envelope_version");
    require(e.body.size() >= cryptcol::tag_size, "parsed body holds a tag");
  });
  allowing_cryptcol_errors([&] {
    const cryptcol::Envelope e = cryptcol::parse_binary_envelope(input);
    require(cryptcol::format_binary_envelope(e) == input, "binary envelope round trip");
    require(e.version == version, "binary version equals envelope_version");
  });
  allowing_cryptcol_errors([&] {
    const cryptcol::Envelope e = cryptcol::parse_legacy_envelope(input);
    require(cryptcol::format_legacy_envelope(e) == input, "legacy envelope round trip");
  });

  std::string decoded;
  if (cryptcol::base64_decode(input, decoded)) {
    require(cryptcol::base64_encode(decoded) == input, "base64 is canonical");
  }
  require(cryptcol::is_valid_utf8(input) == reference_utf8(input), "UTF-8 validator agrees");

  allowing_cryptcol_errors([&] {
    const std::string plaintext = cryptcol::decrypt(ring, input);
    require(cryptcol::is_valid_utf8(plaintext), "decrypt returns UTF-8");
    require(cryptcol::decrypt(ring, cryptcol::encrypt(ring, plaintext)) == plaintext,
            "decrypted value re-encrypts");
  });
  allowing_cryptcol_errors([&] { cryptcol::decrypt(ring, input, "fuzz"); });
  allowing_cryptcol_errors([&] { cryptcol::decrypt_bytes(ring, input); });
  allowing_cryptcol_errors([&] { cryptcol::decrypt_bytes(ring, input, "fuzz"); });
  allowing_cryptcol_errors([&] {
    const std::string moved = cryptcol::reencrypt(ring, input);
    require(cryptcol::envelope_version(moved) == ring.active_version(),
            "reencrypt ends under the active key");
  });
  return 0;
}
