#include "migration/data/row_transform.hpp"

namespace cryptcol::migration::detail {

std::string expand_template(std::string text, const std::string& qualifier,
                            const std::string& source) {
  auto replace_all = [&text](const std::string& from, const std::string& to) {
    for (auto pos = text.find(from); pos != std::string::npos; pos = text.find(from, pos)) {
      text.replace(pos, from.size(), to);
      pos += to.size();
    }
  };
  replace_all("{t}", qualifier);
  replace_all("{src}", source);
  return text;
}

}  // namespace cryptcol::migration::detail
