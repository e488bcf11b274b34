#define BOOST_TEST_MODULE cryptcol key ring
#include <boost/test/unit_test.hpp>

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include <cryptcol/base64.hpp>
#include <cryptcol/cipher.hpp>
#include <cryptcol/key_ring.hpp>

#include "support/test_support.hpp"
#include "unit/errc_check.hpp"

extern char** environ;

using cryptcol::errc;
using cryptcol::key_state;
using cryptcol::test::test_key_bytes;

namespace {

std::string b64_key(const std::string& version) {
  return cryptcol::base64_encode(test_key_bytes(version));
}

// Every environment test starts and ends with none of the key variables set.
void clear_cryptcol_env() {
  std::vector<std::string> names = {"CRYPTCOL_ACTIVE_KEY", "CRYPTCOL_DISABLED_KEYS",
                                    "CRYPTCOL_LEGACY_KEY"};
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry(*e);
    if (entry.rfind("CRYPTCOL_KEY_", 0) == 0) names.push_back(entry.substr(0, entry.find('=')));
  }
  for (const auto& name : names) ::unsetenv(name.c_str());
}

struct CleanEnvironment {
  CleanEnvironment() { clear_cryptcol_env(); }
  ~CleanEnvironment() { clear_cryptcol_env(); }
};

void write_file(const std::string& path, const std::string& contents, mode_t mode) {
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << contents;
  }
  BOOST_REQUIRE(::chmod(path.c_str(), mode) == 0);
}

