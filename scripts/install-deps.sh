#!/usr/bin/env bash
# Installs the Debian 12 packages cryptcol needs, only those missing.
#   scripts/install-deps.sh demo   what building the library, CLI and examples needs
#   scripts/install-deps.sh all    plus tests, PostgreSQL, benchmarks and fuzzers (default)
# Runs apt-get itself as root (as CI does). Otherwise it prints the command to run and
# fails, rather than calling sudo behind the user's back.
set -euo pipefail

profile=${1:-all}

# libboost-dev: Debian's libsoci-dev is built with SOCI_HAVE_BOOST, so its headers include
# Boost, but the package does not depend on it.
demo_packages=(
  cmake ninja-build g++ pkg-config
  libsoci-dev libboost-dev libsqlite3-dev libpq-dev libcrypto++-dev libfmt-dev
  nlohmann-json3-dev
  libp11-kit-dev  # the standard PKCS#11 header (modules are loaded at run time)
)
test_packages=(
  libboost-test-dev postgresql-15 python3-cryptography libbenchmark-dev clang libclang-rt-14-dev
  softhsm2 opensc  # a real PKCS#11 token for the hsm tests, and pkcs11-tool to check it
)

case $profile in
  demo) packages=("${demo_packages[@]}") ;;
  all) packages=("${demo_packages[@]}" "${test_packages[@]}") ;;
  *) echo "usage: $0 [demo|all]" >&2; exit 2 ;;
esac

missing=()
for package in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null || true)
  [[ $status == installed ]] || missing+=("$package")
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

command=(apt-get install -y --no-install-recommends "${missing[@]}")
if [[ $(id -u) -ne 0 ]]; then
  echo "install-deps: missing packages: ${missing[*]}" >&2
  echo "install-deps: run as root:  apt-get update && ${command[*]}" >&2
  exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
"${command[@]}"
