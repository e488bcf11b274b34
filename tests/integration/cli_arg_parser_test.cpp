// The tool's argument parser, in process: the parts the current verbs do not reach end to end
// (repeatable options, integers, defaults) and the rule that values are never echoed.
#define BOOST_TEST_MODULE cli_arg_parser
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "arg_parser.hpp"
#include "exit_codes.hpp"
#include "json_writer.hpp"

using cryptcol::cli::ArgParser;
using cryptcol::cli::ParsedArgs;
using cryptcol::cli::usage_error;

namespace {

ArgParser sample_parser() {
  ArgParser parser;
  parser.option("db", "URL", "connection string")
      .option("batch-size", "N", "rows per batch", std::string("1000"))
      .repeatable_option("column", "NAME", "a column")
      .flag("dry-run", "write nothing")
      .positional("ACTION", "up or down")
      .positional("TARGET", "a step", false);
  return parser;
}

std::string usage_message(const std::vector<std::string>& args) {
  try {
    sample_parser().parse(args);
  } catch (const usage_error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

BOOST_AUTO_TEST_CASE(values_flags_defaults_and_positionals) {
  const ParsedArgs a = sample_parser().parse(
      {"up", "--db", "sqlite3://db=x.db", "--column=a", "--column", "b=c", "--dry-run", "t1"});
  BOOST_TEST(*a.get("db") == "sqlite3://db=x.db");
  BOOST_TEST((a.all("column") == std::vector<std::string>{"a", "b=c"}));
  BOOST_TEST(a.flag("dry-run"));
  BOOST_TEST(*a.integer("batch-size", 1, 100000) == 1000);
  BOOST_TEST(*a.positional("ACTION") == "up");
  BOOST_TEST(*a.positional("TARGET") == "t1");
  BOOST_TEST(!a.help_requested());

  const ParsedArgs b = sample_parser().parse({"down", "--batch-size=50", "--db=a=b"});
  BOOST_TEST(*b.integer("batch-size", 1, 100000) == 50);
  BOOST_TEST(*b.get("db") == "a=b");
  BOOST_TEST(!b.flag("dry-run"));
  BOOST_TEST(!b.positional("TARGET").has_value());
  BOOST_TEST(b.all("column").empty());
}

BOOST_AUTO_TEST_CASE(a_value_may_start_with_a_dash_and_double_dash_ends_options) {
  const ParsedArgs a = sample_parser().parse({"--db", "-weird", "--", "--dry-run"});
  BOOST_TEST(*a.get("db") == "-weird");
  BOOST_TEST(!a.flag("dry-run"));
  BOOST_TEST(*a.positional("ACTION") == "--dry-run");
  BOOST_TEST((sample_parser().parse({"-"}).positional("ACTION") == std::string("-")));
}

BOOST_AUTO_TEST_CASE(integers_are_checked_against_their_range) {
  for (const std::string bad : {"0", "-5", "abc", "12x", "", "99999999999999999999999"}) {
    const ParsedArgs a = sample_parser().parse({"up", "--batch-size", bad});
    BOOST_CHECK_THROW(a.integer("batch-size", 1, 100000), usage_error);
  }
}

BOOST_AUTO_TEST_CASE(errors_name_options_but_never_echo_values) {
  BOOST_TEST(usage_message({"up", "--db"}) == "option --db needs a value (URL)");
  BOOST_TEST(usage_message({"up", "--db", "a", "--db", "SECRET"}) ==
             "option --db given more than once");
  BOOST_TEST(usage_message({"up", "--dry-run=SECRET"}) == "option --dry-run takes no value");
  BOOST_TEST(usage_message({"up", "--nope=SECRET"}) == "unknown option --nope");
  BOOST_TEST(usage_message({"up", "--Sécret-Value"}) == "unknown option (unprintable option)");
  BOOST_TEST(usage_message({"up", "t", "SECRET"}) == "unexpected argument #3");
  BOOST_TEST(usage_message({}) == "missing argument ACTION");
}

BOOST_AUTO_TEST_CASE(help_skips_required_arguments) {
  BOOST_TEST(sample_parser().parse({"--help"}).help_requested());
  BOOST_TEST(sample_parser().parse({"-h"}).help_requested());
}

BOOST_AUTO_TEST_CASE(help_lists_every_option_with_its_default) {
  const std::string help = sample_parser().options_help();
  for (const std::string part : {"--db URL", "--batch-size N", "(default: 1000)", "--column NAME",
                                 "(repeatable)", "--dry-run", "ACTION", "-h, --help"}) {
    BOOST_TEST(help.find(part) != std::string::npos, part);
  }
  BOOST_TEST(sample_parser().synopsis() ==
             " [--db URL] [--batch-size N] [--column NAME]... [--dry-run] ACTION [TARGET]");
}

BOOST_AUTO_TEST_CASE(every_error_class_has_its_own_exit_code) {
  using cryptcol::errc;
  using cryptcol::cli::exit_code;
  using cryptcol::cli::exit_code_for;
  BOOST_TEST(static_cast<int>(exit_code_for(errc::bad_base64)) == 4);
  BOOST_TEST(static_cast<int>(exit_code_for(errc::invalid_utf8)) == 4);
  BOOST_TEST(static_cast<int>(exit_code_for(errc::plaintext_too_long)) == 4);
  BOOST_TEST(static_cast<int>(exit_code_for(errc::unknown_key_version)) == 3);
  BOOST_TEST(static_cast<int>(exit_code_for(errc::key_file_permissions)) == 3);
  BOOST_TEST(static_cast<int>(exit_code_for(errc::key_in_use)) == 3);
  BOOST_TEST(static_cast<int>(exit_code_for(errc::authentication_failed)) == 7);
  BOOST_TEST(static_cast<int>(exit_code_for(errc::database_error)) == 5);
  BOOST_TEST(static_cast<int>(exit_code_for(errc::lock_timeout)) == 5);
  BOOST_TEST(static_cast<int>(exit_code_for(errc::verification_failed)) == 6);
  BOOST_TEST(static_cast<int>(exit_code_for(errc::verification_required)) == 6);
  BOOST_TEST(static_cast<int>(exit_code_for(errc::invalid_argument)) == 2);
  BOOST_TEST(static_cast<int>(exit_code_for(errc::wrong_phase)) == 8);
  // A lost migrator lock is a failed step (migration range 60..79, not the key providers').
  BOOST_TEST(static_cast<int>(errc::lock_lost) == 73);
  BOOST_TEST(static_cast<int>(exit_code_for(errc::lock_lost)) == 8);
  BOOST_TEST(std::string(cryptcol::to_string(errc::lock_lost)) == "lock_lost");
  BOOST_TEST(static_cast<int>(exit_code_for(errc::random_source_failure)) == 1);
  // Blind indexes: a missing index key is a key error, a bad declaration a usage error.
  BOOST_TEST(static_cast<int>(exit_code_for(errc::no_index_key)) == 3);
  BOOST_TEST(static_cast<int>(exit_code_for(errc::empty_index_value)) == 4);
  BOOST_TEST(static_cast<int>(exit_code_for(errc::bad_index_bits)) == 2);
  BOOST_TEST(static_cast<int>(exit_code_for(errc::unknown_index)) == 2);
}

BOOST_AUTO_TEST_CASE(json_strings_are_escaped) {
  using cryptcol::cli::Json;
  const Json json = {
      {"s", std::string("a\"b\\c\n\x01", 7)}, {"n", 3}, {"b", false}, {"z", nullptr}};
  BOOST_TEST(cryptcol::cli::json_line(json) ==
             R"({"s":"a\"b\\c\n\u0001","n":3,"b":false,"z":null})");
  // Invalid UTF-8 (a driver's bytes, a file name) is replaced, not thrown.
  BOOST_TEST(cryptcol::cli::json_line(Json{{"s", "a\x80"}}) == "{\"s\":\"a\xef\xbf\xbd\"}");
}
