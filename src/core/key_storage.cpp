#include "core/key_storage.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <mutex>
#include <new>
#include <vector>

#include "cryptcol/envelope.hpp"
#include "cryptcol/secure_memory.hpp"

namespace cryptcol::detail {
namespace {

constexpr std::size_t page_size = 4096;

struct Arena {
  std::mutex mutex;
  std::vector<std::uint8_t*> free_slots;
  std::vector<std::uint8_t*> pages;

  void add_page() {
    // Room for every slot up front, so that releasing a slot never allocates.
    free_slots.reserve((pages.size() + 1) * (page_size / key_size));
    pages.reserve(pages.size() + 1);
    void* page = ::mmap(nullptr, page_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                        -1, 0);
    if (page == MAP_FAILED) throw std::bad_alloc();
    // Best effort: an old kernel without MADV_DONTDUMP or a memlock limit of 0 still works.
    (void)::madvise(page, page_size, MADV_DONTDUMP);
    (void)::mlock(page, page_size);
    auto* bytes = static_cast<std::uint8_t*>(page);
    pages.push_back(bytes);
    for (std::size_t offset = page_size; offset >= key_size; offset -= key_size) {
      free_slots.push_back(bytes + offset - key_size);
    }
  }
};

Arena& arena() {
  static Arena* instance = new Arena();  // never destroyed: keys may outlive static objects
  return *instance;
}

}  // namespace

std::uint8_t* allocate_key_slot() {
  Arena& a = arena();
  std::lock_guard<std::mutex> guard(a.mutex);
  if (a.free_slots.empty()) a.add_page();
  std::uint8_t* slot = a.free_slots.back();
  a.free_slots.pop_back();
  return slot;
}

void release_key_slot(std::uint8_t* slot) noexcept {
  if (slot == nullptr) return;
  secure_wipe(slot, key_size);
  Arena& a = arena();
  std::lock_guard<std::mutex> guard(a.mutex);
  // Cannot fail: capacity for every slot was reserved when its page was added.
  a.free_slots.push_back(slot);
}

}  // namespace cryptcol::detail
