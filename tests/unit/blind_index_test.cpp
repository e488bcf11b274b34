#define BOOST_TEST_MODULE cryptcol blind index
#include <boost/test/unit_test.hpp>

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <cryptcol/base64.hpp>
#include <cryptcol/blind_index.hpp>
#include <cryptcol/index_key_ring.hpp>
#include <cryptcol/key_ring.hpp>
#include <cryptcol/keyed_hash.hpp>

#include "support/test_support.hpp"
#include "unit/errc_check.hpp"

extern char** environ;

using cryptcol::BlindIndex;
using cryptcol::BlindIndexer;
using cryptcol::blind_index_speed;
using cryptcol::errc;
using cryptcol::test::test_key_bytes;
namespace transform = cryptcol::transform;

namespace {

std::string from_hex(std::string_view hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
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

std::string byte_range(int first, int last) {
  std::string out;
  for (int b = first; b <= last; ++b) out += static_cast<char>(b);
  return out;
}

std::shared_ptr<const cryptcol::IndexKeyRing> index_ring() {
  return cryptcol::IndexKeyRingBuilder()
      .add_key("v1", test_key_bytes("index-v1"))
      .add_key("v2", test_key_bytes("index-v2"))
      .build();
}

void clear_index_env() {
  std::vector<std::string> names;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry(*e);
    if (entry.rfind("CRYPTCOL_INDEX_KEY_", 0) == 0 || entry.rfind("CRYPTCOL_KEY_", 0) == 0) {
      names.push_back(entry.substr(0, entry.find('=')));
    }
  }
  for (const auto& name : names) ::unsetenv(name.c_str());
}

std::string normalise(const cryptcol::TransformChain& chain, std::string_view value) {
  return cryptcol::apply_transforms(chain, value);
}

}  // namespace

// ---- known answers ---------------------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(known_answers)

