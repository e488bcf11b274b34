#include "json_writer.hpp"

namespace cryptcol::cli {

std::string json_line(const Json& value) {
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace cryptcol::cli
