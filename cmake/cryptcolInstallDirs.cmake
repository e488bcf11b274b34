# Where the CMake and pkg-config packages go; shared by the install rules and the consumer
# tests (which are configured before the install rules are read).
include_guard(GLOBAL)
include(GNUInstallDirs)

set(CRYPTCOL_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/cryptcol"
    CACHE STRING "Where cryptcolConfig.cmake and its companions are installed")
set(CRYPTCOL_INSTALL_PKGCONFIGDIR "${CMAKE_INSTALL_LIBDIR}/pkgconfig"
    CACHE STRING "Where the pkg-config modules (cryptcol.pc, cryptcol-core.pc, ...) are installed")
mark_as_advanced(CRYPTCOL_INSTALL_CMAKEDIR CRYPTCOL_INSTALL_PKGCONFIGDIR)
