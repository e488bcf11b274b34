#ifndef CRYPTCOL_CLI_ARG_PARSER_HPP
#define CRYPTCOL_CLI_ARG_PARSER_HPP

// A small long-option parser for the verbs of the command-line tool:
//   --name value | --name=value | --flag | -h/--help | -- (end of options) | positionals.
// Error messages name options but never echo values or positional arguments: an operator
// may paste a key or a protected value in the wrong place.

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace cryptcol::cli {

// A mistake on the command line: exit code 2, message on stderr.
class usage_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class ParsedArgs {
 public:
  bool help_requested() const noexcept { return help_; }
  bool flag(std::string_view name) const;
  // The last value of an option (or its default); nullopt when absent.
  std::optional<std::string> get(std::string_view name) const;
  std::string get_or(std::string_view name, std::string fallback) const;
  // Every value of a repeatable option, in command-line order.
  std::vector<std::string> all(std::string_view name) const;
  // Integer value within [min, max]; usage_error otherwise.
  std::optional<std::int64_t> integer(std::string_view name, std::int64_t min,
                                      std::int64_t max) const;
  // One of `choices`; usage_error otherwise.
  std::optional<std::string> choice(std::string_view name,
                                    const std::vector<std::string>& choices) const;
  std::optional<std::string> positional(std::string_view name) const;
  const std::vector<std::string>& positionals() const noexcept { return positionals_; }

 private:
  friend class ArgParser;
  bool help_ = false;
  std::map<std::string, std::vector<std::string>, std::less<>> values_;
  std::map<std::string, bool, std::less<>> flags_;
  std::map<std::string, std::string, std::less<>> named_positionals_;
  std::vector<std::string> positionals_;
};

class ArgParser {
 public:
  // Names are given without the leading dashes ("key-file").
  ArgParser& flag(std::string name, std::string help);
  ArgParser& option(std::string name, std::string metavar, std::string help,
                    std::optional<std::string> default_value = std::nullopt);
  ArgParser& repeatable_option(std::string name, std::string metavar, std::string help);
  ArgParser& positional(std::string name, std::string help, bool required = true);

  // Throws usage_error. -h/--help anywhere before "--" sets help_requested() and skips
  // the checks for required positionals.
  ParsedArgs parse(const std::vector<std::string>& args) const;

  // "[--key-file FILE] [--json] ARG" for the usage line.
  std::string synopsis() const;
  // The aligned "Options:" block (without the heading).
  std::string options_help() const;
  bool has_options() const noexcept { return !options_.empty(); }

 private:
  struct Option {
    std::string name;
    std::string metavar;  // empty for flags
    std::string help;
    std::optional<std::string> default_value;
    bool repeatable = false;
    bool takes_value() const noexcept { return !metavar.empty(); }
  };
  struct Positional {
    std::string name;
    std::string help;
    bool required;
  };
  const Option* find(std::string_view name) const noexcept;
  ArgParser& add(Option option);

  std::vector<Option> options_;
  std::vector<Positional> positionals_;
};

}  // namespace cryptcol::cli

#endif  // CRYPTCOL_CLI_ARG_PARSER_HPP
