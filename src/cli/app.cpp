#include "app.hpp"

#include <algorithm>
#include <new>
#include <string_view>
#include <system_error>

#include <soci/soci-backend.h>

#include <cryptcol/error.hpp>
#include <cryptcol/version.hpp>

#include "verb.hpp"

namespace cryptcol::cli {

namespace {

std::string general_help(const std::string& program) {
  std::string text = "Usage: " + program + " COMMAND [options]\n" + "       " + program +
                     " COMMAND --help\n\n"
                     "Encrypts, decrypts and inspects AES-256-GCM column values in the text\n"
                     "envelope format <version>:<base64 nonce>:<base64 ciphertext||tag>, and\n"
                     "moves live plaintext columns to encrypted ones phase by phase (add-column,\n"
                     "dual-write, backfill, verify, cut-over, contract) and to new keys (rotate,\n"
                     "retire-key), with history, a migrator lock and audit lines.\n\n"
                     "Commands:\n";
  std::size_t width = 0;
  for (const auto& verb : all_verbs()) width = std::max(width, verb.name.size());
  for (const auto& verb : all_verbs()) {
    text += "  " + verb.name + std::string(width - verb.name.size() + 3, ' ') + verb.summary +
            "\n";
  }
  text += "\nOptions:\n"
          "  -h, --help     show this help and exit\n"
          "  --version      print the version and exit\n"
          "\nExit codes:\n" +
          describe_exit_codes();
  return text;
}

// A command name is echoed only when it looks like one (it might be a pasted secret).
std::string printable_command(const std::string& name) {
  const bool plain = !name.empty() && name.size() <= 32 &&
                     std::all_of(name.begin(), name.end(), [](char c) {
                       return (c >= 'a' && c <= 'z') || c == '-';
                     });
  return plain ? "'" + name + "'" : "(unprintable)";
}

// Hints for the failures operators meet most; the message itself already names the code.
const char* hint_for(errc code) {
  switch (code) {
    case errc::no_legacy_key:
      return "set CRYPTCOL_LEGACY_KEY or add a 'legacy' line to the key file";
    case errc::invalid_utf8:
      return "text envelopes carry UTF-8 only; use --layout binary for bytes";
    default: return nullptr;
  }
}

std::string first_line(std::string_view text) {
  return std::string(text.substr(0, text.find('\n')));
}

int report(Context& ctx, const std::string& where, const std::string& message, exit_code code) {
  ctx.err << ctx.program << " " << where << ": " << message << "\n";
  return to_int(code);
}

int run_verb(const Verb& verb, const std::vector<std::string>& args, Context& ctx) {
  const std::string where = verb.name;
  try {
    const ParsedArgs parsed = verb.parser.parse(args);
    if (parsed.help_requested()) {
      ctx.out << help_text(verb, ctx.program);
      ctx.out.flush();
      return to_int(exit_code::ok);
    }
    const exit_code code = verb.run(parsed, ctx);
    ctx.out.flush();
    if (!ctx.out) {
      return report(ctx, where, "cannot write standard output", exit_code::internal);
    }
    return to_int(code);
  } catch (const usage_error& e) {
    ctx.err << ctx.program << " " << where << ": " << e.what() << "\n"
            << "Try '" << ctx.program << " " << where << " --help'.\n";
    return to_int(exit_code::usage);
  } catch (const error& e) {
    // "<code>: <detail>", the library's what() without its "cryptcol: ".
    std::string message = to_string(e.code());
    if (!e.detail().empty()) message += ": " + e.detail();
    if (const char* hint = hint_for(e.code())) message += " (" + std::string(hint) + ")";
    return report(ctx, where, message, exit_code_for(e.code()));
  } catch (const soci::soci_error& e) {
    // Only the first line of the backend's own message: PostgreSQL's DETAIL lines and
    // SOCI's query context may quote values.
    return report(ctx, where, "database error: " + first_line(e.get_error_message()),
                  exit_code::database);
  } catch (const std::system_error& e) {
    return report(ctx, where, e.what(), exit_code::internal);
  } catch (const std::bad_alloc&) {
    return report(ctx, where, "out of memory", exit_code::internal);
  } catch (const std::exception&) {
    // Unknown exception types may carry anything: report the failure, not the text.
    return report(ctx, where, "internal error", exit_code::internal);
  }
}

}  // namespace

int run_cli(const std::vector<std::string>& args, Context& ctx) {
  if (args.empty()) {
    ctx.err << general_help(ctx.program);
    return to_int(exit_code::usage);
  }
  const std::string& first = args.front();
  if (first == "-h" || first == "--help") {
    ctx.out << general_help(ctx.program);
    return to_int(exit_code::ok);
  }
  if (first == "--version") {
    ctx.out << ctx.program << " " << CRYPTCOL_VERSION_STRING << "\n";
    return to_int(exit_code::ok);
  }
  if (first == "help") {
    if (args.size() == 1) {
      ctx.out << general_help(ctx.program);
      return to_int(exit_code::ok);
    }
    if (const Verb* verb = find_verb(args[1])) {
      ctx.out << help_text(*verb, ctx.program);
      return to_int(exit_code::ok);
    }
    ctx.err << ctx.program << ": unknown command " << printable_command(args[1]) << "\n";
    return to_int(exit_code::usage);
  }
  const Verb* verb = find_verb(first);
  if (verb == nullptr) {
    ctx.err << ctx.program << ": unknown command " << printable_command(first) << "\n"
            << "Try '" << ctx.program << " --help'.\n";
    return to_int(exit_code::usage);
  }
  return run_verb(*verb, std::vector<std::string>(args.begin() + 1, args.end()), ctx);
}

}  // namespace cryptcol::cli
