# Install rules and the CMake / pkg-config packages for downstream users.
# Included from the top-level CMakeLists.txt when CRYPTCOL_INSTALL is ON.
#
# Layout (relative to the install prefix):
#   include/cryptcol/...                  public headers
#   <libdir>/libcryptcol_core.{a,so*}     cryptcol::core
#   <libdir>/libcryptcol_migration.{a,so*} cryptcol::migration (links cryptcol::core)
#   bin/cryptcol                          the command-line tool, when it is built
#   <libdir>/cmake/cryptcol/              cryptcolConfig.cmake, version file, targets,
#                                         FindSOCI.cmake, Findcryptopp.cmake
#   <libdir>/pkgconfig/cryptcol-core.pc, cryptcol-migration.pc, cryptcol.pc (both)
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

# Shared libraries outside the linker's default directories need relative RPATHs so that an
# installed (or unpacked) tree runs without LD_LIBRARY_PATH: the tool finds both libraries,
# and libcryptcol_migration finds libcryptcol_core beside it (a DT_RUNPATH covers only the
# object's own dependencies, not those of the libraries it loads). System prefixes such as
# /usr get none: Debian policy forbids needless RPATHs.
if(NOT CRYPTCOL_INSTALLED_STATIC AND NOT DEFINED CMAKE_INSTALL_RPATH
   AND NOT IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}" AND NOT IS_ABSOLUTE "${CMAKE_INSTALL_BINDIR}")
  list(FIND CMAKE_CXX_IMPLICIT_LINK_DIRECTORIES "${CMAKE_INSTALL_FULL_LIBDIR}" _cryptcol_sys)
  if(_cryptcol_sys EQUAL -1)
    set_target_properties(cryptcol_migration PROPERTIES INSTALL_RPATH "$ORIGIN")
    if(TARGET cryptcol_cli)
      file(RELATIVE_PATH _cryptcol_bin_to_lib "/${CMAKE_INSTALL_BINDIR}" "/${CMAKE_INSTALL_LIBDIR}")
      set_target_properties(cryptcol_cli PROPERTIES INSTALL_RPATH "$ORIGIN/${_cryptcol_bin_to_lib}")
    endif()
  endif()
endif()
if(TARGET cryptcol_cli)
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

# What the config must find again, per component (see cryptcolDependencies.cmake). Shared
# libraries keep Crypto++, fmt, Threads, SQLite and the SOCI backends to themselves; static
# ones pass them on to the final link as $<LINK_ONLY:...>.
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

include(${PROJECT_SOURCE_DIR}/cmake/cryptcolPkgConfig.cmake)

# --- binary packages ------------------------------------------------------------------------

include(${PROJECT_SOURCE_DIR}/cmake/cryptcolCPack.cmake)
