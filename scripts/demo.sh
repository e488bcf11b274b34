#!/usr/bin/env bash
# The main job, on a fresh Debian 12 machine: installs the missing packages, builds what the
# job needs in build/release, and runs it. Extra arguments go to the program.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$root/build/release
jobs=${CRYPTCOL_JOBS:-$(nproc)}

# The main job: the full zero-downtime migration (plaintext -> encrypted -> rotated key) on
# an embedded SQLite database while a simulated application keeps writing.
main_target=cryptcol_example_full_migration
main_program=$build/examples/full_migration/cryptcol-full-migration

"$root/scripts/install-deps.sh" demo

cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCRYPTCOL_BUILD_EXAMPLES=ON -DCRYPTCOL_BUILD_CLI=ON \
  -DCRYPTCOL_BUILD_TESTS=OFF -DCRYPTCOL_BUILD_BENCHMARKS=OFF -DCRYPTCOL_BUILD_FUZZERS=OFF
cmake --build "$build" --parallel "$jobs" --target "$main_target"

echo
exec "$main_program" "$@"
