#ifndef CRYPTCOL_SRC_CORE_RANDOM_BYTES_HPP
#define CRYPTCOL_SRC_CORE_RANDOM_BYTES_HPP

// The one source of randomness: the kernel's CSPRNG (getrandom), for keys, nonces and ids.

#include <cstddef>
#include <string>

namespace cryptcol::detail {

// Throws errc::random_source_failure when the kernel refuses.
void fill_random(void* out, std::size_t size);

// `bytes` random bytes as lower-case hex (ids of runs, lock holders and jobs).
std::string random_hex(std::size_t bytes);

}  // namespace cryptcol::detail

#endif  // CRYPTCOL_SRC_CORE_RANDOM_BYTES_HPP
