# Binary packages with CPack: one Debian package holding both libraries (libcryptcol_core,
# libcryptcol_migration), the headers, the CMake and pkg-config packages and the cryptcol tool.
#
#   cmake --preset release && cmake --build --preset release && cpack --preset release
#   (or: cmake -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=ON \
#          -DCMAKE_INSTALL_PREFIX=/usr && cmake --build build && cd build && cpack -G DEB)
#
# The package installs under CMAKE_INSTALL_PREFIX, so configure with /usr for a .deb:
# GNUInstallDirs then picks the multiarch libdir (lib/x86_64-linux-gnu) and the tool needs no
# RPATH.

set(CPACK_PACKAGE_NAME "cryptcol")
set(CPACK_PACKAGE_VENDOR "cryptcol contributors")
set(CPACK_PACKAGE_CONTACT "cryptcol maintainers <maintainers@cryptcol.invalid>")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_DESCRIPTION
    "cryptcol encrypts SQL columns with AES-256-GCM through SOCI type conversions and moves\
 plaintext columns to encrypted ones without downtime (add, dual-write, backfill, verify,\
 cut over, rotate). This package holds the C++ libraries libcryptcol_core and\
 libcryptcol_migration, their headers, CMake and pkg-config packages, and the cryptcol\
 command-line tool.")
set(CPACK_PACKAGE_HOMEPAGE_URL "${PROJECT_HOMEPAGE_URL}")
set(CPACK_RESOURCE_FILE_LICENSE "${PROJECT_SOURCE_DIR}/LICENSE")
set(CPACK_PACKAGING_INSTALL_PREFIX "${CMAKE_INSTALL_PREFIX}")
set(CPACK_GENERATOR "DEB")
set(CPACK_SOURCE_GENERATOR "TGZ")
set(CPACK_SOURCE_IGNORE_FILES "/\\.git/" "/build/" "/build-[^/]*/" "/CMakeUserPresets\\.json$"
    "__pycache__")
set(CPACK_STRIP_FILES OFF)
set(CPACK_VERBATIM_VARIABLES ON)

if(NOT CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  message(STATUS "cryptcol: Debian packages will install under ${CMAKE_INSTALL_PREFIX}; "
                 "configure with -DCMAKE_INSTALL_PREFIX=/usr for a distributable .deb")
endif()

# Debian: a single package (no component split), file name <name>_<version>-<release>_<arch>.deb.
set(CPACK_DEB_COMPONENT_INSTALL OFF)
set(CPACK_DEBIAN_PACKAGE_NAME "cryptcol")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_SECTION "libs")
set(CPACK_DEBIAN_PACKAGE_PRIORITY "optional")
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "${PROJECT_HOMEPAGE_URL}")

# Runtime dependencies. With dpkg-shlibdeps (package dpkg-dev) they are derived from what the
# library and the tool really load, with versions; without it, this list of Debian 12
# (bookworm) packages stands in. The backends are there because the library links them for
# their factories (see CRYPTCOL_WITH_*).
find_program(CRYPTCOL_DPKG_SHLIBDEPS dpkg-shlibdeps)
mark_as_advanced(CRYPTCOL_DPKG_SHLIBDEPS)
if(CRYPTCOL_DPKG_SHLIBDEPS)
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
else()
  set(_cryptcol_deb_depends
      "libsoci-core4.0 (>= 4.0.3)"
      "libcrypto++8 (>= 8.7.0)"
      "libfmt9 (>= 9.1.0)")
  if(CRYPTCOL_WITH_SQLITE3)
    list(APPEND _cryptcol_deb_depends "libsoci-sqlite3-4.0 (>= 4.0.3)" "libsqlite3-0")
  endif()
  if(CRYPTCOL_WITH_POSTGRESQL)
    list(APPEND _cryptcol_deb_depends "libsoci-postgresql4.0 (>= 4.0.3)")
  endif()
  list(JOIN _cryptcol_deb_depends ", " CPACK_DEBIAN_PACKAGE_DEPENDS)
endif()
# Building against the package: the CMake package finds SOCI, and pkg-config also resolves
# the modules' Requires.private (libcrypto++, fmt) for plain --cflags/--libs.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS
    "libsoci-dev (>= 4.0.3), libfmt-dev (>= 9.1.0), libcrypto++-dev (>= 8.7.0), pkg-config")
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)

include(CPack)
