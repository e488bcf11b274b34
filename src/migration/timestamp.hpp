#ifndef CRYPTCOL_SRC_MIGRATION_TIMESTAMP_HPP
#define CRYPTCOL_SRC_MIGRATION_TIMESTAMP_HPP

#include <string>

namespace cryptcol::migration::detail {

// "2024-05-01T12:34:56.123456Z": fixed width, so text order is time order.
std::string utc_timestamp_now();

}  // namespace cryptcol::migration::detail

#endif  // CRYPTCOL_SRC_MIGRATION_TIMESTAMP_HPP
