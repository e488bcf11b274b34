#ifndef CRYPTCOL_MIGRATION_SUPPORT_UTC_TIME_HPP
#define CRYPTCOL_MIGRATION_SUPPORT_UTC_TIME_HPP

#include <string>

namespace cryptcol::migration {

// Now in UTC, RFC 3339 with microseconds: "2024-05-01T12:34:56.123456Z". Fixed width, so
// text order is time order; every table and record of cryptcol uses it.
std::string utc_timestamp();

}  // namespace cryptcol::migration

#endif  // CRYPTCOL_MIGRATION_SUPPORT_UTC_TIME_HPP
