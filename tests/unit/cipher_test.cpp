#define BOOST_TEST_MODULE cryptcol cipher
#include <boost/test/unit_test.hpp>

#include <malloc.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <new>
#include <set>
#include <string>
#include <vector>

#include <cryptcol/base64.hpp>
#include <cryptcol/cipher.hpp>
#include <cryptcol/envelope.hpp>
#include <cryptcol/key_ring.hpp>

#include "support/test_support.hpp"
#include "unit/errc_check.hpp"

// ---- freed-memory scanner ---------------------------------------------------------------
// Replacing the global allocation functions lets a test look at every heap block the library
// frees while a window is open, and so prove that a failed decryption leaves no plaintext
// behind in released memory.

namespace {

constexpr char wipe_marker[] =
    "WIPE-CHECK 7f3a9c: this plaintext must never survive a failed decryption";
std::atomic<bool> g_scanning{false};
std::atomic<int> g_marker_hits{0};

void scan_freed(void* p) noexcept {
  if (p == nullptr || !g_scanning.load(std::memory_order_relaxed)) return;
  const std::size_t size = malloc_usable_size(p);
  if (memmem(p, size, wipe_marker, sizeof wipe_marker - 1) != nullptr) ++g_marker_hits;
}

}  // namespace

void* operator new(std::size_t size) {
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) { return operator new(size); }
void operator delete(void* p) noexcept {
  scan_freed(p);
  std::free(p);
}
void operator delete[](void* p) noexcept { operator delete(p); }
void operator delete(void* p, std::size_t) noexcept { operator delete(p); }
void operator delete[](void* p, std::size_t) noexcept { operator delete(p); }

namespace {

using cryptcol::errc;

std::string from_hex(const std::string& hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  }
  return out;
}

std::string to_hex(std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

std::array<std::uint8_t, cryptcol::nonce_size> nonce_from_hex(const std::string& hex) {
  const std::string raw = from_hex(hex);
  std::array<std::uint8_t, cryptcol::nonce_size> nonce{};
  BOOST_REQUIRE(raw.size() == nonce.size());
  std::memcpy(nonce.data(), raw.data(), nonce.size());
  return nonce;
}

std::shared_ptr<const cryptcol::KeyRing> ring_with(const std::string& version,
                                                   const std::string& raw_key) {
  return cryptcol::KeyRingBuilder().add_key(version, raw_key, cryptcol::key_state::active).build();
}

// The 256-bit test cases of McGrew & Viega, "The Galois/Counter Mode of Operation (GCM)",
// with 96-bit IVs (test cases 13-16).
struct KnownAnswer {
  int number;
  std::string key, plaintext, iv, aad, ciphertext, tag;
};

const std::string key_15 = "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308";
const std::string plain_15 =
    "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
    "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255";
const std::string cipher_15 =
    "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
    "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad";

const std::vector<KnownAnswer> gcm_spec_cases = {
    {13, std::string(64, '0'), "", "000000000000000000000000", "", "",
     "530f8afbc74536b9a963b4f1c4cb738b"},
    {14, std::string(64, '0'), "00000000000000000000000000000000", "000000000000000000000000", "",
     "cea7403d4d606b6e074ec5d3baf39d18", "d0d1c8a799996bf0265b98b5d48ab919"},
    {15, key_15, plain_15, "cafebabefacedbaddecaf888", "", cipher_15,
     "b094dac5d93471bdec1a502270e3cc6c"},
    {16, key_15, plain_15.substr(0, 120), "cafebabefacedbaddecaf888",
     "feedfacedeadbeeffeedfacedeadbeefabaddad2", cipher_15.substr(0, 120),
     "76fc6ece0f4e1768cddf8853bb2d551b"},
};

const std::string sample_plaintext = "Patient reports mild headache; prescribed 200 mg ibuprofen.";

}  // namespace

BOOST_AUTO_TEST_SUITE(known_answers)

