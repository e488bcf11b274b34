# Findcryptopp
# ------------
# Finds Crypto++: a vendor config first (ConanCenter's `cryptopp`), then pkg-config
# (`libcrypto++` on Debian, `libcryptopp` upstream), then a manual search.
# Imported target: cryptopp::cryptopp.

include(FindPackageHandleStandardArgs)

if(NOT cryptopp_NO_CONFIG_SEARCH)
  find_package(cryptopp CONFIG QUIET)
  if(cryptopp_FOUND AND TARGET cryptopp::cryptopp)
    find_package_handle_standard_args(cryptopp CONFIG_MODE)
    return()
  endif()
endif()

find_package(PkgConfig QUIET)
if(PkgConfig_FOUND)
  pkg_search_module(PC_CRYPTOPP QUIET IMPORTED_TARGET libcrypto++ libcryptopp)
endif()

if(PC_CRYPTOPP_FOUND)
  set(cryptopp_VERSION "${PC_CRYPTOPP_VERSION}")
  find_package_handle_standard_args(cryptopp
    REQUIRED_VARS PC_CRYPTOPP_LINK_LIBRARIES
    VERSION_VAR cryptopp_VERSION)
  if(NOT TARGET cryptopp::cryptopp)
    add_library(cryptopp::cryptopp INTERFACE IMPORTED)
    target_link_libraries(cryptopp::cryptopp INTERFACE PkgConfig::PC_CRYPTOPP)
  endif()
  return()
endif()

find_path(cryptopp_INCLUDE_DIR NAMES cryptopp/gcm.h crypto++/gcm.h)
find_library(cryptopp_LIBRARY NAMES cryptopp crypto++)
find_package_handle_standard_args(cryptopp REQUIRED_VARS cryptopp_LIBRARY cryptopp_INCLUDE_DIR)
if(cryptopp_FOUND AND NOT TARGET cryptopp::cryptopp)
  add_library(cryptopp::cryptopp UNKNOWN IMPORTED)
  set_target_properties(cryptopp::cryptopp PROPERTIES
    IMPORTED_LOCATION "${cryptopp_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${cryptopp_INCLUDE_DIR}")
endif()
mark_as_advanced(cryptopp_INCLUDE_DIR cryptopp_LIBRARY)