bool is_lower_hex(const std::string& s) {
  return s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(builder)

BOOST_AUTO_TEST_CASE(builds_a_ring_with_states) {
  const auto ring = cryptcol::KeyRingBuilder()
                        .add_key("v1", test_key_bytes("v1"), key_state::decrypt_only)
                        .add_base64_key("v2", b64_key("v2"), key_state::active)
                        .add_key("v0", test_key_bytes("v0"), key_state::disabled)
                        .build();
  BOOST_TEST(ring->active_version() == "v2");
  BOOST_TEST(ring->active().version == "v2");
  BOOST_TEST(ring->entries().size() == 3u);
  BOOST_TEST(ring->contains("v1"));
  BOOST_TEST(!ring->contains("v3"));
  BOOST_TEST(ring->find("v3") == nullptr);
  BOOST_TEST(ring->for_decrypt("v1").version == "v1");
  CRYPTCOL_CHECK_ERRC(ring->for_decrypt("v0"), errc::key_disabled);
  CRYPTCOL_CHECK_ERRC(ring->for_decrypt("v3"), errc::unknown_key_version);
  BOOST_TEST(!ring->has_legacy_key());
  CRYPTCOL_CHECK_ERRC(ring->legacy_key(), errc::no_legacy_key);

  const auto info = ring->describe();
  BOOST_REQUIRE(info.size() == 3u);
  BOOST_TEST(info[0].version == "v1");
  BOOST_TEST((info[0].state == key_state::decrypt_only));
  BOOST_TEST((info[1].state == key_state::active));
  BOOST_TEST((info[2].state == key_state::disabled));
}

BOOST_AUTO_TEST_CASE(no_active_key) {
  CRYPTCOL_CHECK_ERRC(cryptcol::KeyRingBuilder().build(), errc::no_active_key);
  CRYPTCOL_CHECK_ERRC(cryptcol::KeyRingBuilder().add_key("v1", test_key_bytes("v1")).build(),
                      errc::no_active_key);
  CRYPTCOL_CHECK_ERRC(cryptcol::KeyRingBuilder()
                          .add_key("v1", test_key_bytes("v1"), key_state::disabled)
                          .build(),
                      errc::no_active_key);
}

BOOST_AUTO_TEST_CASE(two_active_keys) {
  CRYPTCOL_CHECK_ERRC(cryptcol::KeyRingBuilder()
                          .add_key("v1", test_key_bytes("v1"), key_state::active)
                          .add_key("v2", test_key_bytes("v2"), key_state::active)
                          .build(),
                      errc::multiple_active_keys);
}

BOOST_AUTO_TEST_CASE(duplicate_version) {
  cryptcol::KeyRingBuilder builder;
  builder.add_key("v1", test_key_bytes("v1"), key_state::active);
  CRYPTCOL_CHECK_ERRC(builder.add_key("v1", test_key_bytes("v2")), errc::duplicate_key_version);
  CRYPTCOL_CHECK_ERRC(builder.add_base64_key("v1", b64_key("v2")), errc::duplicate_key_version);
}

BOOST_AUTO_TEST_CASE(key_not_32_bytes) {
  for (std::size_t n : {0u, 1u, 16u, 31u, 33u, 64u}) {
    CRYPTCOL_CHECK_ERRC(cryptcol::KeyRingBuilder().add_key("v1", std::string(n, 'k')),
                        errc::bad_key_length);
    const std::string encoded = cryptcol::base64_encode(std::string(n, 'k'));
    CRYPTCOL_CHECK_ERRC(cryptcol::KeyRingBuilder().add_base64_key("v1", encoded),
                        errc::bad_key_length);
    CRYPTCOL_CHECK_ERRC(cryptcol::KeyMaterial(std::string(n, 'k')), errc::bad_key_length);
  }
  CRYPTCOL_CHECK_ERRC(cryptcol::KeyRingBuilder().set_legacy_key(std::string(31, 'k')),
                      errc::bad_key_length);
}

BOOST_AUTO_TEST_CASE(key_not_base64) {
  std::string no_padding = b64_key("v1");
  BOOST_REQUIRE(no_padding.back() == '=');
  no_padding.pop_back();
  for (const std::string& bad : {std::string("not base64 at all!"), no_padding, " " + b64_key("v1"),
                                 b64_key("v1") + "\n", b64_key("v1").replace(5, 1, "-")}) {
    CRYPTCOL_CHECK_ERRC(cryptcol::KeyRingBuilder().add_base64_key("v1", bad),
                        errc::bad_key_encoding);
  }
  CRYPTCOL_CHECK_ERRC(cryptcol::KeyRingBuilder().set_legacy_base64_key("%%%%"),
                      errc::bad_key_encoding);
}

BOOST_AUTO_TEST_CASE(bad_version_ids) {
  CRYPTCOL_CHECK_ERRC(cryptcol::KeyRingBuilder().add_key("", test_key_bytes("v1")),
                      errc::empty_version);
  CRYPTCOL_CHECK_ERRC(
      cryptcol::KeyRingBuilder().add_key(std::string(33, 'v'), test_key_bytes("v1")),
      errc::version_too_long);
  CRYPTCOL_CHECK_ERRC(cryptcol::KeyRingBuilder().add_key("v 1", test_key_bytes("v1")),
                      errc::bad_version_char);
}

BOOST_AUTO_TEST_CASE(rotation_from_an_existing_ring) {
  const auto v1 = cryptcol::test::test_key_ring({"v1"}, "v1");
  const auto v2 = cryptcol::KeyRingBuilder(*v1)
                      .add_key("v2", test_key_bytes("v2"))
                      .set_active("v2")
                      .build();
  BOOST_TEST(v2->active_version() == "v2");
  BOOST_TEST((v2->find("v1")->state == key_state::decrypt_only));
  BOOST_TEST(v1->active_version() == "v1");  // the original ring is unchanged
  // Key material is shared, not copied.
  BOOST_TEST(v2->find("v1")->key.get() == v1->find("v1")->key.get());

  const auto retired = cryptcol::KeyRingBuilder(*v2).set_state("v1", key_state::disabled).build();
  BOOST_TEST((retired->find("v1")->state == key_state::disabled));
  const auto removed = cryptcol::KeyRingBuilder(*v2).remove_key("v1").build();
  BOOST_TEST(!removed->contains("v1"));
  CRYPTCOL_CHECK_ERRC(cryptcol::KeyRingBuilder(*v2).set_active("v9"), errc::unknown_key_version);
  CRYPTCOL_CHECK_ERRC(cryptcol::KeyRingBuilder(*v2).remove_key("v9"), errc::unknown_key_version);
  CRYPTCOL_CHECK_ERRC(cryptcol::KeyRingBuilder(*v2).remove_key("v2").build(), errc::no_active_key);
}

BOOST_AUTO_TEST_CASE(key_states_parse_and_print) {
  BOOST_TEST((cryptcol::parse_key_state("active") == key_state::active));
  BOOST_TEST((cryptcol::parse_key_state("decrypt-only") == key_state::decrypt_only));
  BOOST_TEST((cryptcol::parse_key_state("disabled") == key_state::disabled));
  CRYPTCOL_CHECK_ERRC(cryptcol::parse_key_state("Active"), errc::key_file_format);
  CRYPTCOL_CHECK_ERRC(cryptcol::parse_key_state(""), errc::key_file_format);
  for (auto state : {key_state::active, key_state::decrypt_only, key_state::disabled}) {
    BOOST_TEST((cryptcol::parse_key_state(cryptcol::to_string(state)) == state));
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(key_material)

BOOST_AUTO_TEST_CASE(fingerprint_is_eight_hex_digits_and_not_the_key) {
  const std::string raw = test_key_bytes("v1");
  const cryptcol::KeyMaterial key(raw);
  const std::string& fp = key.fingerprint();
  BOOST_TEST(fp.size() == 8u);
  BOOST_TEST(is_lower_hex(fp));
  std::string raw_hex;
  for (unsigned char c : raw) {
    raw_hex += "0123456789abcdef"[c >> 4];
    raw_hex += "0123456789abcdef"[c & 15];
  }
  BOOST_TEST(raw_hex.find(fp) == std::string::npos);
  BOOST_TEST(cryptcol::base64_encode(raw).find(fp) == std::string::npos);
  // Deterministic per key, different between keys.
  BOOST_TEST(cryptcol::KeyMaterial(raw).fingerprint() == fp);
  BOOST_TEST(cryptcol::KeyMaterial(test_key_bytes("v2")).fingerprint() != fp);
  // SHA-256 of 32 zero bytes starts with 66687aad.
  BOOST_TEST(cryptcol::KeyMaterial(std::string(32, '\0')).fingerprint() == "66687aad");
}

BOOST_AUTO_TEST_CASE(ids_are_unique) {
  const cryptcol::KeyMaterial a(test_key_bytes("v1"));
  const cryptcol::KeyMaterial b(test_key_bytes("v1"));
  BOOST_TEST(a.id() != b.id());
}

BOOST_AUTO_TEST_CASE(generated_keys_are_random_32_bytes) {
  const std::string a = cryptcol::generate_base64_key();
  const std::string b = cryptcol::generate_base64_key();
  BOOST_TEST(a != b);
  BOOST_TEST(cryptcol::base64_decode(std::string_view(a)).size() == 32u);
  BOOST_CHECK_NO_THROW(
      cryptcol::KeyRingBuilder().add_base64_key("v1", a, key_state::active).build());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(environment, CleanEnvironment)

BOOST_AUTO_TEST_CASE(single_key_is_active) {
  ::setenv("CRYPTCOL_KEY_V1", b64_key("v1").c_str(), 1);
  const auto ring = cryptcol::load_key_ring_from_env();
  BOOST_TEST(ring->active_version() == "v1");
  BOOST_TEST(ring->entries().size() == 1u);
  // The ring holds the key from the environment: it decrypts what the test key encrypts.
  const auto reference = cryptcol::test::test_key_ring({"v1"}, "v1");
  BOOST_TEST(cryptcol::decrypt(*ring, cryptcol::encrypt(*reference, "hello")) == "hello");
}

BOOST_AUTO_TEST_CASE(active_disabled_and_legacy) {
  ::setenv("CRYPTCOL_KEY_V1", b64_key("v1").c_str(), 1);
  ::setenv("CRYPTCOL_KEY_V2", b64_key("v2").c_str(), 1);
  ::setenv("CRYPTCOL_KEY_V3", b64_key("v3").c_str(), 1);
  ::setenv("CRYPTCOL_ACTIVE_KEY", "v3", 1);
  ::setenv("CRYPTCOL_DISABLED_KEYS", "v1", 1);
  ::setenv("CRYPTCOL_LEGACY_KEY", b64_key("legacy").c_str(), 1);
  const auto ring = cryptcol::load_key_ring_from_env();
  BOOST_TEST(ring->active_version() == "v3");
  BOOST_TEST(ring->entries().size() == 3u);
  BOOST_TEST((ring->find("v1")->state == key_state::disabled));
  BOOST_TEST((ring->find("v2")->state == key_state::decrypt_only));
  BOOST_TEST(ring->has_legacy_key());
  BOOST_TEST(ring->legacy_key().fingerprint() ==
             cryptcol::KeyMaterial(test_key_bytes("legacy")).fingerprint());
  BOOST_TEST(ring->find("v2")->key->fingerprint() ==
             cryptcol::KeyMaterial(test_key_bytes("v2")).fingerprint());
}

BOOST_AUTO_TEST_CASE(disabled_list_with_spaces_and_upper_case) {
  ::setenv("CRYPTCOL_KEY_V1", b64_key("v1").c_str(), 1);
  ::setenv("CRYPTCOL_KEY_V2", b64_key("v2").c_str(), 1);
  ::setenv("CRYPTCOL_KEY_V3", b64_key("v3").c_str(), 1);
  ::setenv("CRYPTCOL_ACTIVE_KEY", "V3", 1);
  ::setenv("CRYPTCOL_DISABLED_KEYS", " v1 , V2 ", 1);
  const auto ring = cryptcol::load_key_ring_from_env();
  BOOST_TEST(ring->active_version() == "v3");
  BOOST_TEST((ring->find("v1")->state == key_state::disabled));
  BOOST_TEST((ring->find("v2")->state == key_state::disabled));
}

BOOST_AUTO_TEST_CASE(no_keys) {
  CRYPTCOL_CHECK_ERRC(cryptcol::load_key_ring_from_env(), errc::key_source_missing);
  ::setenv("CRYPTCOL_ACTIVE_KEY", "v1", 1);
  CRYPTCOL_CHECK_ERRC(cryptcol::load_key_ring_from_env(), errc::key_source_missing);
}

BOOST_AUTO_TEST_CASE(several_keys_without_active_choice) {
  ::setenv("CRYPTCOL_KEY_V1", b64_key("v1").c_str(), 1);
  ::setenv("CRYPTCOL_KEY_V2", b64_key("v2").c_str(), 1);
  CRYPTCOL_CHECK_ERRC(cryptcol::load_key_ring_from_env(), errc::no_active_key);
}

BOOST_AUTO_TEST_CASE(active_names_a_missing_key) {
  ::setenv("CRYPTCOL_KEY_V1", b64_key("v1").c_str(), 1);
  ::setenv("CRYPTCOL_ACTIVE_KEY", "v9", 1);
  CRYPTCOL_CHECK_ERRC(cryptcol::load_key_ring_from_env(), errc::no_active_key);
}

BOOST_AUTO_TEST_CASE(bad_key_values) {
  ::setenv("CRYPTCOL_KEY_V1", "definitely not base64!", 1);
  CRYPTCOL_CHECK_ERRC(cryptcol::load_key_ring_from_env(), errc::bad_key_encoding);
  ::setenv("CRYPTCOL_KEY_V1", cryptcol::base64_encode(std::string(16, 'k')).c_str(), 1);
  CRYPTCOL_CHECK_ERRC(cryptcol::load_key_ring_from_env(), errc::bad_key_length);
  ::setenv("CRYPTCOL_KEY_V1", b64_key("v1").c_str(), 1);
  ::setenv("CRYPTCOL_LEGACY_KEY", "***", 1);
  CRYPTCOL_CHECK_ERRC(cryptcol::load_key_ring_from_env(), errc::bad_key_encoding);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(key_file)

BOOST_AUTO_TEST_CASE(loads_a_private_file) {
  cryptcol::test::TempDir dir;
  const std::string path = dir.file("keys");
  write_file(path,
             "# production keys\n"
             "key v1 decrypt-only " + b64_key("v1") + "\n"
             "\n"
             "key v2 active " + b64_key("v2") + "   # rotated in\n"
             "  key v0 disabled " + b64_key("v0") + "\n"
             "legacy " + b64_key("legacy") + "\n",
             0600);
  const auto ring = cryptcol::load_key_ring_from_file(path);
  BOOST_TEST(ring->active_version() == "v2");
  BOOST_TEST(ring->entries().size() == 3u);
  BOOST_TEST((ring->find("v1")->state == key_state::decrypt_only));
  BOOST_TEST((ring->find("v0")->state == key_state::disabled));
  BOOST_TEST(ring->has_legacy_key());
  BOOST_TEST(ring->find("v1")->key->fingerprint() ==
             cryptcol::KeyMaterial(test_key_bytes("v1")).fingerprint());
  // 0400 is private too.
  BOOST_REQUIRE(::chmod(path.c_str(), 0400) == 0);
  BOOST_CHECK_NO_THROW(cryptcol::load_key_ring_from_file(path));
}

BOOST_AUTO_TEST_CASE(refuses_files_others_may_access) {
  cryptcol::test::TempDir dir;
  const std::string path = dir.file("keys");
  const std::string contents = "key v1 active " + b64_key("v1") + "\n";
  for (mode_t mode : {0640, 0604, 0644, 0660, 0606, 0610, 0601, 0620, 0602, 0666}) {
    write_file(path, contents, mode);
    BOOST_TEST_CONTEXT("mode " << std::oct << mode) {
      CRYPTCOL_CHECK_ERRC(cryptcol::load_key_ring_from_file(path), errc::key_file_permissions);
    }
  }
}

BOOST_AUTO_TEST_CASE(missing_file) {
  cryptcol::test::TempDir dir;
  CRYPTCOL_CHECK_ERRC(cryptcol::load_key_ring_from_file(dir.file("absent")),
                      errc::key_source_missing);
}

BOOST_AUTO_TEST_CASE(format_errors) {
  const std::string k1 = b64_key("v1");
  const std::vector<std::string> bad_lines = {
      "kee v1 active " + k1,           "key v1 active",         "key v1 " + k1,
      "key v1 active " + k1 + " extra", "key v1 enabled " + k1, "legacy",
      "legacy " + k1 + " " + k1};
  for (const std::string& bad : bad_lines) {
    BOOST_TEST_CONTEXT("line: " << bad.substr(0, 14)) {
      CRYPTCOL_CHECK_ERRC(cryptcol::parse_key_file(bad + "\n"), errc::key_file_format);
    }
  }
  CRYPTCOL_CHECK_ERRC(cryptcol::parse_key_file("# nothing here\n\n"), errc::key_source_missing);
  CRYPTCOL_CHECK_ERRC(cryptcol::parse_key_file("key v1 active abc\n"), errc::bad_key_encoding);
  CRYPTCOL_CHECK_ERRC(cryptcol::parse_key_file("key v1 decrypt-only " + k1 + "\n"),
                      errc::no_active_key);
  CRYPTCOL_CHECK_ERRC(
      cryptcol::parse_key_file("key v1 active " + k1 + "\nkey v1 decrypt-only " + k1 + "\n"),
      errc::duplicate_key_version);
  CRYPTCOL_CHECK_ERRC(
      cryptcol::parse_key_file("key v1 active " + k1 + "\nkey v2 active " + b64_key("v2") + "\n"),
      errc::multiple_active_keys);
  // A format error is reported with its line number.
  try {
    cryptcol::parse_key_file("key v1 active " + k1 + "\n\nbogus\n");
    BOOST_ERROR("no exception");
  } catch (const cryptcol::error& e) {
    BOOST_TEST(e.code() == errc::key_file_format);
    BOOST_TEST(std::string(e.what()).find("line 3") != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(format_key_file_round_trips) {
  const auto original = cryptcol::KeyRingBuilder(*cryptcol::test::test_key_ring({"v1", "v2"}, "v2"))
                            .set_legacy_key(test_key_bytes("legacy"))
                            .build();
  const std::string text = cryptcol::format_key_file(*original);
  const auto parsed = cryptcol::parse_key_file(text);
  BOOST_TEST(parsed->active_version() == "v2");
  BOOST_TEST(parsed->has_legacy_key());
  for (const auto& entry : original->entries()) {
    BOOST_TEST(parsed->find(entry.version)->key->fingerprint() == entry.key->fingerprint());
  }
  cryptcol::test::TempDir dir;
  write_file(dir.file("keys"), text, 0600);
  BOOST_TEST(cryptcol::load_key_ring_from_file(dir.file("keys"))->active_version() == "v2");
}

BOOST_AUTO_TEST_SUITE_END()
