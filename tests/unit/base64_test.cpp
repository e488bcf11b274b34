#define BOOST_TEST_MODULE cryptcol base64
#include <boost/test/unit_test.hpp>

#include <random>
#include <string>
#include <utility>
#include <vector>

#include <cryptcol/base64.hpp>
#include <cryptcol/error.hpp>

namespace {

// RFC 4648 section 10.
const std::vector<std::pair<std::string, std::string>> rfc4648_vectors = {
    {"", ""},
    {"f", "Zg=="},
    {"fo", "Zm8="},
    {"foo", "Zm9v"},
    {"foob", "Zm9vYg=="},
    {"fooba", "Zm9vYmE="},
    {"foobar", "Zm9vYmFy"},
};

bool decodes(const std::string& text) {
  std::string out = "stale";
  return cryptcol::base64_decode(text, out);
}

}  // namespace

BOOST_AUTO_TEST_CASE(rfc4648_vectors_encode) {
  for (const auto& [plain, encoded] : rfc4648_vectors) {
    BOOST_TEST(cryptcol::base64_encode(plain) == encoded);
    BOOST_TEST(cryptcol::base64_encoded_size(plain.size()) == encoded.size());
  }
}

BOOST_AUTO_TEST_CASE(rfc4648_vectors_decode) {
  for (const auto& [plain, encoded] : rfc4648_vectors) {
    std::string out = "stale contents";
    BOOST_TEST(cryptcol::base64_decode(encoded, out));
    BOOST_TEST(out == plain);
    BOOST_TEST(cryptcol::base64_decode(std::string_view(encoded)) == plain);
  }
}

BOOST_AUTO_TEST_CASE(encode_append_keeps_prefix) {
  std::string out = "v1:";
  const std::uint8_t bytes[] = {'f', 'o', 'o', 'b'};
  cryptcol::base64_encode_append(bytes, sizeof bytes, out);
  BOOST_TEST(out == "v1:Zm9vYg==");
}

BOOST_AUTO_TEST_CASE(full_alphabet_and_all_byte_values_round_trip) {
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  const std::string encoded = cryptcol::base64_encode(all);
  BOOST_TEST(encoded.find('+') != std::string::npos);
  BOOST_TEST(encoded.find('/') != std::string::npos);
  BOOST_TEST(cryptcol::base64_decode(std::string_view(encoded)) == all);

  std::mt19937 rng(42);
  for (std::size_t n = 0; n < 200; ++n) {
    std::string bytes(n, '\0');
    for (auto& c : bytes) c = static_cast<char>(rng() & 0xff);
    const std::string text = cryptcol::base64_encode(bytes);
    BOOST_TEST(text.size() == cryptcol::base64_encoded_size(n));
    std::string back;
    BOOST_TEST(cryptcol::base64_decode(text, back));
    BOOST_TEST(back == bytes);
  }
}

BOOST_AUTO_TEST_CASE(missing_padding_refused) {
  BOOST_TEST(!decodes("Zg"));
  BOOST_TEST(!decodes("Zg="));
  BOOST_TEST(!decodes("Zm8"));
  BOOST_TEST(!decodes("Zm9vYg"));
  BOOST_TEST(!decodes("Zm9vYmE"));
  BOOST_TEST(!decodes("Z"));
}

BOOST_AUTO_TEST_CASE(misplaced_or_excess_padding_refused) {
  BOOST_TEST(!decodes("===="));
  BOOST_TEST(!decodes("Z==="));
  BOOST_TEST(!decodes("=Zg="));
  BOOST_TEST(!decodes("Zg==Zg=="));  // padding in the middle
  BOOST_TEST(!decodes("Zm=v"));
  BOOST_TEST(!decodes("Zg==="));
}

BOOST_AUTO_TEST_CASE(characters_outside_the_alphabet_refused) {
  for (const char* bad : {"Zm9v!mFy", "Zm9-YmFy", "Zm9_YmFy", "Zm9v\x80mFy", "Zm9\0YmFy",
                          "Zm.vYmFy", "Zm9vYmF*"}) {
    BOOST_TEST(!decodes(std::string(bad, 8)), "accepted " << std::string(bad, 8).size());
  }
  // Every byte that is not in the standard alphabet, in every position of a quad.
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (int c = 0; c < 256; ++c) {
    if (alphabet.find(static_cast<char>(c)) != std::string::npos) continue;
    for (std::size_t pos = 0; pos < 4; ++pos) {
      std::string text = "Zm9vYmFy";
      text[pos + 4] = static_cast<char>(c);
      if (c == '=' && pos >= 2) continue;  // legal padding positions tested elsewhere
      BOOST_TEST(!decodes(text), "byte " << c << " at " << pos);
    }
  }
}

BOOST_AUTO_TEST_CASE(whitespace_refused) {
  for (const char* bad :
       {" Zm9v", "Zm9v ", "Zm9v\n", "Zm\n9v", "Zm9v\r\n", "\tZm9v", "Zm 9vYmFy", "Zm9v    "}) {
    BOOST_TEST(!decodes(bad), "accepted whitespace variant");
  }
}

BOOST_AUTO_TEST_CASE(non_canonical_trailing_bits_refused) {
  // "Zg==" is 'f'; "Zh==" .. "Zv==" carry bits under the padding.
  BOOST_TEST(decodes("Zg=="));
  for (const char* bad : {"Zh==", "Zi==", "Zp==", "Zv=="}) BOOST_TEST(!decodes(bad), bad);
  // "Zm8=" is "fo"; "Zm9=" sets a bit under the single pad.
  BOOST_TEST(decodes("Zm8="));
  for (const char* bad : {"Zm9=", "Zm+=", "Zm/="}) BOOST_TEST(!decodes(bad), bad);
}

BOOST_AUTO_TEST_CASE(throwing_decoder_reports_bad_base64) {
  try {
    cryptcol::base64_decode(std::string_view("Zm9"));
    BOOST_FAIL("no exception");
  } catch (const cryptcol::error& e) {
    BOOST_TEST(static_cast<int>(e.code()) == static_cast<int>(cryptcol::errc::bad_base64));
  }
}

BOOST_AUTO_TEST_CASE(bad_character_found_at_every_position_of_a_long_value) {
  // Long enough for the vectorised decoder: a bad byte in any block, any lane, or the
  // scalar tail must be refused.
  std::string bytes;
  for (int i = 0; i < 301; ++i) bytes += static_cast<char>((i * 89 + 7) & 0xff);
  const std::string good = cryptcol::base64_encode(bytes);
  BOOST_REQUIRE(decodes(good));
  std::size_t accepted = 0;
  for (std::size_t pos = 0; pos < good.size(); ++pos) {
    for (const char bad : {'!', '-', '_', '.', ' ', '\n', '\0', '\x80', '\xff', '=', '@', '[',
                           '`', '{', ':', '~'}) {
      if (good[pos] == bad) continue;
      std::string text = good;
      text[pos] = bad;
      if (decodes(text)) ++accepted;
    }
  }
  BOOST_TEST(accepted == 0u);
}

BOOST_AUTO_TEST_CASE(lengths_around_block_boundaries_round_trip) {
  std::mt19937 rng(7);
  for (std::size_t n = 0; n <= 1100; ++n) {
    std::string bytes(n, '\0');
    for (auto& c : bytes) c = static_cast<char>(rng() & 0xff);
    std::string back;
    BOOST_TEST(cryptcol::base64_decode(cryptcol::base64_encode(bytes), back), "n=" << n);
    BOOST_TEST(back == bytes, "n=" << n);
  }
}
