#ifndef CRYPTCOL_KEY_PROVIDER_HPP
#define CRYPTCOL_KEY_PROVIDER_HPP

// Where a key ring's material comes from. A provider answers "which versions do you hold,
// in which state" and "give me the key of version v"; a ring is built from one or more
// providers (build_key_ring) and the process-wide ring is rebuilt from them on demand, on a
// signal or on an interval (key_ring_reloader.hpp). Providers can be slow or remote (a
// program, an HSM), so CachingKeyProvider keeps what they returned for a lifetime, in
// KeyMaterial objects that wipe themselves.
//
// Built in: EnvKeyProvider and KeyFileProvider (the CRYPTCOL_KEY_* environment and the
// 0600 key file), CommandKeyProvider (runs a program per version) and
// EnvelopeKeyProvider (a key file whose data keys are wrapped under a KEK in a PKCS#11
// token, envelope_key_provider.hpp).

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "cryptcol/key_ring.hpp"

namespace cryptcol {

struct ProvidedKey {
  std::string version;
  key_state state;
  std::shared_ptr<const KeyMaterial> key;
};

struct ProvidedKeys {
  std::vector<ProvidedKey> keys;
  std::shared_ptr<const KeyMaterial> legacy;  // nullptr when the provider has none
};

class KeyProvider {
 public:
  virtual ~KeyProvider() = default;

  // Every key the provider holds, read now. Throws cryptcol::error (key class).
  virtual ProvidedKeys load() = 0;
  // The key of one version. The default loads everything and picks; providers that can
  // fetch one version alone override it. Throws unknown_key_version when it has none.
  virtual std::shared_ptr<const KeyMaterial> fetch(std::string_view version);
  // Safe to log: a kind and a path or program name, never a secret.
  virtual std::string name() const = 0;
};

// A ring from the union of the providers' keys: exactly one active key among all of them,
// no version twice, at most one legacy key (the first provider's that has one).
std::shared_ptr<const KeyRing> build_key_ring(
    const std::vector<std::shared_ptr<KeyProvider>>& providers);
std::shared_ptr<const KeyRing> build_key_ring(KeyProvider& provider);

// CRYPTCOL_KEY_<VERSION>, CRYPTCOL_ACTIVE_KEY, ... (see load_key_ring_from_env).
class EnvKeyProvider final : public KeyProvider {
 public:
  ProvidedKeys load() override;
  std::string name() const override { return "environment"; }
};

// A key file holding `key` and `legacy` lines (see load_key_ring_from_file), checked for
// permissions on every load. `wrapped` lines need EnvelopeKeyProvider.
class KeyFileProvider final : public KeyProvider {
 public:
  explicit KeyFileProvider(std::string path) : path_(std::move(path)) {}
  ProvidedKeys load() override;
  std::string name() const override { return "key file " + path_; }

 private:
  std::string path_;
};

// Runs a program for each version and reads the version's key, base64 of 32 bytes, from its
// standard output (surrounding whitespace ignored). The program is run directly (fork and
// execvp, no shell) in its own process group, with standard input and error on /dev/null;
// "{version}" in any argument is replaced by the version, and when no argument holds it the
// version is appended as the last argument. Failures are typed: key_command_timeout (the
// process group is killed), key_command_failed (cannot start, killed by a signal or non-zero
// exit; the status is in the message), key_command_output (not exactly one base64 key).
class CommandKeyProvider final : public KeyProvider {
 public:
  struct Version {
    std::string version;
    key_state state;
  };

  // Throws invalid_argument for an empty command or no versions.
  CommandKeyProvider(std::vector<std::string> argv, std::vector<Version> versions,
                     std::chrono::milliseconds timeout = std::chrono::seconds(10));

  ProvidedKeys load() override;
  std::shared_ptr<const KeyMaterial> fetch(std::string_view version) override;
  std::string name() const override;

  // The argument vector for `version` (for tests and `--help` output).
  std::vector<std::string> command_for(std::string_view version) const;

 private:
  std::vector<std::string> argv_;
  std::vector<Version> versions_;
  std::chrono::milliseconds timeout_;
};

// Keeps what another provider returned for `lifetime`: load() and fetch() ask the inner
// provider only when their cached answer is older. Thread-safe. Rings built from cached
// material share its KeyMaterial objects, so a reload that hits the cache keeps the
// cipher engine's per-thread keyed cache warm.
class CachingKeyProvider final : public KeyProvider {
 public:
  using clock = std::chrono::steady_clock;

  CachingKeyProvider(std::shared_ptr<KeyProvider> inner, clock::duration lifetime);

  ProvidedKeys load() override;
  std::shared_ptr<const KeyMaterial> fetch(std::string_view version) override;
  std::string name() const override { return "cached " + inner_->name(); }

  // Drops every cached key (their memory is wiped once no ring holds them).
  void invalidate();

 private:
  struct Fetched {
    std::string version;
    std::shared_ptr<const KeyMaterial> key;
    clock::time_point at;
  };

  std::shared_ptr<KeyProvider> inner_;
  clock::duration lifetime_;
  std::mutex mutex_;
  bool loaded_ = false;
  ProvidedKeys all_;
  clock::time_point loaded_at_{};
  std::vector<Fetched> fetched_;
};

}  // namespace cryptcol

#endif  // CRYPTCOL_KEY_PROVIDER_HPP
