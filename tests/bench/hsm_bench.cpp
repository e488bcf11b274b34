// Load latency of data keys wrapped under a KEK in a real SoftHSM token, beside the same
// keys in clear in a key file (the baseline, measured in the same run). The program sets up
// its own token in a temp directory (softhsm2-util), so it needs softhsm2 and nothing else.
//
//   cryptcol_bench_hsm [--benchmark_filter=...] [--benchmark_repetitions=5]

#include <benchmark/benchmark.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include <cryptcol/base64.hpp>
#include <cryptcol/envelope_key_provider.hpp>
#include <cryptcol/key_provider.hpp>
#include <cryptcol/pkcs11_token.hpp>

namespace {

constexpr int keys_per_file = 10;
constexpr const char* pin = "bench-pin";

struct Setup {
  std::filesystem::path dir;
  std::string clear_file, wrapped_file;
  cryptcol::Pkcs11Config config;
  std::string one_wrapped;  // v0's wrapped form
};

void write_private(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::trunc) << text;
  ::chmod(path.c_str(), 0600);
}

const Setup& setup() {
  static const Setup instance = [] {
    Setup s;
    char pattern[] = "/tmp/cryptcol-hsm-bench-XXXXXX";
    if (::mkdtemp(pattern) == nullptr) std::abort();
    s.dir = pattern;
    std::filesystem::create_directories(s.dir / "tokens");
    const std::string conf = (s.dir / "softhsm2.conf").string();
    std::ofstream(conf) << "directories.tokendir = " << (s.dir / "tokens").string()
                        << "\nobjectstore.backend = file\nlog.level = ERROR\n";
    ::setenv("SOFTHSM2_CONF", conf.c_str(), 1);
    const std::string init = std::string("softhsm2-util --init-token --free --label bench --pin ") +
                             pin + " --so-pin bench-so >/dev/null";
    if (std::system(init.c_str()) != 0) {
      std::fprintf(stderr, "softhsm2-util --init-token failed\n");
      std::exit(1);
    }
    s.config.token_label = "bench";
    s.config.pin = pin;
    cryptcol::Pkcs11Token token(s.config);
    token.create_kek("kek-bench");
    std::string clear, wrapped;
    for (int i = 0; i < keys_per_file; ++i) {
      const std::string version = "v" + std::to_string(i);
      const std::string b64 = cryptcol::generate_base64_key();
      const cryptcol::KeyMaterial key(cryptcol::base64_decode(b64));
      const auto state = i == 0 ? cryptcol::key_state::active : cryptcol::key_state::decrypt_only;
      clear += "key " + version + " " + cryptcol::to_string(state) + " " + b64 + "\n";
      const std::string w = token.wrap(version, key, "kek-bench");
      if (i == 0) s.one_wrapped = w;
      wrapped += cryptcol::format_wrapped_key_line(version, state, "kek-bench", w) + "\n";
    }
    s.clear_file = (s.dir / "clear-keys").string();
    s.wrapped_file = (s.dir / "wrapped-keys").string();
    write_private(s.clear_file, clear);
    write_private(s.wrapped_file, wrapped);
    return s;
  }();
  return instance;
}

void BM_Baseline_LoadClearKeyFile(benchmark::State& state) {
  cryptcol::KeyFileProvider provider(setup().clear_file);
  for (auto _ : state) benchmark::DoNotOptimize(cryptcol::build_key_ring(provider).get());
  state.counters["keys"] = keys_per_file;
}

// Module initialisation, session, login, 10 unwraps, logout: one reload from scratch.
void BM_LoadWrappedKeyFile(benchmark::State& state) {
  cryptcol::EnvelopeKeyProvider provider(setup().wrapped_file, setup().config);
  for (auto _ : state) benchmark::DoNotOptimize(cryptcol::build_key_ring(provider).get());
  state.counters["keys"] = keys_per_file;
}

// One unwrap on an open, logged-in session: the marginal cost of one more data key.
void BM_UnwrapOneKey(benchmark::State& state) {
  cryptcol::Pkcs11Token token(setup().config);
  for (auto _ : state) {
    auto key = token.unwrap("v0", setup().one_wrapped, "kek-bench");
    benchmark::DoNotOptimize(key.get());
  }
}

// Opening the token: module initialisation, session and login, without unwrapping.
void BM_OpenTokenAndLogin(benchmark::State& state) {
  for (auto _ : state) {
    cryptcol::Pkcs11Token token(setup().config);
    benchmark::DoNotOptimize(&token);
  }
}

BENCHMARK(BM_Baseline_LoadClearKeyFile)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_LoadWrappedKeyFile)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_UnwrapOneKey)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_OpenTokenAndLogin)->Unit(benchmark::kMicrosecond);

class LatencyReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const auto& run : runs) {
      if (run.error_occurred) continue;
      const double to_us = 1e6 / benchmark::GetTimeUnitMultiplier(run.time_unit);
      times_[run.benchmark_name()] = run.GetAdjustedRealTime() * to_us;
    }
    ConsoleReporter::ReportRuns(runs);
  }
  void print_summary() const {
    double clear = 0, wrapped = 0, unwrap = 0, open = 0;
    if (!lookup("BM_Baseline_LoadClearKeyFile", clear) || !lookup("BM_LoadWrappedKeyFile", wrapped)) {
      return;
    }
    std::printf("\nSoftHSM load latency, %d data keys per file (real time):\n", keys_per_file);
    std::printf("  clear key file:   %8.1f us (%6.1f us per key)\n", clear, clear / keys_per_file);
    std::printf("  wrapped key file: %8.1f us (%6.1f us per key) = %.1fx the clear file\n", wrapped,
                wrapped / keys_per_file, wrapped / clear);
    if (lookup("BM_UnwrapOneKey", unwrap)) {
      std::printf("  one unwrap on an open session: %.1f us\n", unwrap);
    }
    if (lookup("BM_OpenTokenAndLogin", open)) {
      std::printf("  module initialisation + session + login: %.1f us\n", open);
    }
  }

 private:
  bool lookup(const std::string& name, double& out) const {
    for (const std::string& key : {name + "_median", name}) {
      if (auto it = times_.find(key); it != times_.end()) {
        out = it->second;
        return true;
      }
    }
    return false;
  }
  std::map<std::string, double> times_;
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  setup();
  LatencyReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  reporter.print_summary();
  benchmark::Shutdown();
  std::filesystem::remove_all(setup().dir);
  return 0;
}