BOOST_AUTO_TEST_CASE(hkdf_sha256_rfc5869) {
  const std::string ikm1(22, '\x0b');
  BOOST_TEST(to_hex(cryptcol::hkdf_sha256(ikm1, byte_range(0x00, 0x0c), byte_range(0xf0, 0xf9),
                                          42)) ==
             "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
  BOOST_TEST(to_hex(cryptcol::hkdf_sha256(byte_range(0x00, 0x4f), byte_range(0x60, 0xaf),
                                          byte_range(0xb0, 0xff), 82)) ==
             "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c"
             "59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71"
             "cc30c58179ec3e87c14c01d5c1f3434f1d87");
  // Test case 3: no salt, no info.
  BOOST_TEST(to_hex(cryptcol::hkdf_sha256(ikm1, {}, {}, 42)) ==
             "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8");
  CRYPTCOL_CHECK_ERRC(cryptcol::hkdf_sha256(ikm1, {}, {}, 0), errc::invalid_argument);
  CRYPTCOL_CHECK_ERRC(cryptcol::hkdf_sha256(ikm1, {}, {}, 8161), errc::invalid_argument);
}

BOOST_AUTO_TEST_CASE(hmac_sha256_rfc4231) {
  struct Case {
    std::string key, data, mac;
  };
  const std::vector<Case> cases = {
      {std::string(20, '\x0b'), "Hi There",
       "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
      {"Jefe", "what do ya want for nothing?",
       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
      {std::string(20, '\xaa'), std::string(50, '\xdd'),
       "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
      {byte_range(0x01, 0x19), std::string(50, '\xcd'),
       "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
      {std::string(131, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First",
       "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
      {std::string(131, '\xaa'),
       "This is a test using a larger than block-size key and a larger than block-size data. "
       "The key needs to be hashed before being used by the HMAC algorithm.",
       "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    BOOST_TEST_CONTEXT("case " << i) {
      BOOST_TEST(to_hex(cryptcol::hmac_sha256(cases[i].key, cases[i].data)) == cases[i].mac);
    }
  }
}

BOOST_AUTO_TEST_CASE(hmac_sha256_rfc4231_truncation_case_5) {
  // Test case 5 truncates to 128 bits: the index encoding keeps the left-most bits.
  const std::string mac = cryptcol::hmac_sha256(std::string(20, '\x0c'), "Test With Truncation");
  BOOST_TEST(cryptcol::encode_blind_index_digest(mac, 128) == "a3b6167473100ee06e0c796c2955552b");
}

BOOST_AUTO_TEST_CASE(scrypt_rfc7914) {
  BOOST_TEST(to_hex(cryptcol::scrypt("", "", {16, 1, 1}, 64)) ==
             "77d6576238657b203b19ca42c18a0497f16b4844e3074ae8dfdffa3fede21442"
             "fcd0069ded0948f8326a753a0fc81f17e8d3e0fb2e0d3628cf35e20c38d18906");
  BOOST_TEST(to_hex(cryptcol::scrypt("password", "NaCl", {1024, 8, 16}, 64)) ==
             "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b373162"
             "2eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640");
  CRYPTCOL_CHECK_ERRC(cryptcol::scrypt("p", "s", {1000, 8, 1}, 32), errc::invalid_argument);
  CRYPTCOL_CHECK_ERRC(cryptcol::scrypt("p", "s", {1, 8, 1}, 32), errc::invalid_argument);
  CRYPTCOL_CHECK_ERRC(cryptcol::scrypt("p", "s", {1024, 0, 1}, 32), errc::invalid_argument);
  CRYPTCOL_CHECK_ERRC(cryptcol::scrypt("p", "s", {1024, 8, 0}, 32), errc::invalid_argument);
  CRYPTCOL_CHECK_ERRC(cryptcol::scrypt("p", "s", {std::uint64_t{1} << 21, 8, 1}, 32),
                      errc::invalid_argument);  // 2 GiB
}

BOOST_AUTO_TEST_SUITE_END()

// ---- output encoding -------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(encoding_keeps_leftmost_bits_and_zeroes_the_rest) {
  const std::string digest = from_hex("ffffffff00");
  BOOST_TEST(cryptcol::encode_blind_index_digest(digest, 1) == "80");
  BOOST_TEST(cryptcol::encode_blind_index_digest(digest, 7) == "fe");
  BOOST_TEST(cryptcol::encode_blind_index_digest(digest, 8) == "ff");
  BOOST_TEST(cryptcol::encode_blind_index_digest(digest, 13) == "fff8");
  BOOST_TEST(cryptcol::encode_blind_index_digest(digest, 32) == "ffffffff");
  BOOST_TEST(cryptcol::encode_blind_index_digest(from_hex("abcdef"), 20) == "abcde0");
  CRYPTCOL_CHECK_ERRC(cryptcol::encode_blind_index_digest(digest, 48), errc::invalid_argument);
  static_assert(cryptcol::blind_index_stored_width(1) == 2);
  static_assert(cryptcol::blind_index_stored_width(8) == 2);
  static_assert(cryptcol::blind_index_stored_width(9) == 4);
  static_assert(cryptcol::blind_index_stored_width(256) == 64);
}

BOOST_AUTO_TEST_CASE(values_have_the_stored_width_for_every_bit_length) {
  BlindIndexer indexer("patients", index_ring());
  for (unsigned bits = 1; bits <= 256; ++bits) {
    indexer.add(BlindIndex::single("i" + std::to_string(bits), "mrn", {}, bits));
  }
  for (unsigned bits = 1; bits <= 256; ++bits) {
    BOOST_TEST_CONTEXT("bits " << bits) {
      const std::string v = indexer.compute("i" + std::to_string(bits), "MRN-0042").str();
      BOOST_TEST(v.size() == cryptcol::blind_index_stored_width(bits));
      const unsigned unused = static_cast<unsigned>(8 * ((bits + 7) / 8) - bits);
      const auto last = static_cast<unsigned>(std::stoi(v.substr(v.size() - 2), nullptr, 16));
      BOOST_TEST((last & ((1u << unused) - 1)) == 0u);
      BOOST_TEST(cryptcol::BlindIndexValue::from_stored(v) == indexer.compute(
                     "i" + std::to_string(bits), "MRN-0042"));
    }
  }
}

BOOST_AUTO_TEST_CASE(values_print_redacted) {
  BlindIndexer indexer("patients", index_ring());
  indexer.add(BlindIndex::single("mrn_idx", "mrn", {}, 64));
  const auto value = indexer.compute("mrn_idx", "MRN-0042");
  std::ostringstream out;
  out << value;
  BOOST_TEST(out.str() == "[blind index]");
  BOOST_TEST(out.str().find(value.str()) == std::string::npos);
}

BOOST_AUTO_TEST_CASE(stored_values_parse_only_as_lowercase_hex) {
  BOOST_TEST(cryptcol::BlindIndexValue::from_stored("00ff").str() == "00ff");
  for (const char* bad : {"", "0", "00FF", "zz", "00 f"}) {
    CRYPTCOL_CHECK_ERRC(cryptcol::BlindIndexValue::from_stored(bad), errc::invalid_argument);
  }
}

// ---- transformations -------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(each_transformation) {
  BOOST_TEST(normalise({transform::exact()}, " A b ") == " A b ");
  BOOST_TEST(normalise({}, std::string("x\0y", 3)) == std::string("x\0y", 3));
  BOOST_TEST(normalise({transform::ascii_lowercase()}, "Ann@Example.ORG \xc3\x89") ==
             "ann@example.org \xc3\x89");  // É is not ASCII: unchanged
  BOOST_TEST(normalise({transform::collapse_whitespace()}, " \t a \r\n\v\f b  c \n") == "a b c");
  BOOST_TEST(normalise({transform::collapse_whitespace()}, "abc") == "abc");
  BOOST_TEST(normalise({transform::digits_only()}, "123-45-6789 \xd9\xa3") == "123456789");
  // Code points, not bytes: é is two bytes, the emoji four.
  const std::string name = "n\xc3\xa9" "e\xf0\x9f\x94\x90";
  BOOST_TEST(normalise({transform::last_chars(2)}, name) == "e\xf0\x9f\x94\x90");
  BOOST_TEST(normalise({transform::last_chars(3)}, name) == "\xc3\xa9" "e\xf0\x9f\x94\x90");
  BOOST_TEST(normalise({transform::first_chars(2)}, name) == "n\xc3\xa9");
  BOOST_TEST(normalise({transform::first_chars(9)}, name) == name);
  BOOST_TEST(normalise({transform::last_chars(9)}, name) == name);
  const auto strip_dashes = transform::custom("strip_dashes", [](std::string_view v) {
    std::string out;
    for (char c : v) {
      if (c != '-') out += c;
    }
    return out;
  });
  BOOST_TEST(normalise({strip_dashes}, "a-b--c") == "abc");
  BOOST_TEST(strip_dashes.name() == "custom(strip_dashes)");
}

BOOST_AUTO_TEST_CASE(transformations_compose_left_to_right) {
  const cryptcol::TransformChain last_four = {transform::digits_only(), transform::last_chars(4)};
  BOOST_TEST(normalise(last_four, "SSN 123-45-6789") == "6789");
  const cryptcol::TransformChain four_then_digits = {transform::last_chars(4),
                                                     transform::digits_only()};
  BOOST_TEST(normalise(four_then_digits, "6789 x") == "89");
  BOOST_TEST(cryptcol::describe(last_four) == "digits_only,last_chars(4)");
  BOOST_TEST(cryptcol::describe({}) == "exact");
}

BOOST_AUTO_TEST_CASE(bad_transformations) {
  CRYPTCOL_CHECK_ERRC(transform::last_chars(0), errc::invalid_argument);
  CRYPTCOL_CHECK_ERRC(transform::first_chars(0), errc::invalid_argument);
  CRYPTCOL_CHECK_ERRC(transform::custom("", [](std::string_view v) { return std::string(v); }),
                      errc::invalid_argument);
  CRYPTCOL_CHECK_ERRC(transform::custom("has space", [](std::string_view) { return "x"; }),
                      errc::invalid_argument);
  CRYPTCOL_CHECK_ERRC(normalise({transform::last_chars(2)}, "ab\xff"), errc::invalid_utf8);
}

BOOST_AUTO_TEST_CASE(a_chain_that_leaves_nothing_is_refused) {
  CRYPTCOL_CHECK_ERRC(normalise({transform::digits_only()}, "no digits here"),
                      errc::empty_index_value);
  CRYPTCOL_CHECK_ERRC(normalise({transform::collapse_whitespace()}, " \t\n "),
                      errc::empty_index_value);
  CRYPTCOL_CHECK_ERRC(normalise({}, ""), errc::empty_index_value);
  BlindIndexer indexer("patients", index_ring());
  indexer.add(BlindIndex::single("ssn_last4", "ssn",
                                 {transform::digits_only(), transform::last_chars(4)}, 16));
  CRYPTCOL_CHECK_ERRC(indexer.compute("ssn_last4", "unknown"), errc::empty_index_value);
  // The message names the chain, never the value.
  try {
    indexer.compute("ssn_last4", "secret-words");
    BOOST_ERROR("no exception");
  } catch (const cryptcol::error& e) {
    BOOST_TEST(std::string(e.what()).find("secret") == std::string::npos);
    BOOST_TEST(std::string(e.what()).find("digits_only,last_chars(4)") != std::string::npos);
  }
}

// ---- declarations and the indexer -----------------------------------------------------------

BOOST_AUTO_TEST_CASE(bits_outside_1_to_256_are_refused) {
  BlindIndexer indexer("patients", index_ring());
  for (unsigned bits : {0u, 257u, 1000u}) {
    BOOST_TEST_CONTEXT("bits " << bits) {
      CRYPTCOL_CHECK_ERRC(indexer.add(BlindIndex::single("mrn_idx", "mrn", {}, bits)),
                          errc::bad_index_bits);
      CRYPTCOL_CHECK_ERRC(cryptcol::validate_blind_index_bits(bits), errc::bad_index_bits);
      CRYPTCOL_CHECK_ERRC(cryptcol::encode_blind_index_digest(std::string(32, 'x'), bits),
                          errc::bad_index_bits);
    }
  }
  BOOST_TEST(!indexer.contains("mrn_idx"));
  BOOST_CHECK_NO_THROW(indexer.add(BlindIndex::single("one_bit", "mrn", {}, 1)));
  BOOST_CHECK_NO_THROW(indexer.add(BlindIndex::single("all_bits", "mrn", {}, 256)));
  const cryptcol::KeyMaterial key(test_key_bytes("k"));
  auto bad = BlindIndex::single("mrn_idx", "mrn", {}, 300);
  CRYPTCOL_CHECK_ERRC(cryptcol::compute_blind_index(key, bad, {"x"}), errc::bad_index_bits);
}

BOOST_AUTO_TEST_CASE(unknown_index_name) {
  BlindIndexer indexer("patients", index_ring());
  indexer.add(BlindIndex::single("email_lower", "email", {transform::ascii_lowercase()}));
  CRYPTCOL_CHECK_ERRC(indexer.compute("email_lowr", "a@b.c"), errc::unknown_index);
  CRYPTCOL_CHECK_ERRC(indexer.compute("email_lowr", std::vector<std::string_view>{"a@b.c"}), errc::unknown_index);
  CRYPTCOL_CHECK_ERRC(indexer.index("nope"), errc::unknown_index);
  CRYPTCOL_CHECK_ERRC(indexer.compute("", "a@b.c"), errc::unknown_index);
  BOOST_TEST(indexer.names() == std::vector<std::string>{"email_lower"});
}

BOOST_AUTO_TEST_CASE(missing_index_key) {
  BlindIndexer indexer("patients", index_ring());
  CRYPTCOL_CHECK_ERRC(indexer.add(BlindIndex::single("mrn_idx", "mrn", {}, 32,
                                                     blind_index_speed::fast, "v9")),
                      errc::no_index_key);
  BOOST_TEST(!indexer.contains("mrn_idx"));
  CRYPTCOL_CHECK_ERRC(index_ring()->key("v3"), errc::no_index_key);
  CRYPTCOL_CHECK_ERRC(cryptcol::IndexKeyRingBuilder().build(), errc::no_index_key);
  CRYPTCOL_CHECK_ERRC(BlindIndexer("patients", nullptr), errc::no_index_key);
  clear_index_env();
  CRYPTCOL_CHECK_ERRC(cryptcol::load_index_key_ring_from_env(), errc::no_index_key);
  // An encryption key is not an index key.
  ::setenv("CRYPTCOL_KEY_V1", cryptcol::base64_encode(test_key_bytes("v1")).c_str(), 1);
  CRYPTCOL_CHECK_ERRC(cryptcol::load_index_key_ring_from_env(), errc::no_index_key);
  clear_index_env();
  CRYPTCOL_CHECK_ERRC(
      cryptcol::parse_index_key_file("key v1 active " +
                                     cryptcol::base64_encode(test_key_bytes("v1")) + "\n"),
      errc::no_index_key);
}

BOOST_AUTO_TEST_CASE(bad_declarations) {
  BlindIndexer indexer("patients", index_ring());
  CRYPTCOL_CHECK_ERRC(indexer.add(BlindIndex::single("bad name", "mrn")), errc::invalid_identifier);
  CRYPTCOL_CHECK_ERRC(indexer.add(BlindIndex::single("ok", "mrn;drop")), errc::invalid_identifier);
  CRYPTCOL_CHECK_ERRC(indexer.add(BlindIndex::single("9lives", "mrn")), errc::invalid_identifier);
  CRYPTCOL_CHECK_ERRC(indexer.add(BlindIndex::compound("none", {})), errc::invalid_argument);
  CRYPTCOL_CHECK_ERRC(indexer.add(BlindIndex::compound("twice", {{"a", {}}, {"a", {}}})),
                      errc::invalid_argument);
  CRYPTCOL_CHECK_ERRC(indexer.add(BlindIndex::single("v", "mrn", {}, 32, blind_index_speed::fast,
                                                     "bad:version")),
                      errc::bad_version_char);
  auto slow = BlindIndex::single("dob", "dob", {}, 16, blind_index_speed::slow);
  slow.slow_params.cost = 1000;
  CRYPTCOL_CHECK_ERRC(indexer.add(slow), errc::invalid_argument);
  indexer.add(BlindIndex::single("mrn_idx", "mrn"));
  CRYPTCOL_CHECK_ERRC(indexer.add(BlindIndex::single("mrn_idx", "other")), errc::invalid_argument);
  CRYPTCOL_CHECK_ERRC(BlindIndexer("bad table", index_ring()), errc::invalid_identifier);
}

BOOST_AUTO_TEST_CASE(keys_bind_table_column_index_and_root_version) {
  const auto ring = index_ring();
  auto value = [&](const std::string& table, const BlindIndex& index) {
    BlindIndexer indexer(table, ring);
    indexer.add(index);
    return indexer.compute(index.name, "MRN-0042").str();
  };
  const std::set<std::string> values = {
      value("patients", BlindIndex::single("mrn_idx", "mrn")),
      value("patient", BlindIndex::single("mrn_idx", "mrn")),
      value("patients", BlindIndex::single("mrn_id", "mrn")),
      value("patients", BlindIndex::single("mrn_idx", "mrn2")),
      value("patients", BlindIndex::single("mrn_idx", "mrn", {}, 32, blind_index_speed::fast,
                                           "v2")),
  };
  BOOST_TEST(values.size() == 5u);
  // Length prefixes keep ("ab", "c") and ("a", "bc") apart in the info string.
  const auto info_ab_c = cryptcol::blind_index_key_info("ab", BlindIndex::single("c", "x"));
  const auto info_a_bc = cryptcol::blind_index_key_info("a", BlindIndex::single("bc", "x"));
  BOOST_TEST(info_ab_c != info_a_bc);
  BOOST_TEST(to_hex(info_ab_c) == to_hex("cryptcol blind index v1") + "00000002" + to_hex("ab") +
                                      "00000001" + to_hex("c") + "00000001" + to_hex("x"));
}

BOOST_AUTO_TEST_CASE(same_value_same_index_and_transforms_take_effect) {
  BlindIndexer indexer("patients", index_ring());
  indexer.add(BlindIndex::single("email_lower", "email",
                                 {transform::collapse_whitespace(), transform::ascii_lowercase()},
                                 64));
  indexer.add(BlindIndex::single("email_exact", "email", {}, 64));
  BOOST_TEST(indexer.compute("email_lower", " Ann@Example.org") ==
             indexer.compute("email_lower", "ann@example.org "));
  BOOST_TEST(indexer.compute("email_exact", "Ann@Example.org") !=
             indexer.compute("email_exact", "ann@example.org"));
  BOOST_TEST(indexer.compute("email_lower", "ann@example.org") !=
             indexer.compute("email_lower", "bob@example.org"));
}

BOOST_AUTO_TEST_CASE(compound_index_is_unambiguous) {
  BlindIndexer indexer("patients", index_ring());
  indexer.add(BlindIndex::compound("a_b", {{"a", {}}, {"b", {}}}, 128));
  BOOST_TEST(indexer.compute("a_b", {"ab", "c"}) != indexer.compute("a_b", {"a", "bc"}));
  BOOST_TEST(indexer.compute("a_b", {"ab", "c"}) == indexer.compute("a_b", {"ab", "c"}));
  CRYPTCOL_CHECK_ERRC(indexer.compute("a_b", "abc"), errc::invalid_argument);
  CRYPTCOL_CHECK_ERRC(indexer.compute("a_b", std::vector<std::string_view>{"abc"}), errc::invalid_argument);
  CRYPTCOL_CHECK_ERRC(indexer.compute("a_b", {"a", ""}), errc::empty_index_value);
  BOOST_TEST(indexer.index("a_b").is_compound());
  BOOST_TEST(indexer.index("a_b").column_name() == "a_a_b_bidx");
  BOOST_TEST(BlindIndex::single("lower", "email").column_name() == "email_lower_bidx");
}

BOOST_AUTO_TEST_CASE(slow_variant_differs_from_fast) {
  BlindIndexer indexer("patients", index_ring());
  // Same table, name and key: only the speed differs.
  indexer.add(BlindIndex::single("dob", "dob", {}, 32));
  auto slow = BlindIndex::single("dob", "dob", {}, 32, blind_index_speed::slow);
  slow.slow_params = {16, 1, 1};  // cheap for the test; the defaults are checked in bench
  BlindIndexer slow_indexer("patients", index_ring());
  slow_indexer.add(slow);
  BOOST_TEST(indexer.compute("dob", "1970-01-01") != slow_indexer.compute("dob", "1970-01-01"));
  BOOST_TEST(slow_indexer.compute("dob", "1970-01-01") ==
             slow_indexer.compute("dob", "1970-01-01"));
}

// ---- index root keys -------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(index_keys_from_the_environment) {
  clear_index_env();
  ::setenv("CRYPTCOL_INDEX_KEY_V1", cryptcol::base64_encode(test_key_bytes("i1")).c_str(), 1);
  ::setenv("CRYPTCOL_INDEX_KEY_V7", cryptcol::base64_encode(test_key_bytes("i7")).c_str(), 1);
  ::setenv("CRYPTCOL_KEY_V1", cryptcol::base64_encode(test_key_bytes("e1")).c_str(), 1);
  const auto ring = cryptcol::load_index_key_ring_from_env();
  BOOST_TEST(ring->entries().size() == 2u);
  BOOST_TEST(ring->contains("v1"));
  BOOST_TEST(ring->contains("v7"));
  const cryptcol::KeyMaterial expected(test_key_bytes("i7"));
  BOOST_TEST(ring->key("v7").fingerprint() == expected.fingerprint());
  // The encryption ring does not pick up index keys.
  const auto encryption = cryptcol::load_key_ring_from_env();
  BOOST_TEST(encryption->entries().size() == 1u);
  ::setenv("CRYPTCOL_INDEX_KEY_V2", "not base64!", 1);
  CRYPTCOL_CHECK_ERRC(cryptcol::load_index_key_ring_from_env(), errc::bad_key_encoding);
  ::setenv("CRYPTCOL_INDEX_KEY_V2", cryptcol::base64_encode("short").c_str(), 1);
  CRYPTCOL_CHECK_ERRC(cryptcol::load_index_key_ring_from_env(), errc::bad_key_length);
  clear_index_env();
}

BOOST_AUTO_TEST_CASE(index_keys_share_the_key_file) {
  const std::string e1 = cryptcol::base64_encode(test_key_bytes("e1"));
  const std::string i1 = cryptcol::base64_encode(test_key_bytes("i1"));
  const std::string i2 = cryptcol::base64_encode(test_key_bytes("i2"));
  const std::string file = "# keys\nkey v1 active " + e1 + "\nindex-key v1 " + i1 +
                           "  # root of the blind indexes\nindex-key v2 " + i2 + "\n";
  const auto encryption = cryptcol::parse_key_file(file);
  BOOST_TEST(encryption->entries().size() == 1u);
  const auto index = cryptcol::parse_index_key_file(file);
  BOOST_TEST(index->entries().size() == 2u);
  BOOST_TEST(index->key("v2").fingerprint() ==
             cryptcol::KeyMaterial(test_key_bytes("i2")).fingerprint());
  // Round trip of the index lines.
  BOOST_TEST(cryptcol::parse_index_key_file(cryptcol::format_index_key_lines(*index))
                 ->entries()
                 .size() == 2u);

  // A malformed index-key line is refused by both parsers, with its line number.
  const std::vector<std::string> bad = {"index-key v1", "index-key " + i1,
                                        "index-key v1 " + i1 + " extra"};
  for (const auto& line : bad) {
    BOOST_TEST_CONTEXT(line.substr(0, 12)) {
      const std::string contents = "key v1 active " + e1 + "\n" + line + "\n";
      CRYPTCOL_CHECK_ERRC(cryptcol::parse_key_file(contents), errc::key_file_format);
      CRYPTCOL_CHECK_ERRC(cryptcol::parse_index_key_file(contents), errc::key_file_format);
    }
  }
  try {
    cryptcol::parse_index_key_file("index-key v1 " + i1 + "\n\nindex-kee v2 " + i2 + "\n");
    BOOST_ERROR("no exception");
  } catch (const cryptcol::error& e) {
    BOOST_TEST(e.code() == errc::key_file_format);
    BOOST_TEST(std::string(e.what()).find("line 3") != std::string::npos);
  }
  CRYPTCOL_CHECK_ERRC(cryptcol::parse_index_key_file("index-key v1 " + i1 + "\nindex-key v1 " +
                                                     i2 + "\n"),
                      errc::duplicate_key_version);
  CRYPTCOL_CHECK_ERRC(cryptcol::parse_index_key_file("index-key v1 abc\n"),
                      errc::bad_key_encoding);
  // A file with index keys only holds no encryption key.
  CRYPTCOL_CHECK_ERRC(cryptcol::parse_key_file("index-key v1 " + i1 + "\n"),
                      errc::key_source_missing);
}

BOOST_AUTO_TEST_CASE(index_key_file_permissions) {
  cryptcol::test::TempDir dir;
  const std::string path = dir.file("keys");
  {
    std::ofstream out(path);
    out << "index-key v1 " << cryptcol::base64_encode(test_key_bytes("i1")) << "\n";
  }
  ::chmod(path.c_str(), 0600);
  BOOST_TEST(cryptcol::load_index_key_ring_from_file(path)->contains("v1"));
  ::chmod(path.c_str(), 0640);
  CRYPTCOL_CHECK_ERRC(cryptcol::load_index_key_ring_from_file(path), errc::key_file_permissions);
  CRYPTCOL_CHECK_ERRC(cryptcol::load_index_key_ring_from_file(dir.file("absent")),
                      errc::key_source_missing);
}

BOOST_AUTO_TEST_CASE(index_key_builder) {
  CRYPTCOL_CHECK_ERRC(cryptcol::IndexKeyRingBuilder().add_key("v1", "short"),
                      errc::bad_key_length);
  CRYPTCOL_CHECK_ERRC(cryptcol::IndexKeyRingBuilder()
                          .add_key("v1", test_key_bytes("a"))
                          .add_key("v1", test_key_bytes("b")),
                      errc::duplicate_key_version);
  const auto ring = index_ring();
  const auto smaller = cryptcol::IndexKeyRingBuilder(*ring).remove_key("v1").build();
  BOOST_TEST(!smaller->contains("v1"));
  BOOST_TEST(smaller->contains("v2"));
  CRYPTCOL_CHECK_ERRC(cryptcol::IndexKeyRingBuilder(*ring).remove_key("v5"), errc::no_index_key);
  // describe() holds versions and fingerprints, never key bytes.
  for (const auto& info : ring->describe()) BOOST_TEST(info.fingerprint.size() == 8u);
}

BOOST_AUTO_TEST_CASE(new_error_codes_have_names_and_classes) {
  using cryptcol::error_class;
  BOOST_TEST(std::string(cryptcol::to_string(errc::no_index_key)) == "no_index_key");
  BOOST_TEST(std::string(cryptcol::to_string(errc::empty_index_value)) == "empty_index_value");
  BOOST_TEST(std::string(cryptcol::to_string(errc::bad_index_bits)) == "bad_index_bits");
  BOOST_TEST(std::string(cryptcol::to_string(errc::unknown_index)) == "unknown_index");
  BOOST_CHECK(cryptcol::class_of(errc::no_index_key) == error_class::key);
  BOOST_CHECK(cryptcol::class_of(errc::empty_index_value) == error_class::value);
  // Existing numbers are unchanged.
  BOOST_TEST(static_cast<int>(errc::authentication_failed) == 40);
  BOOST_TEST(static_cast<int>(errc::database_error) == 60);
  BOOST_TEST(static_cast<int>(errc::irreversible_step) == 70);
}
