#ifndef CRYPTCOL_SRC_CORE_KEY_STORAGE_HPP
#define CRYPTCOL_SRC_CORE_KEY_STORAGE_HPP

// Where key bytes live: 32-byte slots in dedicated anonymous pages that are excluded from core
// dumps (MADV_DONTDUMP) and, where the memlock limit allows, locked out of swap (mlock).
// Pages are kept for reuse, never returned to the heap.

#include <cstdint>

namespace cryptcol::detail {

// A zeroed 32-byte slot. Throws std::bad_alloc when no page can be mapped.
std::uint8_t* allocate_key_slot();
// Wipes the slot and makes it available again.
void release_key_slot(std::uint8_t* slot) noexcept;

}  // namespace cryptcol::detail

#endif  // CRYPTCOL_SRC_CORE_KEY_STORAGE_HPP
