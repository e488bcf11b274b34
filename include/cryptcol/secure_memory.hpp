#ifndef CRYPTCOL_SECURE_MEMORY_HPP
#define CRYPTCOL_SECURE_MEMORY_HPP

#include <cstddef>
#include <string>
#include <string_view>

namespace cryptcol {

// Overwrites memory in a way the optimiser may not remove.
void secure_wipe(void* data, std::size_t size) noexcept;
inline void secure_wipe(std::string& s) noexcept {
  secure_wipe(s.data(), s.capacity());
  s.clear();
}

// Comparison whose time depends only on the lengths, not on where the inputs differ.
bool constant_time_equal(std::string_view a, std::string_view b) noexcept;

}  // namespace cryptcol

#endif  // CRYPTCOL_SECURE_MEMORY_HPP
