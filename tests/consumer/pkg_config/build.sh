#!/bin/sh
# Builds the consumer program the way a Makefile user would: with the compiler and the flags
# pkg-config reports for cryptcol from an installed prefix.
#   build.sh <pkgconfig-dir> <c++ compiler> <source> <output> <shared|static> [compiler flags...]
set -eu
[ $# -ge 5 ] || { echo "usage: $0 <pkgconfig-dir> <cxx> <source> <output> <shared|static> [flags...]" >&2; exit 2; }
pcdir=$1 cxx=$2 source=$3 output=$4 kind=$5
shift 5

PKG_CONFIG_PATH="$pcdir${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
export PKG_CONFIG_PATH
pkg_config=${PKG_CONFIG:-pkg-config}

static=
[ "$kind" = static ] && static=--static
"$pkg_config" --exists --print-errors cryptcol
cflags=$("$pkg_config" --cflags cryptcol)
libs=$("$pkg_config" $static --libs cryptcol)
libdir=$("$pkg_config" --variable=libdir cryptcol)

set -x
# The RPATH lets a shared libcryptcol load from the prefix without LD_LIBRARY_PATH.
# shellcheck disable=SC2086
"$cxx" -std=c++17 "$@" $cflags -o "$output" "$source" $libs -Wl,-rpath,"$libdir"
