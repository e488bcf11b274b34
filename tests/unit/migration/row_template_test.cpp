#define BOOST_TEST_MODULE migration row templates
#include <boost/test/unit_test.hpp>

#include <string>

#include "migration/data/row_transform.hpp"

using cryptcol::migration::detail::expand_template;

BOOST_AUTO_TEST_CASE(qualifier_replaces_every_placeholder) {
  BOOST_TEST(expand_template("{t}\"c_encrypted\" IS NULL AND {t}\"c\" IS NOT NULL", "p.") ==
             "p.\"c_encrypted\" IS NULL AND p.\"c\" IS NOT NULL");
  BOOST_TEST(expand_template("{t}{t}{t}", "x") == "xxx");
  // An empty qualifier leaves bare column names.
  BOOST_TEST(expand_template("{t}\"c\" IS NULL", "") == "\"c\" IS NULL");
}

BOOST_AUTO_TEST_CASE(source_replaces_src) {
  BOOST_TEST(expand_template("{t}\"c\" = {src}", "", ":old") == "\"c\" = :old");
  BOOST_TEST(expand_template("{src} <> {src}", "t.", "?") == "? <> ?");
}

BOOST_AUTO_TEST_CASE(a_replacement_is_not_expanded_by_itself) {
  // Replacing goes on after the inserted text, so a value that contains its own
  // placeholder is inserted once, as written, rather than looping.
  BOOST_TEST(expand_template("{t}a {t}b", "{t}") == "{t}a {t}b");
  BOOST_TEST(expand_template("{src}", "", "{src}{src}") == "{src}{src}");
}

BOOST_AUTO_TEST_CASE(text_without_placeholders_is_unchanged) {
  for (const char* text : {"", "id > 0", "{", "{t", "t}", "{T}", "{ t}", "{srcx"}) {
    BOOST_TEST(expand_template(text, "q.", "s") == std::string(text));
  }
  BOOST_TEST(expand_template("{src}x", "q.", "s") == "sx");
}
