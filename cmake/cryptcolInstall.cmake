# Install rules and the CMake / pkg-config packages for downstream users.
# Included from the top-level CMakeLists.txt when CRYPTCOL_INSTALL is ON.
#
# Layout (relative to the install prefix):
#   include/cryptcol/...                  public headers
#   <libdir>/libcryptcol.{a,so*}          the library
#   bin/cryptcol                          the command-line tool, when it is built
#   <libdir>/cmake/cryptcol/              cryptcolConfig.cmake, version file, targets,
#                                         FindSOCI.cmake, Findcryptopp.cmake
#   <libdir>/pkgconfig/cryptcol.pc
#   share/doc/cryptcol/                   LICENSE, CHANGELOG.md

include(CMakePackageConfigHelpers)

include(${CMAKE_CURRENT_LIST_DIR}/cryptcolInstallDirs.cmake)

get_target_property(_cryptcol_type cryptcol_core TYPE)
if(_cryptcol_type STREQUAL "STATIC_LIBRARY")
  set(CRYPTCOL_INSTALLED_STATIC ON)
else()
  set(CRYPTCOL_INSTALLED_STATIC OFF)
endif()

# --- library, headers, command-line tool -------------------------------------------------

install(TARGETS cryptcol_core cryptcol_migration cryptcol EXPORT cryptcolTargets
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT runtime
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT runtime
          NAMELINK_COMPONENT development
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT development
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/cryptcol
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        COMPONENT development
        FILES_MATCHING PATTERN "*.hpp")

if(TARGET cryptcol_cli)
  # A shared libcryptcol outside the linker's default directories needs a relative RPATH
  # so that an installed (or unpacked) tree runs without LD_LIBRARY_PATH. System prefixes
  # such as /usr get none: Debian policy forbids needless RPATHs.
  if(NOT CRYPTCOL_INSTALLED_STATIC AND NOT DEFINED CMAKE_INSTALL_RPATH
     AND NOT IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}" AND NOT IS_ABSOLUTE "${CMAKE_INSTALL_BINDIR}")
    list(FIND CMAKE_CXX_IMPLICIT_LINK_DIRECTORIES "${CMAKE_INSTALL_FULL_LIBDIR}" _cryptcol_sys)
    if(_cryptcol_sys EQUAL -1)
      file(RELATIVE_PATH _cryptcol_bin_to_lib "/${CMAKE_INSTALL_BINDIR}" "/${CMAKE_INSTALL_LIBDIR}")
      set_target_properties(cryptcol_cli PROPERTIES INSTALL_RPATH "$ORIGIN/${_cryptcol_bin_to_lib}")
    endif()
  endif()
  install(TARGETS cryptcol_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT runtime)
endif()

foreach(_cryptcol_doc IN ITEMS LICENSE CHANGELOG.md)
  if(EXISTS "${PROJECT_SOURCE_DIR}/${_cryptcol_doc}")
    install(FILES "${PROJECT_SOURCE_DIR}/${_cryptcol_doc}" DESTINATION ${CMAKE_INSTALL_DOCDIR}
            COMPONENT runtime)
  endif()
endforeach()

# --- CMake package --------------------------------------------------------------------------

install(EXPORT cryptcolTargets
        NAMESPACE cryptcol::
        FILE cryptcolTargets.cmake
        DESTINATION ${CRYPTCOL_INSTALL_CMAKEDIR}
        COMPONENT development)

# What the config must find again. A shared library keeps Crypto++, Threads and the SOCI
# backends to itself; a static one passes them on to the final link as $<LINK_ONLY:...>.
set(CRYPTCOL_CONFIG_SOCI_BACKENDS "")
if(CRYPTCOL_WITH_SQLITE3)
  list(APPEND CRYPTCOL_CONFIG_SOCI_BACKENDS sqlite3)
endif()
if(CRYPTCOL_WITH_POSTGRESQL)
  list(APPEND CRYPTCOL_CONFIG_SOCI_BACKENDS postgresql)
endif()

configure_package_config_file(
  ${PROJECT_SOURCE_DIR}/cmake/cryptcolConfig.cmake.in
  ${PROJECT_BINARY_DIR}/cryptcolConfig.cmake
  INSTALL_DESTINATION ${CRYPTCOL_INSTALL_CMAKEDIR})

# 0.x: a minor release may break the API, so only the same MAJOR.MINOR is compatible.
write_basic_package_version_file(
  ${PROJECT_BINARY_DIR}/cryptcolConfigVersion.cmake
  VERSION ${PROJECT_VERSION}
  COMPATIBILITY SameMinorVersion)

install(FILES
          ${PROJECT_BINARY_DIR}/cryptcolConfig.cmake
          ${PROJECT_BINARY_DIR}/cryptcolConfigVersion.cmake
          ${PROJECT_SOURCE_DIR}/cmake/cryptcolDependencies.cmake
          ${PROJECT_SOURCE_DIR}/cmake/FindSOCI.cmake
          ${PROJECT_SOURCE_DIR}/cmake/Findcryptopp.cmake
        DESTINATION ${CRYPTCOL_INSTALL_CMAKEDIR}
        COMPONENT development)

# --- pkg-config -------------------------------------------------------------------------------

# The .pc file finds its prefix from its own location, so the same file works in /usr,
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

# SOCI ships no .pc file, so its libraries are spelled out. soci_core is public (the
# headers include SOCI); the backends and their client libraries matter only for --static.
set(CRYPTCOL_PC_LIBS_PRIVATE "")
if(CRYPTCOL_WITH_SQLITE3)
  string(APPEND CRYPTCOL_PC_LIBS_PRIVATE " -lsoci_sqlite3 -lsqlite3")
endif()
if(CRYPTCOL_WITH_POSTGRESQL)
  string(APPEND CRYPTCOL_PC_LIBS_PRIVATE " -lsoci_postgresql -lpq")
endif()
foreach(_cryptcol_lib IN LISTS CMAKE_DL_LIBS)
  string(APPEND CRYPTCOL_PC_LIBS_PRIVATE " -l${_cryptcol_lib}")
endforeach()
string(APPEND CRYPTCOL_PC_LIBS_PRIVATE " -pthread")
string(STRIP "${CRYPTCOL_PC_LIBS_PRIVATE}" CRYPTCOL_PC_LIBS_PRIVATE)

configure_file(${PROJECT_SOURCE_DIR}/cmake/cryptcol.pc.in ${PROJECT_BINARY_DIR}/cryptcol.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/cryptcol.pc
        DESTINATION ${CRYPTCOL_INSTALL_PKGCONFIGDIR}
        COMPONENT development)

# --- binary packages ------------------------------------------------------------------------

include(${PROJECT_SOURCE_DIR}/cmake/cryptcolCPack.cmake)
