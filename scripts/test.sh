#!/usr/bin/env bash
# Builds everything and runs every test, on a fresh Debian 12 machine: installs the missing
# packages, configures and builds build/ci, runs the ctest suites (which start and stop
# their own PostgreSQL 15 cluster), then the sanitizer and fuzzing stages. Every stage runs
# even when an earlier one failed; the exit status is non-zero if any failed.
#
# Environment: CRYPTCOL_JOBS (build parallelism, default: number of CPUs),
#              CRYPTCOL_TEST_JOBS (parallel ctest suites, default: number of CPUs),
#              CRYPTCOL_FUZZ_SECONDS (time per fuzz target, default: 60).
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root" || exit 1
build=$root/build/ci
jobs=${CRYPTCOL_JOBS:-$(nproc)}
test_jobs=${CRYPTCOL_TEST_JOBS:-$(nproc)}

failed=()
summary=()

# stage NAME COMMAND...: runs one stage, records its result and duration.
stage() {
  local name=$1
  shift
  local start=$SECONDS
  echo
  echo "==== $name"
  if "$@"; then
    summary+=("$(printf '  %-12s ok      %4ss' "$name" $((SECONDS - start)))")
  else
    summary+=("$(printf '  %-12s FAILED  %4ss' "$name" $((SECONDS - start)))")
    failed+=("$name")
  fi
}

skip() {
  summary+=("$(printf '  %-12s skipped (%s)' "$1" "$2")")
}

finish() {
  echo
  echo "==== summary"
  printf '%s\n' "${summary[@]}"
  if [[ ${#failed[@]} -gt 0 ]]; then
    echo "FAILED: ${failed[*]}"
    exit 1
  fi
  echo "all stages passed"
  exit 0
}

stage deps "$root/scripts/install-deps.sh" all
[[ ${#failed[@]} -eq 0 ]] || finish

# The "ci" preset of CMakePresets.json (build/ci, warnings as errors) when there is one.
configure_args=(-DCRYPTCOL_BUILD_TESTS=ON -DCRYPTCOL_BUILD_EXAMPLES=ON -DCRYPTCOL_BUILD_CLI=ON
                -DCRYPTCOL_BUILD_BENCHMARKS=ON)
if [[ -f $root/CMakePresets.json ]] && grep -q '"name": *"ci"' "$root/CMakePresets.json"; then
  stage configure cmake --preset ci "${configure_args[@]}"
else
  stage configure cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    "${configure_args[@]}"
fi
[[ ${#failed[@]} -eq 0 ]] || finish

# Keep going past a failing target so every suite that does build still runs.
stage build cmake --build "$build" --parallel "$jobs" -- -k 0

stage ctest ctest --test-dir "$build" --output-on-failure --no-tests=error \
  --parallel "$test_jobs" --output-junit "$build/ctest-junit.xml"

# ---- hook: sanitizer builds, provided by tests/sanitizers.sh BUILD_DIR ----
if [[ -f $root/tests/sanitizers.sh ]]; then
  stage sanitizers env CRYPTCOL_JOBS="$jobs" bash "$root/tests/sanitizers.sh" "$root/build/sanitizers"
else
  skip sanitizers "tests/sanitizers.sh not present"
fi

# ---- hook: bounded libFuzzer runs, provided by tests/fuzz/run_fuzz.sh BUILD_DIR [SECONDS] ----
if [[ -f $root/tests/fuzz/run_fuzz.sh ]]; then
  stage fuzz env CRYPTCOL_JOBS="$jobs" bash "$root/tests/fuzz/run_fuzz.sh" "$root/build/fuzz" \
    "${CRYPTCOL_FUZZ_SECONDS:-60}"
else
  skip fuzz "tests/fuzz/run_fuzz.sh not present"
fi

finish
