#include "arg_parser.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <utility>

namespace cryptcol::cli {

namespace {

bool is_option_name_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

// The option name is echoed in messages only when it looks like one; anything else might
// be a value typed in the wrong place.
std::string printable_option(std::string_view arg) {
  const auto name = arg.substr(0, arg.find('='));
  const bool plain = name.size() <= 40 && std::all_of(name.begin() + (name[1] == '-' ? 2 : 1),
                                                      name.end(), is_option_name_char);
  return plain ? std::string(name) : std::string("(unprintable option)");
}

}  // namespace

bool ParsedArgs::flag(std::string_view name) const {
  auto it = flags_.find(name);
  return it != flags_.end() && it->second;
}

std::optional<std::string> ParsedArgs::get(std::string_view name) const {
  auto it = values_.find(name);
  if (it == values_.end() || it->second.empty()) return std::nullopt;
  return it->second.back();
}

std::string ParsedArgs::get_or(std::string_view name, std::string fallback) const {
  auto value = get(name);
  return value ? *value : std::move(fallback);
}

std::vector<std::string> ParsedArgs::all(std::string_view name) const {
  auto it = values_.find(name);
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

std::optional<std::int64_t> ParsedArgs::integer(std::string_view name, std::int64_t min,
                                                std::int64_t max) const {
  auto text = get(name);
  if (!text) return std::nullopt;
  errno = 0;
  char* end = nullptr;
  const long long value = std::strtoll(text->c_str(), &end, 10);
  if (text->empty() || end != text->c_str() + text->size() || errno == ERANGE || value < min ||
      value > max) {
    throw usage_error("--" + std::string(name) + " needs a whole number from " +
                      std::to_string(min) + " to " + std::to_string(max));
  }
  return static_cast<std::int64_t>(value);
}

std::optional<std::string> ParsedArgs::choice(std::string_view name,
                                              const std::vector<std::string>& choices) const {
  auto value = get(name);
  if (!value) return std::nullopt;
  if (std::find(choices.begin(), choices.end(), *value) != choices.end()) return value;
  std::string list;
  for (const auto& c : choices) list += (list.empty() ? "" : ", ") + c;
  throw usage_error("--" + std::string(name) + " must be one of: " + list);
}

std::optional<std::string> ParsedArgs::positional(std::string_view name) const {
  auto it = named_positionals_.find(name);
  if (it == named_positionals_.end()) return std::nullopt;
  return it->second;
}

ArgParser& ArgParser::add(Option option) {
  options_.push_back(std::move(option));
  return *this;
}

ArgParser& ArgParser::flag(std::string name, std::string help) {
  return add({std::move(name), {}, std::move(help), std::nullopt, false});
}

ArgParser& ArgParser::option(std::string name, std::string metavar, std::string help,
                             std::optional<std::string> default_value) {
  return add({std::move(name), std::move(metavar), std::move(help), std::move(default_value),
              false});
}

ArgParser& ArgParser::repeatable_option(std::string name, std::string metavar,
                                        std::string help) {
  return add({std::move(name), std::move(metavar), std::move(help), std::nullopt, true});
}

ArgParser& ArgParser::positional(std::string name, std::string help, bool required) {
  positionals_.push_back({std::move(name), std::move(help), required});
  return *this;
}

const ArgParser::Option* ArgParser::find(std::string_view name) const noexcept {
  for (const auto& option : options_) {
    if (option.name == name) return &option;
  }
  return nullptr;
}

ParsedArgs ArgParser::parse(const std::vector<std::string>& args) const {
  ParsedArgs parsed;
  std::vector<std::string> positionals;
  bool options_done = false;

  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (options_done || arg.size() < 2 || arg[0] != '-') {
      positionals.push_back(arg);
      continue;
    }
    if (arg == "--") {
      options_done = true;
      continue;
    }
    if (arg == "-h" || arg == "--help") {
      parsed.help_ = true;
      continue;
    }
    if (arg[1] != '-') throw usage_error("unknown option " + printable_option(arg));

    const auto eq = arg.find('=');
    const std::string name = arg.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
    const Option* option = find(name);
    if (option == nullptr) throw usage_error("unknown option " + printable_option(arg));

    if (!option->takes_value()) {
      if (eq != std::string::npos) throw usage_error("option --" + name + " takes no value");
      parsed.flags_[name] = true;
      continue;
    }
    std::string value;
    if (eq != std::string::npos) {
      value = arg.substr(eq + 1);
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      throw usage_error("option --" + name + " needs a value (" + option->metavar + ")");
    }
    auto& values = parsed.values_[name];
    if (!option->repeatable && !values.empty()) {
      throw usage_error("option --" + name + " given more than once");
    }
    values.push_back(std::move(value));
  }

  for (const auto& option : options_) {
    if (option.default_value && parsed.values_[option.name].empty()) {
      parsed.values_[option.name].push_back(*option.default_value);
    }
  }

  if (parsed.help_) return parsed;

  if (positionals.size() > positionals_.size()) {
    throw usage_error("unexpected argument #" + std::to_string(positionals_.size() + 1) +
                      (positionals_.empty() ? " (this command takes no arguments)" : ""));
  }
  for (std::size_t i = 0; i < positionals_.size(); ++i) {
    if (i < positionals.size()) {
      parsed.named_positionals_[positionals_[i].name] = positionals[i];
    } else if (positionals_[i].required) {
      throw usage_error("missing argument " + positionals_[i].name);
    }
  }
  parsed.positionals_ = std::move(positionals);
  return parsed;
}

std::string ArgParser::synopsis() const {
  std::string text;
  for (const auto& option : options_) {
    text += " [--" + option.name;
    if (option.takes_value()) text += " " + option.metavar;
    text += option.repeatable ? "]..." : "]";
  }
  for (const auto& positional : positionals_) {
    text += positional.required ? " " + positional.name : " [" + positional.name + "]";
  }
  return text;
}

std::string ArgParser::options_help() const {
  std::vector<std::pair<std::string, std::string>> rows;
  for (const auto& positional : positionals_) rows.emplace_back(positional.name, positional.help);
  for (const auto& option : options_) {
    std::string left = "--" + option.name;
    if (option.takes_value()) left += " " + option.metavar;
    std::string help = option.help;
    if (option.default_value) help += " (default: " + *option.default_value + ")";
    if (option.repeatable) help += " (repeatable)";
    rows.emplace_back(std::move(left), std::move(help));
  }
  rows.emplace_back("-h, --help", "show this help and exit");

  std::size_t width = 0;
  for (const auto& row : rows) width = std::max(width, row.first.size());
  std::string text;
  for (const auto& row : rows) {
    text += "  " + row.first + std::string(width - row.first.size() + 3, ' ') + row.second + "\n";
  }
  return text;
}

}  // namespace cryptcol::cli
