#define BOOST_TEST_MODULE cryptcol default key ring
#include <boost/test/unit_test.hpp>

#include <cryptcol/cipher.hpp>
#include <cryptcol/default_key_ring.hpp>

#include "support/test_support.hpp"
#include "unit/errc_check.hpp"

using cryptcol::errc;

BOOST_AUTO_TEST_CASE(nothing_installed_at_start) {
  BOOST_TEST(cryptcol::try_default_key_ring() == nullptr);
  CRYPTCOL_CHECK_ERRC(cryptcol::default_key_ring(), errc::no_key_ring);
}

BOOST_AUTO_TEST_CASE(set_and_replace) {
  const auto v1 = cryptcol::test::test_key_ring({"v1"}, "v1");
  const auto v2 = cryptcol::test::test_key_ring({"v1", "v2"}, "v2");
  cryptcol::set_default_key_ring(v1);
  BOOST_TEST(cryptcol::default_key_ring() == v1);
  // A ring taken before a swap stays valid and unchanged for whoever holds it.
  const auto held = cryptcol::default_key_ring();
  cryptcol::set_default_key_ring(v2);
  BOOST_TEST(cryptcol::default_key_ring() == v2);
  BOOST_TEST(held->active_version() == "v1");
  const std::string under_v1 = cryptcol::encrypt(*held, "x");
  BOOST_TEST(cryptcol::decrypt(*cryptcol::default_key_ring(), under_v1) == "x");
  cryptcol::set_default_key_ring(nullptr);
  BOOST_TEST(cryptcol::try_default_key_ring() == nullptr);
}

BOOST_AUTO_TEST_CASE(scoped_override_restores_the_previous_ring) {
  const auto outer = cryptcol::test::test_key_ring({"v1"}, "v1");
  const auto inner = cryptcol::test::test_key_ring({"v2"}, "v2");
  {
    cryptcol::ScopedDefaultKeyRing first(outer);
    BOOST_TEST(cryptcol::default_key_ring() == outer);
    {
      cryptcol::ScopedDefaultKeyRing second(inner);
      BOOST_TEST(cryptcol::default_key_ring() == inner);
      {
        cryptcol::ScopedDefaultKeyRing none(nullptr);
        CRYPTCOL_CHECK_ERRC(cryptcol::default_key_ring(), errc::no_key_ring);
      }
      BOOST_TEST(cryptcol::default_key_ring() == inner);
    }
    BOOST_TEST(cryptcol::default_key_ring() == outer);
  }
  BOOST_TEST(cryptcol::try_default_key_ring() == nullptr);
}

BOOST_AUTO_TEST_CASE(scoped_override_keeps_its_ring_alive) {
  cryptcol::ScopedDefaultKeyRing scope(cryptcol::test::test_key_ring({"v7"}, "v7"));
  BOOST_TEST(cryptcol::default_key_ring()->active_version() == "v7");
  BOOST_TEST(cryptcol::default_key_ring().use_count() >= 2);
}
