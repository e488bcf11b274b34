#!/usr/bin/env bash
# Builds the library and the concurrency suite with ThreadSanitizer in its own build tree
# and runs the suite; any data race report fails the run.
#   tests/sanitizers.sh BUILD_DIR
set -euo pipefail

build_dir=${1:?usage: tests/sanitizers.sh BUILD_DIR}
source_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
jobs=${CRYPTCOL_JOBS:-2}
tsan_flags="-fsanitize=thread -fno-omit-frame-pointer"

generator=()
if command -v ninja >/dev/null 2>&1; then generator=(-G Ninja); fi

cmake -S "$source_dir" -B "$build_dir" "${generator[@]}" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS="$tsan_flags" \
  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=thread" \
  -DCMAKE_SHARED_LINKER_FLAGS="-fsanitize=thread" \
  -DCRYPTCOL_BUILD_TESTS=ON \
  -DCRYPTCOL_BUILD_EXAMPLES=OFF \
  -DCRYPTCOL_BUILD_CLI=OFF \
  -DCRYPTCOL_BUILD_BENCHMARKS=OFF \
  -DCRYPTCOL_BUILD_FUZZERS=OFF \
  -DCRYPTCOL_INSTALL=OFF
cmake --build "$build_dir" --parallel "$jobs" --target threads_test

# halt_on_error: the first race ends the run with TSan's exit code instead of a pass.
export TSAN_OPTIONS="halt_on_error=1 exitcode=66 second_deadlock_stack=1 ${TSAN_OPTIONS:-}"
log="$build_dir/threads_test.tsan.log"
status=0
"$build_dir/tests/unit/threads_test" --log_level=test_suite --report_level=short \
  --color_output=false 2>&1 | tee "$log" || status=${PIPESTATUS[0]}
if grep -q "WARNING: ThreadSanitizer" "$log"; then
  echo "sanitizers.sh: ThreadSanitizer reported a problem (see $log)" >&2
  exit 1
fi
if [[ $status -ne 0 ]]; then
  echo "sanitizers.sh: threads_test failed under ThreadSanitizer (exit $status)" >&2
  exit "$status"
fi
echo "sanitizers.sh: threads_test passed under ThreadSanitizer with no race reports"