BOOST_AUTO_TEST_CASE(gcm_spec_256_bit_cases_seal) {
  for (const auto& kat : gcm_spec_cases) {
    BOOST_TEST_CONTEXT("test case " << kat.number) {
      const auto ring = ring_with("v1", from_hex(kat.key));
      const cryptcol::Envelope envelope =
          cryptcol::seal_with_nonce(ring->active(), from_hex(kat.plaintext),
                                    nonce_from_hex(kat.iv), from_hex(kat.aad));
      BOOST_TEST(envelope.version == "v1");
      BOOST_TEST(to_hex(envelope.body) == kat.ciphertext + kat.tag);
      BOOST_TEST(to_hex(std::string_view(reinterpret_cast<const char*>(envelope.nonce.data()),
                                         envelope.nonce.size())) == kat.iv);
    }
  }
}

BOOST_AUTO_TEST_CASE(gcm_spec_256_bit_cases_open) {
  for (const auto& kat : gcm_spec_cases) {
    BOOST_TEST_CONTEXT("test case " << kat.number) {
      const auto ring = ring_with("v1", from_hex(kat.key));
      // Built from the published bytes, through the text layout, not from our own output.
      const std::string text = "v1:" + cryptcol::base64_encode(from_hex(kat.iv)) + ":" +
                               cryptcol::base64_encode(from_hex(kat.ciphertext + kat.tag));
      const cryptcol::Envelope envelope = cryptcol::parse_text_envelope(text);
      BOOST_TEST(to_hex(cryptcol::open_envelope(*ring, envelope, from_hex(kat.aad))) ==
                 kat.plaintext);
      if (!kat.aad.empty()) {
        CRYPTCOL_CHECK_ERRC(cryptcol::open_envelope(*ring, envelope), errc::authentication_failed);
        std::string wrong_aad = from_hex(kat.aad);
        wrong_aad.back() ^= 1;
        CRYPTCOL_CHECK_ERRC(cryptcol::open_envelope(*ring, envelope, wrong_aad),
                            errc::authentication_failed);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(gcm_spec_cases_through_text_decrypt) {
  // Cases 13 and 14 have UTF-8 plaintexts (empty, sixteen NULs); 15 and 16 do not, so the
  // text path must refuse them after the tag check.
  for (const auto& kat : gcm_spec_cases) {
    BOOST_TEST_CONTEXT("test case " << kat.number) {
      const auto ring = ring_with("v1", from_hex(kat.key));
      const std::string text = "v1:" + cryptcol::base64_encode(from_hex(kat.iv)) + ":" +
                               cryptcol::base64_encode(from_hex(kat.ciphertext + kat.tag));
      if (kat.number <= 14) {
        BOOST_TEST(to_hex(cryptcol::decrypt(*ring, text, from_hex(kat.aad))) == kat.plaintext);
      } else {
        CRYPTCOL_CHECK_ERRC(cryptcol::decrypt(*ring, text, from_hex(kat.aad)), errc::invalid_utf8);
      }
      const std::string binary = "v1:" + from_hex(kat.iv + kat.ciphertext + kat.tag);
      BOOST_TEST(to_hex(cryptcol::decrypt_bytes(*ring, binary, from_hex(kat.aad))) ==
                 kat.plaintext);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(round_trips)

BOOST_AUTO_TEST_CASE(text_round_trip_many_lengths) {
  const auto ring = cryptcol::test::test_key_ring({"v1"}, "v1");
  // a, é, €, 🔒
  const std::string code_points[] = {"a", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x94\x92"};
  std::string value;
  for (std::size_t i = 0; i < 150; ++i) {
    const std::string text = cryptcol::encrypt(*ring, value);
    BOOST_TEST(text.rfind("v1:", 0) == 0);
    BOOST_TEST(cryptcol::looks_like_text_envelope(text));
    BOOST_TEST(cryptcol::decrypt(*ring, text) == value);
    value += code_points[i % 4];
  }
}

BOOST_AUTO_TEST_CASE(large_value_round_trip) {
  const auto ring = cryptcol::test::test_key_ring({"v1"}, "v1");
  std::string value;
  while (value.size() < 256 * 1024) value += "0123456789abcdef\xe2\x82\xac";
  BOOST_TEST(cryptcol::decrypt(*ring, cryptcol::encrypt(*ring, value)) == value);
}

BOOST_AUTO_TEST_CASE(every_value_gets_a_fresh_nonce) {
  const auto ring = cryptcol::test::test_key_ring({"v1"}, "v1");
  std::set<std::string> nonces, envelopes;
  for (int i = 0; i < 2000; ++i) {
    const std::string text = cryptcol::encrypt(*ring, "same plaintext");
    envelopes.insert(text);
    const auto e = cryptcol::parse_text_envelope(text);
    nonces.insert(std::string(e.nonce.begin(), e.nonce.end()));
  }
  BOOST_TEST(nonces.size() == 2000u);
  BOOST_TEST(envelopes.size() == 2000u);
}

BOOST_AUTO_TEST_CASE(decrypt_only_key_still_decrypts) {
  const auto v1_ring = cryptcol::test::test_key_ring({"v1"}, "v1");
  const auto v2_ring = cryptcol::test::test_key_ring({"v1", "v2"}, "v2");
  const std::string old_value = cryptcol::encrypt(*v1_ring, sample_plaintext);
  BOOST_TEST(cryptcol::decrypt(*v2_ring, old_value) == sample_plaintext);
  BOOST_TEST(cryptcol::encrypt(*v2_ring, sample_plaintext).rfind("v2:", 0) == 0);
}

BOOST_AUTO_TEST_CASE(associated_data_binds_the_value) {
  const auto ring = cryptcol::test::test_key_ring({"v1"}, "v1");
  const std::string text = cryptcol::encrypt(*ring, sample_plaintext, "patients.history#17");
  BOOST_TEST(cryptcol::decrypt(*ring, text, "patients.history#17") == sample_plaintext);
  CRYPTCOL_CHECK_ERRC(cryptcol::decrypt(*ring, text), errc::authentication_failed);
  CRYPTCOL_CHECK_ERRC(cryptcol::decrypt(*ring, text, "patients.history#18"),
                      errc::authentication_failed);
  const std::string plain_text = cryptcol::encrypt(*ring, sample_plaintext);
  CRYPTCOL_CHECK_ERRC(cryptcol::decrypt(*ring, plain_text, "patients.history#17"),
                      errc::authentication_failed);
}

BOOST_AUTO_TEST_CASE(binary_layout_round_trip_and_arbitrary_bytes) {
  const auto ring = cryptcol::test::test_key_ring({"v1"}, "v1");
  std::string bytes;
  for (int i = 0; i < 300; ++i) bytes += static_cast<char>(i & 0xff);
  const std::string stored = cryptcol::encrypt_bytes(*ring, bytes);
  BOOST_TEST(stored.size() == 3 + 12 + bytes.size() + 16);
  BOOST_TEST(cryptcol::parse_binary_envelope(stored).version == "v1");
  BOOST_TEST(cryptcol::decrypt_bytes(*ring, stored) == bytes);
  const std::string with_aad = cryptcol::encrypt_bytes(*ring, bytes, "aad");
  BOOST_TEST(cryptcol::decrypt_bytes(*ring, with_aad, "aad") == bytes);
  CRYPTCOL_CHECK_ERRC(cryptcol::decrypt_bytes(*ring, with_aad), errc::authentication_failed);
}

BOOST_AUTO_TEST_CASE(legacy_layout_under_the_legacy_key) {
  const std::string legacy_raw = cryptcol::test::test_key_bytes("legacy");
  const auto ring = cryptcol::KeyRingBuilder()
                        .add_key("v1", cryptcol::test::test_key_bytes("v1"),
                                 cryptcol::key_state::active)
                        .set_legacy_key(legacy_raw)
                        .build();
  const cryptcol::KeyRing::Entry legacy_entry{
      "legacy", cryptcol::key_state::decrypt_only,
      std::make_shared<const cryptcol::KeyMaterial>(legacy_raw)};
  cryptcol::Envelope sealed = cryptcol::seal_with_nonce(legacy_entry, sample_plaintext,
                                                        nonce_from_hex("0102030405060708090a0b0c"));
  const std::string stored = cryptcol::format_legacy_envelope(sealed);
  BOOST_TEST(cryptcol::decrypt_bytes(*ring, stored) == sample_plaintext);

  const auto ring_without_legacy = cryptcol::test::test_key_ring({"v1"}, "v1");
  CRYPTCOL_CHECK_ERRC(cryptcol::decrypt_bytes(*ring_without_legacy, stored), errc::no_legacy_key);
  // The legacy key is not tried for versioned values.
  CRYPTCOL_CHECK_ERRC(cryptcol::decrypt_bytes(*ring, "v1:" + stored),
                      errc::authentication_failed);
}

BOOST_AUTO_TEST_CASE(reencrypt_moves_values_to_the_active_key) {
  const auto v1_ring = cryptcol::test::test_key_ring({"v1"}, "v1");
  const auto v2_ring = cryptcol::test::test_key_ring({"v1", "v2"}, "v2");
  const std::string old_value = cryptcol::encrypt(*v1_ring, sample_plaintext);
  BOOST_TEST(cryptcol::needs_reencryption(old_value, "v2"));
  BOOST_TEST(!cryptcol::needs_reencryption(old_value, "v1"));
  const std::string moved = cryptcol::reencrypt(*v2_ring, old_value);
  BOOST_TEST(moved.rfind("v2:", 0) == 0);
  BOOST_TEST(cryptcol::decrypt(*v2_ring, moved) == sample_plaintext);
  BOOST_TEST(cryptcol::reencrypt(*v2_ring, moved) == moved);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(rejections)

BOOST_AUTO_TEST_CASE(every_single_bit_flip_is_rejected) {
  const auto ring = cryptcol::test::test_key_ring({"v1"}, "v1");
  const std::string text = cryptcol::encrypt(*ring, sample_plaintext);
  const cryptcol::Envelope original = cryptcol::parse_text_envelope(text);
  std::size_t flips = 0, rejected_text = 0, rejected_binary = 0;

  auto try_flipped = [&](const cryptcol::Envelope& flipped) {
    ++flips;
    try {
      cryptcol::decrypt(*ring, cryptcol::format_text_envelope(flipped));
    } catch (const cryptcol::error& e) {
      if (e.code() == errc::authentication_failed) ++rejected_text;
    }
    try {
      cryptcol::decrypt_bytes(*ring, cryptcol::format_binary_envelope(flipped));
    } catch (const cryptcol::error& e) {
      if (e.code() == errc::authentication_failed) ++rejected_binary;
    }
  };
  for (std::size_t byte = 0; byte < cryptcol::nonce_size; ++byte) {
    for (int bit = 0; bit < 8; ++bit) {
      cryptcol::Envelope flipped = original;
      flipped.nonce[byte] ^= static_cast<std::uint8_t>(1u << bit);
      try_flipped(flipped);
    }
  }
  // The body is ciphertext followed by the tag: this covers both.
  for (std::size_t byte = 0; byte < original.body.size(); ++byte) {
    for (int bit = 0; bit < 8; ++bit) {
      cryptcol::Envelope flipped = original;
      flipped.body[byte] = static_cast<char>(flipped.body[byte] ^ (1 << bit));
      try_flipped(flipped);
    }
  }
  BOOST_TEST(flips == 8 * (cryptcol::nonce_size + sample_plaintext.size() + cryptcol::tag_size));
  BOOST_TEST(rejected_text == flips);
  BOOST_TEST(rejected_binary == flips);
  BOOST_TEST(cryptcol::decrypt(*ring, cryptcol::format_text_envelope(original)) ==
             sample_plaintext);
}

BOOST_AUTO_TEST_CASE(truncated_or_extended_body_is_rejected) {
  const auto ring = cryptcol::test::test_key_ring({"v1"}, "v1");
  const cryptcol::Envelope original =
      cryptcol::parse_text_envelope(cryptcol::encrypt(*ring, sample_plaintext));
  cryptcol::Envelope shorter = original;
  shorter.body.erase(0, 1);
  CRYPTCOL_CHECK_ERRC(cryptcol::decrypt(*ring, cryptcol::format_text_envelope(shorter)),
                      errc::authentication_failed);
  cryptcol::Envelope longer = original;
  longer.body.push_back('\0');
  CRYPTCOL_CHECK_ERRC(cryptcol::decrypt(*ring, cryptcol::format_text_envelope(longer)),
                      errc::authentication_failed);
}

BOOST_AUTO_TEST_CASE(hand_built_envelope_with_short_body_is_refused) {
  const auto ring = cryptcol::test::test_key_ring({"v1"}, "v1");
  cryptcol::Envelope e;
  e.version = "v1";
  e.body = "short";
  CRYPTCOL_CHECK_ERRC(cryptcol::open_envelope(*ring, e), errc::short_body);
}

BOOST_AUTO_TEST_CASE(unknown_version) {
  const auto v1_ring = cryptcol::test::test_key_ring({"v1"}, "v1");
  const auto v2_ring = cryptcol::test::test_key_ring({"v2"}, "v2");
  const std::string under_v2 = cryptcol::encrypt(*v2_ring, sample_plaintext);
  CRYPTCOL_CHECK_ERRC(cryptcol::decrypt(*v1_ring, under_v2), errc::unknown_key_version);
  CRYPTCOL_CHECK_ERRC(cryptcol::decrypt_bytes(*v1_ring, cryptcol::encrypt_bytes(*v2_ring, "x")),
                      errc::unknown_key_version);
}

BOOST_AUTO_TEST_CASE(relabelled_version_fails_authentication) {
  // Decryption follows the label; it never tries other keys.
  const auto ring = cryptcol::test::test_key_ring({"v1", "v2"}, "v2");
  const std::string text = cryptcol::encrypt(*ring, sample_plaintext);
  BOOST_REQUIRE(text.rfind("v2:", 0) == 0);
  CRYPTCOL_CHECK_ERRC(cryptcol::decrypt(*ring, "v1" + text.substr(2)),
                      errc::authentication_failed);
}

BOOST_AUTO_TEST_CASE(disabled_key) {
  const auto v1_ring = cryptcol::test::test_key_ring({"v1"}, "v1");
  const std::string under_v1 = cryptcol::encrypt(*v1_ring, sample_plaintext);
  const auto ring = cryptcol::KeyRingBuilder(*cryptcol::test::test_key_ring({"v1", "v2"}, "v2"))
                        .set_state("v1", cryptcol::key_state::disabled)
                        .build();
  CRYPTCOL_CHECK_ERRC(cryptcol::decrypt(*ring, under_v1), errc::key_disabled);
  CRYPTCOL_CHECK_ERRC(cryptcol::decrypt_bytes(*ring, cryptcol::encrypt_bytes(*v1_ring, "x")),
                      errc::key_disabled);
}

BOOST_AUTO_TEST_CASE(invalid_utf8_refused_on_encrypt) {
  const auto ring = cryptcol::test::test_key_ring({"v1"}, "v1");
  for (const std::string bad : {std::string("\xff"), std::string("abc\x80"),
                                std::string("\xc0\xaf"),          // overlong '/'
                                std::string("\xe0\x80\xaf"),      // overlong
                                std::string("\xed\xa0\x80"),      // surrogate U+D800
                                std::string("\xf4\x90\x80\x80"),  // above U+10FFFF
                                std::string("\xe2\x82"),          // truncated
                                std::string("ok so far \xf0\x9f\x94")}) {
    BOOST_TEST(!cryptcol::is_valid_utf8(bad));
    CRYPTCOL_CHECK_ERRC(cryptcol::encrypt(*ring, bad), errc::invalid_utf8);
  }
  for (const std::string good :
       {std::string(), std::string("plain"), std::string("\xc3\xa9\xe2\x82\xac\xf0\x9f\x94\x92"),
        std::string("\xf4\x8f\xbf\xbf"), std::string(1, '\0'), std::string("\xed\x9f\xbf")}) {
    BOOST_TEST(cryptcol::is_valid_utf8(good));
  }
}

BOOST_AUTO_TEST_CASE(invalid_utf8_refused_on_decrypt) {
  const auto ring = cryptcol::test::test_key_ring({"v1"}, "v1");
  const cryptcol::Envelope sealed = cryptcol::seal_with_nonce(
      ring->active(), "valid prefix then \xff", nonce_from_hex("aabbccddeeff001122334455"));
  const std::string text = cryptcol::format_text_envelope(sealed);
  CRYPTCOL_CHECK_ERRC(cryptcol::decrypt(*ring, text), errc::invalid_utf8);
  // The bytes path has no UTF-8 requirement.
  BOOST_TEST(cryptcol::decrypt_bytes(*ring, cryptcol::format_binary_envelope(sealed)) ==
             "valid prefix then \xff");
}

BOOST_AUTO_TEST_CASE(failed_decryption_leaves_no_plaintext_in_freed_memory) {
  const auto ring = cryptcol::test::test_key_ring({"v1"}, "v1");
  const std::string plaintext(wipe_marker);
  const std::string text = cryptcol::encrypt(*ring, plaintext);
  cryptcol::Envelope tampered = cryptcol::parse_text_envelope(text);
  tampered.body.back() = static_cast<char>(tampered.body.back() ^ 1);  // last tag byte
  const std::string tampered_text = cryptcol::format_text_envelope(tampered);
  const std::string tampered_binary = cryptcol::format_binary_envelope(tampered);
  const cryptcol::Envelope not_utf8 = cryptcol::seal_with_nonce(
      ring->active(), plaintext + "\xff", nonce_from_hex("000102030405060708090a0b"));
  const std::string not_utf8_text = cryptcol::format_text_envelope(not_utf8);

  // The scanner works: a std::string released without wiping is found.
  g_marker_hits = 0;
  g_scanning = true;
  {
    std::string copy(plaintext);
    asm volatile("" : : "g"(copy.data()) : "memory");
  }
  g_scanning = false;
  BOOST_TEST(g_marker_hits.load() == 1);

  g_marker_hits = 0;
  g_scanning = true;
  int failures = 0;
  try {
    cryptcol::decrypt(*ring, tampered_text);
  } catch (const cryptcol::error& e) {
    failures += e.code() == errc::authentication_failed;
  }
  try {
    cryptcol::decrypt_bytes(*ring, tampered_binary);
  } catch (const cryptcol::error& e) {
    failures += e.code() == errc::authentication_failed;
  }
  try {
    cryptcol::open_envelope(*ring, tampered);
  } catch (const cryptcol::error& e) {
    failures += e.code() == errc::authentication_failed;
  }
  try {
    cryptcol::decrypt(*ring, not_utf8_text);
  } catch (const cryptcol::error& e) {
    failures += e.code() == errc::invalid_utf8;
  }
  g_scanning = false;
  BOOST_TEST(failures == 4);
  BOOST_TEST(g_marker_hits.load() == 0);
}

BOOST_AUTO_TEST_CASE(error_messages_hold_no_protected_bytes) {
  const std::string raw_key = cryptcol::test::test_key_bytes("v1");
  const std::string key_b64 = cryptcol::base64_encode(raw_key);
  const auto ring = cryptcol::test::test_key_ring({"v1"}, "v1");
  const std::string text = cryptcol::encrypt(*ring, sample_plaintext);
  const cryptcol::Envelope envelope = cryptcol::parse_text_envelope(text);
  const std::string nonce_b64 = text.substr(3, 16);
  const std::string body_b64 = text.substr(20);
  cryptcol::Envelope tampered = envelope;
  tampered.body[0] = static_cast<char>(tampered.body[0] ^ 0x40);
  const auto v2_ring = cryptcol::test::test_key_ring({"v2"}, "v2");
  const auto disabled_ring =
      cryptcol::KeyRingBuilder(*cryptcol::test::test_key_ring({"v1", "v2"}, "v2"))
          .set_state("v1", cryptcol::key_state::disabled)
          .build();
  const std::string not_utf8 = cryptcol::format_text_envelope(cryptcol::seal_with_nonce(
      ring->active(), sample_plaintext + "\xff", nonce_from_hex("000102030405060708090a0b")));

  std::vector<std::string> messages;
  auto collect = [&](auto&& action) {
    try {
      action();
      BOOST_ERROR("expected a cryptcol::error");
    } catch (const cryptcol::error& e) {
      messages.emplace_back(e.what());
    }
  };
  collect([&] { cryptcol::decrypt(*ring, cryptcol::format_text_envelope(tampered)); });
  collect([&] { cryptcol::decrypt(*ring, "v1:" + nonce_b64 + ":" + body_b64.substr(1)); });
  collect([&] { cryptcol::decrypt(*ring, "v1:" + nonce_b64 + ":" + body_b64 + ":x"); });
  collect([&] { cryptcol::decrypt(*v2_ring, text); });
  collect([&] { cryptcol::decrypt(*disabled_ring, text); });
  collect([&] { cryptcol::decrypt(*ring, not_utf8); });
  collect([&] { cryptcol::decrypt(*ring, text, "wrong aad"); });
  collect([&] { cryptcol::encrypt(*ring, sample_plaintext + "\xff"); });
  collect([&] { cryptcol::decrypt_bytes(*ring, cryptcol::format_binary_envelope(tampered)); });
  collect([&] { cryptcol::decrypt(*ring, sample_plaintext); });
  collect([&] { cryptcol::decrypt(*ring, "v1:" + body_b64 + ":" + nonce_b64); });
  collect([&] { cryptcol::KeyRingBuilder().add_key("v1", raw_key.substr(1)); });
  collect([&] { cryptcol::KeyRingBuilder().add_base64_key("v1", key_b64.substr(0, 40) + "!!!="); });
  collect([&] {
    cryptcol::KeyRingBuilder().add_base64_key("v1", cryptcol::base64_encode(raw_key + "x"));
  });
  collect([&] { cryptcol::KeyRingBuilder().add_key("v1", raw_key).add_key("v1", raw_key); });
  collect([&] { cryptcol::parse_key_file("key v1 active " + key_b64 + " trailing\n"); });
  collect([&] { cryptcol::parse_key_file("key v1 activ " + key_b64 + "\n"); });
  collect([&] { cryptcol::parse_key_file("kee v1 active " + key_b64 + "\n"); });
  BOOST_TEST(messages.size() == 18u);

  const std::vector<std::string> secrets = {
      sample_plaintext, sample_plaintext.substr(0, 12), sample_plaintext.substr(20, 12),
      raw_key, raw_key.substr(0, 8), key_b64, key_b64.substr(0, 12), key_b64.substr(20, 12),
      to_hex(raw_key).substr(0, 16), nonce_b64, body_b64, body_b64.substr(0, 12),
      body_b64.substr(30, 12), envelope.body.substr(0, 8)};
  for (const auto& message : messages) {
    BOOST_TEST(message.rfind("cryptcol: ", 0) == 0);
    for (const auto& secret : secrets) {
      BOOST_TEST(message.find(secret) == std::string::npos, "a message leaks protected bytes");
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
