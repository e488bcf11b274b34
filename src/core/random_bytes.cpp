#include "core/random_bytes.hpp"

#include <sys/random.h>

#include <cerrno>
#include <cstdint>
#include <vector>

#include "core/hex.hpp"
#include "cryptcol/error.hpp"

namespace cryptcol::detail {

void fill_random(void* out, std::size_t size) {
  auto* bytes = static_cast<std::uint8_t*>(out);
  while (size > 0) {
    const ssize_t n = ::getrandom(bytes, size, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw error(errc::random_source_failure, "getrandom failed");
    }
    bytes += n;
    size -= static_cast<std::size_t>(n);
  }
}

std::string random_hex(std::size_t bytes) {
  std::vector<std::uint8_t> raw(bytes);
  fill_random(raw.data(), raw.size());
  return to_hex(raw.data(), raw.size());
}

}  // namespace cryptcol::detail
