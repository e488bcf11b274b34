#define BOOST_TEST_MODULE cryptcol EncryptedString
#include <boost/test/unit_test.hpp>

#include <array>
#include <optional>
#include <sstream>
#include <string>

#include "cryptcol/fmt.hpp"

#include <cryptcol/encrypted_string.hpp>
#include <cryptcol/envelope.hpp>

#include "support/test_support.hpp"
#include "unit/errc_check.hpp"

using cryptcol::EncryptedString;
using cryptcol::errc;

// The stored width is a compile-time constant, usable to size a column or a buffer.
static_assert(EncryptedString<100>::max_plaintext_bytes == 100);
static_assert(EncryptedString<100>::column_width == cryptcol::text_envelope_size(4, 100));
static_assert(EncryptedString<100>::stored_width(2) == 2 + 1 + 16 + 1 + 4 * ((100 + 16 + 2) / 3));
static_assert(EncryptedString<0>::stored_width(2) == 2 + 1 + 16 + 1 + 24);
static_assert(std::array<char, EncryptedString<10>::column_width>{}.size() == 4 + 2 + 16 + 36);

namespace {

struct V1Ring {
  cryptcol::ScopedDefaultKeyRing scope{cryptcol::test::test_key_ring({"v1"}, "v1")};
};

template <std::size_t N>
void check_max_length_width(const std::string& filler) {
  std::string value;
  while (value.size() + filler.size() <= N) value += filler;
  value.append(N - value.size(), 'x');
  BOOST_REQUIRE(value.size() == N);
  const EncryptedString<N> max_value{value};
  for (const std::string version : {"v1", "v42", "v999"}) {
    cryptcol::ScopedDefaultKeyRing scope(cryptcol::test::test_key_ring({version}, version));
    const std::string stored = max_value.seal();
    BOOST_TEST(stored.size() == EncryptedString<N>::stored_width(version.size()), "N=" << N);
    BOOST_TEST(stored.size() == cryptcol::text_envelope_size(version.size(), N));
    BOOST_TEST(stored.size() <= EncryptedString<N>::column_width);
    BOOST_TEST(EncryptedString<N>::open(stored).value() == value);
  }
  cryptcol::ScopedDefaultKeyRing scope(cryptcol::test::test_key_ring({"v999"}, "v999"));
  BOOST_TEST(max_value.seal().size() == EncryptedString<N>::column_width);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(limits)

BOOST_AUTO_TEST_CASE(stored_width_equals_real_envelope_of_a_max_length_value) {
  check_max_length_width<0>("x");
  check_max_length_width<1>("x");
  check_max_length_width<2>("x");
  check_max_length_width<3>("x");
  check_max_length_width<16>("\xf0\x9f\x94\x92");  // four 4-byte code points
  check_max_length_width<100>("\xc3\xa9");
  check_max_length_width<255>("abc");
  check_max_length_width<2000>("\xe2\x82\xac");
  check_max_length_width<16384>("0123456789");
}

BOOST_FIXTURE_TEST_CASE(limit_enforced_at_construction, V1Ring) {
  BOOST_CHECK_NO_THROW(EncryptedString<10>{std::string(10, 'x')});
  CRYPTCOL_CHECK_ERRC(EncryptedString<10>{std::string(11, 'x')}, errc::plaintext_too_long);
  // The limit counts UTF-8 bytes, not characters: three emoji are twelve bytes.
  CRYPTCOL_CHECK_ERRC(EncryptedString<10>{"\xf0\x9f\x94\x92\xf0\x9f\x94\x92\xf0\x9f\x94\x92"},
                      errc::plaintext_too_long);
  CRYPTCOL_CHECK_ERRC(EncryptedString<0>{"x"}, errc::plaintext_too_long);
  BOOST_CHECK_NO_THROW(EncryptedString<0>{""});
}

BOOST_FIXTURE_TEST_CASE(assign_refuses_too_long_and_keeps_the_value, V1Ring) {
  EncryptedString<5> value{"short"};
  CRYPTCOL_CHECK_ERRC(value.assign("longer!"), errc::plaintext_too_long);
  BOOST_TEST(value.value() == "short");
  value.assign("ok");
  BOOST_TEST(value.value() == "ok");
}

BOOST_FIXTURE_TEST_CASE(reading_a_value_longer_than_n_is_refused, V1Ring) {
  const std::string stored = EncryptedString<64>{std::string(40, 'y')}.seal();
  CRYPTCOL_CHECK_ERRC(EncryptedString<39>::open(stored), errc::plaintext_too_long);
  BOOST_TEST(EncryptedString<40>::open(stored).value() == std::string(40, 'y'));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(values)

BOOST_FIXTURE_TEST_CASE(seal_and_open_through_the_default_ring, V1Ring) {
  const EncryptedString<200> original{"Allergic to penicillin \xe2\x80\x94 \xf0\x9f\x92\x8a"};
  BOOST_TEST(original.key_version().empty());
  const std::string stored = original.seal();
  BOOST_TEST(cryptcol::looks_like_text_envelope(stored));
  BOOST_TEST(stored.find("penicillin") == std::string::npos);
  BOOST_TEST(stored.rfind("v1:", 0) == 0);
  const auto back = EncryptedString<200>::open(stored);
  BOOST_TEST(back.value() == original.value());
  BOOST_TEST(back.key_version() == "v1");
  BOOST_TEST((back == original));
  BOOST_TEST(back.size() == original.size());
  BOOST_TEST(!back.empty());
}

BOOST_AUTO_TEST_CASE(key_version_follows_the_value_not_the_active_key) {
  std::string under_v1;
  {
    cryptcol::ScopedDefaultKeyRing scope(cryptcol::test::test_key_ring({"v1"}, "v1"));
    under_v1 = EncryptedString<50>{"rotated"}.seal();
  }
  cryptcol::ScopedDefaultKeyRing scope(cryptcol::test::test_key_ring({"v1", "v2"}, "v2"));
  auto value = EncryptedString<50>::open(under_v1);
  BOOST_TEST(value.key_version() == "v1");
  BOOST_TEST(value.seal().rfind("v2:", 0) == 0);
  value.assign("changed");
  BOOST_TEST(value.key_version().empty());
}

BOOST_FIXTURE_TEST_CASE(open_propagates_typed_errors, V1Ring) {
  CRYPTCOL_CHECK_ERRC(EncryptedString<50>::open("not an envelope"), errc::bad_part_count);
  const std::string under_v2 =
      cryptcol::encrypt(*cryptcol::test::test_key_ring({"v2"}, "v2"), "other key");
  CRYPTCOL_CHECK_ERRC(EncryptedString<50>::open(under_v2), errc::unknown_key_version);
  std::string tampered = EncryptedString<50>{"tamper me"}.seal();
  tampered[tampered.size() - 6] = tampered[tampered.size() - 6] == 'A' ? 'B' : 'A';
  CRYPTCOL_CHECK_ERRC(EncryptedString<50>::open(tampered), errc::authentication_failed);
}

BOOST_AUTO_TEST_CASE(no_default_ring_is_a_typed_error) {
  cryptcol::ScopedDefaultKeyRing none(nullptr);
  const EncryptedString<10> value{"x"};
  CRYPTCOL_CHECK_ERRC(value.seal(), errc::no_key_ring);
  CRYPTCOL_CHECK_ERRC(EncryptedString<10>::open("v1:AAAAAAAAAAAAAAAA:AAAAAAAAAAAAAAAAAAAAAA=="),
                      errc::no_key_ring);
}

BOOST_FIXTURE_TEST_CASE(copy_move_and_compare, V1Ring) {
  EncryptedString<20> a{"alpha"};
  EncryptedString<20> b = a;
  BOOST_TEST((a == b));
  EncryptedString<20> c{"gamma"};
  BOOST_TEST((a != c));
  c = a;
  BOOST_TEST(c.value() == "alpha");
  EncryptedString<20> d = std::move(c);
  BOOST_TEST(d.value() == "alpha");
  b = EncryptedString<20>{"beta"};
  BOOST_TEST(b.value() == "beta");
  EncryptedString<20> empty;
  BOOST_TEST(empty.empty());
  BOOST_TEST(empty.seal().size() == cryptcol::text_envelope_size(2, 0));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(printing)

BOOST_AUTO_TEST_CASE(stream_and_fmt_print_redacted) {
  const EncryptedString<100> secret{"SSN 078-05-1120"};
  std::ostringstream os;
  os << secret;
  BOOST_TEST(os.str() == "[redacted]");
  BOOST_TEST(fmt::format("{}", secret) == "[redacted]");
  BOOST_TEST(fmt::format("value={}!", secret) == "value=[redacted]!");
  BOOST_TEST(fmt::format("{:>12}", secret) == "  [redacted]");
  BOOST_TEST(fmt::format("{}", secret).find("078") == std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(soci_conversions)

BOOST_FIXTURE_TEST_CASE(to_base_encrypts_and_sets_the_indicator, V1Ring) {
  using conversion = soci::type_conversion<EncryptedString<30>>;
  const EncryptedString<30> value{"to the database"};
  std::string base;
  soci::indicator ind = soci::i_null;  // stale from a previous execution
  conversion::to_base(value, base, ind);
  BOOST_TEST((ind == soci::i_ok));
  BOOST_TEST(cryptcol::decrypt(*cryptcol::default_key_ring(), base) == "to the database");

  EncryptedString<30> out;
  conversion::from_base(base, soci::i_ok, out);
  BOOST_TEST(out.value() == "to the database");
  BOOST_TEST(out.key_version() == "v1");
}

BOOST_FIXTURE_TEST_CASE(null_into_non_optional_is_a_typed_error, V1Ring) {
  using conversion = soci::type_conversion<EncryptedString<30>>;
  EncryptedString<30> out{"unchanged"};
  // On NULL the holder has stale contents (here a valid envelope); it must not be used.
  const std::string stale = EncryptedString<30>{"stale"}.seal();
  CRYPTCOL_CHECK_ERRC(conversion::from_base(stale, soci::i_null, out), errc::null_value);
}

BOOST_FIXTURE_TEST_CASE(optional_maps_null_both_ways, V1Ring) {
  using conversion = soci::type_conversion<std::optional<EncryptedString<30>>>;
  std::string base = "stale";
  soci::indicator ind = soci::i_ok;
  conversion::to_base(std::nullopt, base, ind);
  BOOST_TEST((ind == soci::i_null));

  const std::optional<EncryptedString<30>> present{EncryptedString<30>{"present"}};
  conversion::to_base(present, base, ind);
  BOOST_TEST((ind == soci::i_ok));
  BOOST_TEST(cryptcol::looks_like_text_envelope(base));

  std::optional<EncryptedString<30>> out{EncryptedString<30>{"old"}};
  conversion::from_base(base, soci::i_null, out);
  BOOST_TEST(!out.has_value());
  conversion::from_base(base, soci::i_ok, out);
  BOOST_REQUIRE(out.has_value());
  BOOST_TEST(out->value() == "present");
}

BOOST_AUTO_TEST_SUITE_END()
