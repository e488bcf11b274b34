# FindSOCI
# --------
# Finds SOCI 4.x. Debian ships neither a CMake config nor a pkg-config file for it, so this
# module tries a vendor config first and falls back to a manual search.
#
# Components: core (always), sqlite3, postgresql.
# Imported targets (Conan's names): SOCI::soci_core, SOCI::soci_sqlite3, SOCI::soci_postgresql.

include(FindPackageHandleStandardArgs)

if(NOT SOCI_NO_CONFIG_SEARCH)
  find_package(SOCI CONFIG QUIET)
  if(SOCI_FOUND AND (TARGET SOCI::soci_core OR TARGET SOCI::soci_core_static))
    if(NOT TARGET SOCI::soci_core AND TARGET SOCI::soci_core_static)
      add_library(SOCI::soci_core INTERFACE IMPORTED)
      target_link_libraries(SOCI::soci_core INTERFACE SOCI::soci_core_static)
    endif()
    foreach(_comp IN ITEMS sqlite3 postgresql)
      if(NOT TARGET SOCI::soci_${_comp} AND TARGET SOCI::soci_${_comp}_static)
        add_library(SOCI::soci_${_comp} INTERFACE IMPORTED)
        target_link_libraries(SOCI::soci_${_comp} INTERFACE SOCI::soci_${_comp}_static)
      endif()
      if(TARGET SOCI::soci_${_comp})
        set(SOCI_${_comp}_FOUND TRUE)
      endif()
    endforeach()
    find_package_handle_standard_args(SOCI CONFIG_MODE HANDLE_COMPONENTS)
    return()
  endif()
endif()

find_path(SOCI_INCLUDE_DIR NAMES soci/soci.h)
find_library(SOCI_CORE_LIBRARY NAMES soci_core)

if(SOCI_INCLUDE_DIR AND EXISTS "${SOCI_INCLUDE_DIR}/soci/version.h")
  file(STRINGS "${SOCI_INCLUDE_DIR}/soci/version.h" _soci_version_line
       REGEX "^#define SOCI_LIB_VERSION \"[0-9_]+\"")
  string(REGEX REPLACE ".*\"([0-9]+)_([0-9]+)_([0-9]+)\".*" "\\1.\\2.\\3"
         SOCI_VERSION "${_soci_version_line}")
endif()

foreach(_comp IN LISTS SOCI_FIND_COMPONENTS)
  if(_comp STREQUAL "core")
    set(SOCI_core_FOUND TRUE)
    continue()
  endif()
  find_library(SOCI_${_comp}_LIBRARY NAMES soci_${_comp})
  if(SOCI_${_comp}_LIBRARY)
    set(SOCI_${_comp}_FOUND TRUE)
  endif()
endforeach()

find_package_handle_standard_args(SOCI
  REQUIRED_VARS SOCI_CORE_LIBRARY SOCI_INCLUDE_DIR
  VERSION_VAR SOCI_VERSION
  HANDLE_COMPONENTS)

if(SOCI_FOUND AND NOT TARGET SOCI::soci_core)
  add_library(SOCI::soci_core UNKNOWN IMPORTED)
  set_target_properties(SOCI::soci_core PROPERTIES
    IMPORTED_LOCATION "${SOCI_CORE_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${SOCI_INCLUDE_DIR}"
    INTERFACE_LINK_LIBRARIES "${CMAKE_DL_LIBS}")
endif()

if(SOCI_FOUND AND SOCI_sqlite3_FOUND AND NOT TARGET SOCI::soci_sqlite3)
  # soci-sqlite3.h includes sqlite3.h, so users of this target need SQLite's headers (and
  # its library to call it, e.g. sqlite3_db_config on the backend's handle).
  find_package(SQLite3 QUIET)
  add_library(SOCI::soci_sqlite3 UNKNOWN IMPORTED)
  set_target_properties(SOCI::soci_sqlite3 PROPERTIES
    IMPORTED_LOCATION "${SOCI_sqlite3_LIBRARY}"
    INTERFACE_LINK_LIBRARIES SOCI::soci_core)
  if(TARGET SQLite::SQLite3)
    target_link_libraries(SOCI::soci_sqlite3 INTERFACE SQLite::SQLite3)
  endif()
endif()

if(SOCI_FOUND AND SOCI_postgresql_FOUND AND NOT TARGET SOCI::soci_postgresql)
  # soci-postgresql.h includes libpq-fe.h, so users of this target need libpq's headers.
  find_package(PostgreSQL QUIET)
  add_library(SOCI::soci_postgresql UNKNOWN IMPORTED)
  set_target_properties(SOCI::soci_postgresql PROPERTIES
    IMPORTED_LOCATION "${SOCI_postgresql_LIBRARY}")
  if(TARGET PostgreSQL::PostgreSQL)
    target_link_libraries(SOCI::soci_postgresql INTERFACE SOCI::soci_core PostgreSQL::PostgreSQL)
  else()
    target_link_libraries(SOCI::soci_postgresql INTERFACE SOCI::soci_core)
  endif()
endif()

mark_as_advanced(SOCI_INCLUDE_DIR SOCI_CORE_LIBRARY SOCI_sqlite3_LIBRARY SOCI_postgresql_LIBRARY)
