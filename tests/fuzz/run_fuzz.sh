#!/usr/bin/env bash
# Builds the libFuzzer targets with clang in BUILD_DIR and fuzzes each for SECONDS (default
# 60) on a scratch copy of the seed corpus. Exits non-zero on a crash, leak, timeout,
# sanitizer report or uncaught exception; exits 0 with a note when clang is not installed.
#   tests/fuzz/run_fuzz.sh BUILD_DIR [SECONDS]
set -euo pipefail

build_dir=${1:?usage: tests/fuzz/run_fuzz.sh BUILD_DIR [SECONDS]}
seconds=${2:-60}
fuzz_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source_dir=$(cd "$fuzz_dir/../.." && pwd)
jobs=${CRYPTCOL_JOBS:-2}

clangxx=${CRYPTCOL_FUZZ_CXX:-}
if [[ -z $clangxx ]]; then
  for candidate in clang++ clang++-16 clang++-15 clang++-14; do
    if command -v "$candidate" >/dev/null 2>&1; then clangxx=$(command -v "$candidate"); break; fi
  done
fi
if [[ -z $clangxx ]]; then
  echo "run_fuzz.sh: clang++ not found; fuzzing skipped (apt-get install clang)"
  exit 0
fi

generator=()
if command -v ninja >/dev/null 2>&1; then generator=(-G Ninja); fi
cmake -S "$source_dir" -B "$build_dir" "${generator[@]}" \
  -DCMAKE_CXX_COMPILER="$clangxx" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCRYPTCOL_BUILD_FUZZERS=ON \
  -DCRYPTCOL_BUILD_TESTS=OFF \
  -DCRYPTCOL_BUILD_EXAMPLES=OFF \
  -DCRYPTCOL_BUILD_CLI=OFF \
  -DCRYPTCOL_BUILD_BENCHMARKS=OFF \
  -DCRYPTCOL_INSTALL=OFF
cmake --build "$build_dir" --parallel "$jobs" --target cryptcol_fuzz_envelope

# libFuzzer adds what it finds to the first corpus directory: keep the repository's seeds
# untouched and fuzz a scratch copy.
work=$(mktemp -d "${TMPDIR:-/tmp}/cryptcol-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus" "$build_dir/fuzz-artifacts"
cp "$fuzz_dir/corpus/"* "$work/corpus/"

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:${UBSAN_OPTIONS:-}"
echo "run_fuzz.sh: fuzzing cryptcol_fuzz_envelope for ${seconds}s"
"$build_dir/tests/fuzz/cryptcol_fuzz_envelope" \
  -max_total_time="$seconds" \
  -timeout=10 \
  -rss_limit_mb=2048 \
  -max_len=4096 \
  -dict="$fuzz_dir/envelope.dict" \
  -artifact_prefix="$build_dir/fuzz-artifacts/" \
  -print_final_stats=1 \
  "$work/corpus"
echo "run_fuzz.sh: no crash, leak or uncaught exception in ${seconds}s"
