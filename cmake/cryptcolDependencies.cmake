# Dependencies of one component of the installed package, included by cryptcolConfig.cmake
# once per requested component (_cryptcol_component: core or migration) with this directory
# first on CMAKE_MODULE_PATH (FindSOCI.cmake, Findcryptopp.cmake). find_dependency() ends
# this file early when something is missing; the config notices because
# _cryptcol_dependencies_found stays FALSE.

include(CMakeFindDependencyMacro)

if(_cryptcol_component STREQUAL "core")
  # Public: EncryptedString's SOCI conversions are in its header.
  find_dependency(SOCI 4.0 COMPONENTS core)
  # Private to a shared library (no Crypto++ header is public); a static one passes them on.
  if(cryptcol_STATIC)
    find_dependency(cryptopp)
    find_dependency(Threads)
  endif()
elseif(_cryptcol_component STREQUAL "migration")
  # Public: the headers include SOCI. A static library also needs, at the final link, the
  # SOCI backends it was built with (their factories live in those libraries), SQLite (the
  # library calls its C API beside SOCI's backend) and fmt, which is private to the library.
  set(_cryptcol_soci_components core)
  if(cryptcol_STATIC)
    list(APPEND _cryptcol_soci_components ${cryptcol_SOCI_BACKENDS})
  endif()
  find_dependency(SOCI 4.0 COMPONENTS ${_cryptcol_soci_components})
  unset(_cryptcol_soci_components)
  if(cryptcol_STATIC)
    find_dependency(fmt 9)
    find_dependency(Threads)
    if("sqlite3" IN_LIST cryptcol_SOCI_BACKENDS)
      find_dependency(SQLite3)
    endif()
    # libpq parses connection strings (PQconninfoParse) beside SOCI's backend.
    if("postgresql" IN_LIST cryptcol_SOCI_BACKENDS)
      find_dependency(PostgreSQL)
    endif()
  endif()
endif()

set(_cryptcol_dependencies_found TRUE)
