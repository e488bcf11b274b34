#!/bin/sh
# Builds a consumer program the way a Makefile user would: with the compiler and the flags
# pkg-config reports for one cryptcol module from an installed prefix. The link command is
# also written to <output>.link for check_link.cmake.
#   build.sh <pkgconfig-dir> <module> <c++ compiler> <source> <output> <shared|static> [flags...]
set -eu
[ $# -ge 6 ] || { echo "usage: $0 <pkgconfig-dir> <module> <cxx> <source> <output> <shared|static> [flags...]" >&2; exit 2; }
pcdir=$1 module=$2 cxx=$3 source=$4 output=$5 kind=$6
shift 6

PKG_CONFIG_PATH="$pcdir${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
export PKG_CONFIG_PATH
pkg_config=${PKG_CONFIG:-pkg-config}

static=
[ "$kind" = static ] && static=--static
"$pkg_config" --exists --print-errors "$module"
cflags=$("$pkg_config" --cflags "$module")
libs=$("$pkg_config" $static --libs "$module")
libdir=$("$pkg_config" --variable=libdir "$module")

# The RPATH lets shared cryptcol libraries load from the prefix without LD_LIBRARY_PATH.
echo "$cxx -std=c++17 $* $cflags -o $output $source $libs -Wl,-rpath,$libdir" > "$output.link"
set -x
# shellcheck disable=SC2086
"$cxx" -std=c++17 "$@" $cflags -o "$output" "$source" $libs -Wl,-rpath,"$libdir"
