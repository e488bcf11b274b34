#ifndef CRYPTCOL_VERSION_HPP
#define CRYPTCOL_VERSION_HPP

// The single source of the version: CMake reads these lines at configure time.
#define CRYPTCOL_VERSION_MAJOR 0
#define CRYPTCOL_VERSION_MINOR 1
#define CRYPTCOL_VERSION_PATCH 0

// MAJOR * 10000 + MINOR * 100 + PATCH, for preprocessor comparisons.
#define CRYPTCOL_VERSION \
  (CRYPTCOL_VERSION_MAJOR * 10000 + CRYPTCOL_VERSION_MINOR * 100 + CRYPTCOL_VERSION_PATCH)
#define CRYPTCOL_VERSION_STRING "0.1.0"

#endif  // CRYPTCOL_VERSION_HPP
