# Dependencies of the installed cryptcol::cryptcol target, included by cryptcolConfig.cmake
# with this directory first on CMAKE_MODULE_PATH (FindSOCI.cmake, Findcryptopp.cmake).
# find_dependency() ends this file early when something is missing; the config notices
# because _cryptcol_dependencies_found stays FALSE.

include(CMakeFindDependencyMacro)

# Public: the headers include SOCI and fmt. A static library also needs, at the final link,
# the SOCI backends it was built with (their factories live in those libraries).
set(_cryptcol_soci_components core)
if(cryptcol_STATIC)
  list(APPEND _cryptcol_soci_components ${cryptcol_SOCI_BACKENDS})
endif()
find_dependency(SOCI 4.0 COMPONENTS ${_cryptcol_soci_components})
unset(_cryptcol_soci_components)

find_dependency(fmt 9)

# Private to a shared library (no Crypto++ header is public); a static one passes them on.
# The library calls SQLite's C API itself, beside SOCI's SQLite backend.
if(cryptcol_STATIC)
  find_dependency(cryptopp)
  find_dependency(Threads)
  if("sqlite3" IN_LIST cryptcol_SOCI_BACKENDS)
    find_dependency(SQLite3)
  endif()
endif()

set(_cryptcol_dependencies_found TRUE)
