# pkg-config modules, one per library plus the umbrella that existing users name:
#   cryptcol-core       libcryptcol_core and SOCI's core (its headers include SOCI)
#   cryptcol-migration  libcryptcol_migration; Requires: cryptcol-core
#   cryptcol            Requires: cryptcol-core cryptcol-migration (what cryptcol.pc was)
# Included from cryptcolInstall.cmake.

# A .pc file finds its prefix from its own location, so the same file works in /usr,
# /usr/local, an unpacked .deb or a throwaway prefix.
if(IS_ABSOLUTE "${CRYPTCOL_INSTALL_PKGCONFIGDIR}")
  set(CRYPTCOL_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
else()
  file(RELATIVE_PATH _cryptcol_pc_up "/${CRYPTCOL_INSTALL_PKGCONFIGDIR}" "/")
  string(REGEX REPLACE "/$" "" _cryptcol_pc_up "${_cryptcol_pc_up}")
  set(CRYPTCOL_PC_PREFIX "\${pcfiledir}/${_cryptcol_pc_up}")
endif()
foreach(_cryptcol_dir IN ITEMS LIBDIR INCLUDEDIR)
  if(IS_ABSOLUTE "${CMAKE_INSTALL_${_cryptcol_dir}}")
    set(CRYPTCOL_PC_${_cryptcol_dir} "${CMAKE_INSTALL_${_cryptcol_dir}}")
  else()
    set(CRYPTCOL_PC_${_cryptcol_dir} "\${prefix}/${CMAKE_INSTALL_${_cryptcol_dir}}")
  endif()
endforeach()

# Debian's Crypto++ module is libcrypto++, upstream's and ConanCenter's is libcryptopp:
# name the one this build found.
if(PC_CRYPTOPP_MODULE_NAME)
  set(CRYPTCOL_PC_CRYPTOPP "${PC_CRYPTOPP_MODULE_NAME}")
else()
  set(CRYPTCOL_PC_CRYPTOPP "libcrypto++")
endif()

# SOCI ships no .pc file, so its libraries are spelled out. soci_core is public (the core
# headers include SOCI); everything else matters only for --static.
set(CRYPTCOL_PC_CORE_LIBS_PRIVATE "")
foreach(_cryptcol_lib IN LISTS CMAKE_DL_LIBS)
  string(APPEND CRYPTCOL_PC_CORE_LIBS_PRIVATE " -l${_cryptcol_lib}")
endforeach()
string(APPEND CRYPTCOL_PC_CORE_LIBS_PRIVATE " -pthread")
string(STRIP "${CRYPTCOL_PC_CORE_LIBS_PRIVATE}" CRYPTCOL_PC_CORE_LIBS_PRIVATE)

# The migration layer links the SOCI backends (for their factories) and calls SQLite itself.
set(CRYPTCOL_PC_MIGRATION_LIBS_PRIVATE "")
if(CRYPTCOL_WITH_SQLITE3)
  string(APPEND CRYPTCOL_PC_MIGRATION_LIBS_PRIVATE " -lsoci_sqlite3 -lsqlite3")
endif()
if(CRYPTCOL_WITH_POSTGRESQL)
  string(APPEND CRYPTCOL_PC_MIGRATION_LIBS_PRIVATE " -lsoci_postgresql -lpq")
endif()
string(APPEND CRYPTCOL_PC_MIGRATION_LIBS_PRIVATE " -pthread")
string(STRIP "${CRYPTCOL_PC_MIGRATION_LIBS_PRIVATE}" CRYPTCOL_PC_MIGRATION_LIBS_PRIVATE)

foreach(_cryptcol_pc IN ITEMS cryptcol-core cryptcol-migration cryptcol)
  configure_file(${PROJECT_SOURCE_DIR}/cmake/pkgconfig/${_cryptcol_pc}.pc.in
                 ${PROJECT_BINARY_DIR}/pkgconfig/${_cryptcol_pc}.pc @ONLY)
  install(FILES ${PROJECT_BINARY_DIR}/pkgconfig/${_cryptcol_pc}.pc
          DESTINATION ${CRYPTCOL_INSTALL_PKGCONFIGDIR}
          COMPONENT development)
endforeach()
