#ifndef CRYPTCOL_TESTS_INTEGRATION_SOFTHSM_FIXTURE_HPP
#define CRYPTCOL_TESTS_INTEGRATION_SOFTHSM_FIXTURE_HPP

// A real SoftHSM token in a temp directory: SOFTHSM2_CONF points at a config whose token
// directory is private to the fixture, and softhsm2-util initialises a token in it. The
// module (Debian's libsofthsm2) reads SOFTHSM2_CONF when it is initialised, which cryptcol
// does while a Pkcs11Token exists, so each fixture starts from an empty token.

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <cryptcol/pkcs11_token.hpp>

#include "support/test_support.hpp"

namespace cryptcol::test {

inline const char* softhsm_module() { return "/usr/lib/softhsm/libsofthsm2.so"; }

class SoftHsm {
 public:
  static constexpr const char* token = "cryptcol-test";
  static constexpr const char* pin = "4711-user";
  static constexpr const char* so_pin = "0815-officer";

  SoftHsm() {
    std::filesystem::create_directories(dir_.path() / "tokens");
    conf_ = dir_.file("softhsm2.conf");
    std::ofstream(conf_) << "directories.tokendir = " << dir_.file("tokens") << "\n"
                         << "objectstore.backend = file\n"
                         << "log.level = ERROR\n";
    ::setenv("SOFTHSM2_CONF", conf_.c_str(), 1);
    const auto init = run_command({"softhsm2-util", "--init-token", "--free", "--label", token,
                                   "--pin", pin, "--so-pin", so_pin});
    if (init.exit_code != 0) {
      throw std::runtime_error("softhsm2-util --init-token failed: " + init.err);
    }
  }
  ~SoftHsm() { ::unsetenv("SOFTHSM2_CONF"); }
  SoftHsm(const SoftHsm&) = delete;
  SoftHsm& operator=(const SoftHsm&) = delete;

  Pkcs11Config config() const {
    Pkcs11Config c;
    c.module_path = softhsm_module();
    c.token_label = token;
    c.pin = pin;
    return c;
  }

  // The environment a process needs to reach the token (the CLI, load_key_ring_from_file).
  std::vector<std::string> env() const {
    return {"SOFTHSM2_CONF=" + conf_, std::string("CRYPTCOL_PKCS11_MODULE=") + softhsm_module(),
            std::string("CRYPTCOL_PKCS11_TOKEN=") + token,
            std::string("CRYPTCOL_PKCS11_PIN=") + pin};
  }

  // pkcs11-tool (OpenSC), an independent PKCS#11 client, on the same token.
  CommandResult pkcs11_tool(std::vector<std::string> args) const {
    std::vector<std::string> argv = {"pkcs11-tool", "--module", softhsm_module(), "--token-label",
                                     token, "--login", "--pin", pin};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv);
  }
  // Deletes a KEK behind cryptcol's back.
  void delete_key(const std::string& label) const {
    const auto r = pkcs11_tool({"--delete-object", "--type", "secrkey", "--label", label});
    if (r.exit_code != 0) throw std::runtime_error("pkcs11-tool --delete-object failed: " + r.err);
  }

  const TempDir& dir() const noexcept { return dir_; }
  const std::string& conf() const noexcept { return conf_; }

 private:
  TempDir dir_;
  std::string conf_;
};

}  // namespace cryptcol::test

#endif  // CRYPTCOL_TESTS_INTEGRATION_SOFTHSM_FIXTURE_HPP
