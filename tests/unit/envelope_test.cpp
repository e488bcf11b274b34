#define BOOST_TEST_MODULE cryptcol envelope
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include <cryptcol/base64.hpp>
#include <cryptcol/cipher.hpp>
#include <cryptcol/envelope.hpp>
#include <cryptcol/key_ring.hpp>

#include "support/test_support.hpp"
#include "unit/errc_check.hpp"

using cryptcol::Envelope;
using cryptcol::envelope_layout;
using cryptcol::errc;

namespace {

Envelope sample(std::string version = "v1", std::size_t ciphertext_bytes = 5) {
  Envelope e;
  e.layout = envelope_layout::text;
  e.version = std::move(version);
  for (std::size_t i = 0; i < cryptcol::nonce_size; ++i) {
    e.nonce[i] = static_cast<std::uint8_t>(i * 17 + 3);
  }
  e.body.resize(ciphertext_bytes + cryptcol::tag_size);
  for (std::size_t i = 0; i < e.body.size(); ++i) e.body[i] = static_cast<char>(i * 29 + 1);
  return e;
}

std::string b64(std::size_t bytes, char fill = 'A') {
  return cryptcol::base64_encode(std::string(bytes, fill));
}

const std::string good_nonce = b64(12);  // 16 characters
const std::string good_body = b64(20);   // 4 bytes of ciphertext + tag

void check_same(const Envelope& a, const Envelope& b) {
  BOOST_TEST(a.version == b.version);
  BOOST_TEST((a.nonce == b.nonce));
  BOOST_TEST(a.body == b.body);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(text_layout)

BOOST_AUTO_TEST_CASE(format_then_parse_round_trips) {
  const Envelope original = sample();
  const std::string text = cryptcol::format_text_envelope(original);
  BOOST_TEST(text.rfind("v1:", 0) == 0);
  BOOST_TEST(text.size() == cryptcol::text_envelope_size(2, 5));
  const Envelope parsed = cryptcol::parse_text_envelope(text);
  BOOST_TEST((parsed.layout == envelope_layout::text));
  check_same(parsed, original);
  BOOST_TEST(parsed.ciphertext_size() == 5u);
  BOOST_TEST(cryptcol::format_text_envelope(parsed) == text);
}

BOOST_AUTO_TEST_CASE(design_document_example_parses) {
  const Envelope e = cryptcol::parse_text_envelope("v1:3aefuXZzXzBIfn5X:2xoE5KUAXVDioacnP7wSu6c=");
  BOOST_TEST(e.version == "v1");
  BOOST_TEST(e.body.size() == 17u);
  BOOST_TEST(e.ciphertext_size() == 1u);
}

BOOST_AUTO_TEST_CASE(empty_ciphertext_is_valid) {
  const Envelope e = cryptcol::parse_text_envelope("v1:" + good_nonce + ":" + b64(16));
  BOOST_TEST(e.ciphertext_size() == 0u);
}

BOOST_AUTO_TEST_CASE(wrong_part_count) {
  for (const std::string& bad : std::vector<std::string>
       {std::string(), std::string("plain text"), std::string("v1"), "v1:" + good_nonce,
        "v1:" + good_nonce + good_body, "v1:" + good_nonce + ":" + good_body + ":",
        "v1:" + good_nonce + ":" + good_body + ":" + good_body, std::string("::::"),
        "v1::" + good_nonce + ":" + good_body}) {
    CRYPTCOL_CHECK_ERRC(cryptcol::parse_text_envelope(bad), errc::bad_part_count);
  }
}

BOOST_AUTO_TEST_CASE(bad_base64_in_nonce_or_body) {
  std::string unpadded_body = good_body;  // 20 bytes -> 28 chars ending in '='
  BOOST_REQUIRE(unpadded_body.back() == '=');
  unpadded_body.pop_back();
  std::string noncanonical_body = b64(16);  // ends in "==": make the bits under the pad non-zero
  BOOST_REQUIRE(noncanonical_body.substr(noncanonical_body.size() - 2) == "==");
  noncanonical_body[noncanonical_body.size() - 3] = 'B';
  std::string bad_nonce = good_nonce;
  bad_nonce[3] = '!';
  for (const std::string& bad : std::vector<std::string>
       {"v1:" + bad_nonce + ":" + good_body, "v1:" + good_nonce + ":" + unpadded_body,
        "v1:" + good_nonce + ":" + noncanonical_body, "v1:" + good_nonce + ":" + good_body + "\n",
        "v1:" + good_nonce + ": " + good_body, "v1:" + good_nonce.substr(0, 15) + ":" + good_body,
        "v1:" + good_nonce + ":" + good_body.substr(0, 10) + "-" + good_body.substr(11),
        "v1:" + good_nonce + ":" + good_body.substr(0, 10) + "_" + good_body.substr(11)}) {
    CRYPTCOL_CHECK_ERRC(cryptcol::parse_text_envelope(bad), errc::bad_base64);
  }
}

BOOST_AUTO_TEST_CASE(nonce_not_twelve_bytes) {
  for (std::size_t n : {0u, 1u, 8u, 11u, 13u, 15u, 16u, 24u}) {
    CRYPTCOL_CHECK_ERRC(cryptcol::parse_text_envelope("v1:" + b64(n) + ":" + good_body),
                        errc::bad_nonce_length);
  }
}

BOOST_AUTO_TEST_CASE(body_shorter_than_tag) {
  for (std::size_t n : {0u, 1u, 12u, 15u}) {
    CRYPTCOL_CHECK_ERRC(cryptcol::parse_text_envelope("v1:" + good_nonce + ":" + b64(n)),
                        errc::short_body);
  }
}

BOOST_AUTO_TEST_CASE(version_errors) {
  const std::string rest = ":" + good_nonce + ":" + good_body;
  CRYPTCOL_CHECK_ERRC(cryptcol::parse_text_envelope(rest), errc::empty_version);
  CRYPTCOL_CHECK_ERRC(cryptcol::parse_text_envelope(std::string(33, 'v') + rest),
                      errc::version_too_long);
  BOOST_TEST(cryptcol::parse_text_envelope(std::string(32, 'v') + rest).version.size() == 32u);
  for (const std::string& bad : std::vector<std::string>{"v 1", "v/1", "v+1", "v=1", "v\xc3\xa9",
                                                         "v\n", std::string("v\0" "1", 3)}) {
    CRYPTCOL_CHECK_ERRC(cryptcol::parse_text_envelope(bad + rest), errc::bad_version_char);
  }
  for (const std::string& good : std::vector<std::string>{"v1", "V2", "key-2024.01_a", "0"}) {
    BOOST_TEST(cryptcol::parse_text_envelope(good + rest).version == good);
  }
}

BOOST_AUTO_TEST_CASE(colon_in_version_is_a_bad_version_char) {
  // In stored text a ':' only ever splits parts; as a version id it is a bad character.
  CRYPTCOL_CHECK_ERRC(cryptcol::validate_version_id("v:1"), errc::bad_version_char);
  CRYPTCOL_CHECK_ERRC(cryptcol::validate_version_id(":"), errc::bad_version_char);
  BOOST_TEST(!cryptcol::is_valid_version_id("v:1"));
  CRYPTCOL_CHECK_ERRC(cryptcol::format_text_envelope(sample("v:1")), errc::bad_version_char);
  CRYPTCOL_CHECK_ERRC(cryptcol::format_binary_envelope(sample("v:1")), errc::bad_version_char);
  CRYPTCOL_CHECK_ERRC(cryptcol::KeyRingBuilder().add_key("v:1", std::string(32, 'k')),
                      errc::bad_version_char);
}

BOOST_AUTO_TEST_CASE(validate_version_id_classes) {
  CRYPTCOL_CHECK_ERRC(cryptcol::validate_version_id(""), errc::empty_version);
  CRYPTCOL_CHECK_ERRC(cryptcol::validate_version_id(std::string(33, 'a')), errc::version_too_long);
  CRYPTCOL_CHECK_ERRC(cryptcol::validate_version_id("a b"), errc::bad_version_char);
  BOOST_CHECK_NO_THROW(cryptcol::validate_version_id("v1"));
  BOOST_CHECK_NO_THROW(cryptcol::validate_version_id(std::string(32, 'a')));
  BOOST_TEST(cryptcol::is_valid_version_id("v10"));
  BOOST_TEST(!cryptcol::is_valid_version_id(""));
  BOOST_TEST(!cryptcol::is_valid_version_id(std::string(33, 'a')));
  CRYPTCOL_CHECK_ERRC(cryptcol::format_text_envelope(sample("")), errc::empty_version);
}

BOOST_AUTO_TEST_CASE(size_formula_matches_formatted_output) {
  for (const std::string& version :
       std::vector<std::string>{"v1", "v999", std::string(32, 'k')}) {
    for (std::size_t n = 0; n <= 300; ++n) {
      const std::string text = cryptcol::format_text_envelope(sample(version, n));
      BOOST_TEST(text.size() == cryptcol::text_envelope_size(version.size(), n), "n=" << n);
      // The design document's formula: len(version) + 1 + 16 + 1 + 4 * ceil((n + 16) / 3).
      BOOST_TEST(text.size() == version.size() + 1 + 16 + 1 + 4 * ((n + 16 + 2) / 3));
    }
  }
}

BOOST_AUTO_TEST_CASE(size_formula_matches_real_encryption) {
  const auto ring = cryptcol::test::test_key_ring({"v1"}, "v1");
  for (std::size_t n = 0; n <= 300; ++n) {
    const std::string text = cryptcol::encrypt(*ring, std::string(n, 'x'));
    BOOST_TEST(text.size() == cryptcol::text_envelope_size(2, n), "n=" << n);
    BOOST_TEST(cryptcol::parse_text_envelope(text).ciphertext_size() == n);
  }
}

BOOST_AUTO_TEST_CASE(looks_like_text_envelope_separates_ciphertext_from_plaintext) {
  const std::string real = cryptcol::format_text_envelope(sample());
  BOOST_TEST(cryptcol::looks_like_text_envelope(real));
  BOOST_TEST(cryptcol::looks_like_text_envelope("v1:3aefuXZzXzBIfn5X:2xoE5KUAXVDioacnP7wSu6c="));
  for (const std::string& plain : std::vector<std::string>
       {std::string(), std::string("hello"), std::string("note: call back"),
        std::string("https://example.org/a:b"), std::string("v1:short:x"),
        std::string("a b:") + good_nonce + ":" + good_body, ":" + good_nonce + ":" + good_body,
        "v1:" + good_nonce + good_body, "v1:" + good_nonce + ":" + good_body + ":x"}) {
    BOOST_TEST(!cryptcol::looks_like_text_envelope(plain), plain);
  }
}

BOOST_AUTO_TEST_CASE(envelope_version_prefix) {
  BOOST_TEST(cryptcol::envelope_version(cryptcol::format_text_envelope(sample("v7"))) == "v7");
  BOOST_TEST(cryptcol::envelope_version(cryptcol::format_binary_envelope(sample("v8"))) == "v8");
  BOOST_TEST(cryptcol::envelope_version("no colon here").empty());
  BOOST_TEST(cryptcol::envelope_version("bad version:x").empty());
  BOOST_TEST(cryptcol::envelope_version(":x").empty());
  BOOST_TEST(cryptcol::envelope_version("").empty());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(binary_layout)

BOOST_AUTO_TEST_CASE(format_then_parse_round_trips) {
  Envelope original = sample("v2", 40);
  original.nonce[0] = ':';  // a colon inside the raw bytes must not confuse the parser
  original.body[3] = ':';
  const std::string bytes = cryptcol::format_binary_envelope(original);
  BOOST_TEST(bytes.size() == 3 + 12 + 40 + 16u);
  BOOST_TEST(bytes.rfind("v2:", 0) == 0);
  const Envelope parsed = cryptcol::parse_binary_envelope(bytes);
  BOOST_TEST((parsed.layout == envelope_layout::binary));
  check_same(parsed, original);
}

BOOST_AUTO_TEST_CASE(malformed_classes) {
  const std::string raw28(28, '\x01');
  BOOST_CHECK_NO_THROW(cryptcol::parse_binary_envelope("v1:" + raw28));
  CRYPTCOL_CHECK_ERRC(cryptcol::parse_binary_envelope(raw28), errc::bad_part_count);
  // A prefix longer than any version id is indistinguishable from raw bytes without one.
  for (std::size_t length : {33u, 40u}) {
    CRYPTCOL_CHECK_ERRC(cryptcol::parse_binary_envelope(std::string(length, 'v') + ":" + raw28),
                        errc::bad_part_count);
  }
  BOOST_CHECK_NO_THROW(cryptcol::parse_binary_envelope(std::string(32, 'v') + ":" + raw28));
  CRYPTCOL_CHECK_ERRC(cryptcol::parse_binary_envelope(":" + raw28), errc::empty_version);
  CRYPTCOL_CHECK_ERRC(cryptcol::parse_binary_envelope("v 1:" + raw28), errc::bad_version_char);
  CRYPTCOL_CHECK_ERRC(cryptcol::parse_binary_envelope("v1:" + std::string(11, 'n')),
                      errc::bad_nonce_length);
  CRYPTCOL_CHECK_ERRC(cryptcol::parse_binary_envelope("v1:"), errc::bad_nonce_length);
  CRYPTCOL_CHECK_ERRC(cryptcol::parse_binary_envelope("v1:" + std::string(27, 'n')),
                      errc::short_body);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(legacy_layout)

BOOST_AUTO_TEST_CASE(format_then_parse_round_trips) {
  const Envelope original = sample("", 9);
  const std::string bytes = cryptcol::format_legacy_envelope(original);
  BOOST_TEST(bytes.size() == 12 + 9 + 16u);
  const Envelope parsed = cryptcol::parse_legacy_envelope(bytes);
  BOOST_TEST((parsed.layout == envelope_layout::legacy));
  BOOST_TEST(parsed.version.empty());
  check_same(parsed, original);
  BOOST_CHECK_NO_THROW(cryptcol::parse_legacy_envelope(std::string(28, '\0')));
}

BOOST_AUTO_TEST_CASE(malformed_classes) {
  CRYPTCOL_CHECK_ERRC(cryptcol::parse_legacy_envelope(""), errc::bad_nonce_length);
  CRYPTCOL_CHECK_ERRC(cryptcol::parse_legacy_envelope(std::string(11, 'n')),
                      errc::bad_nonce_length);
  CRYPTCOL_CHECK_ERRC(cryptcol::parse_legacy_envelope(std::string(12, 'n')), errc::short_body);
  CRYPTCOL_CHECK_ERRC(cryptcol::parse_legacy_envelope(std::string(27, 'n')), errc::short_body);
}

BOOST_AUTO_TEST_SUITE_END()
