// Allocation for the book's large pools. A big book (the deep stream: 100,000 orders, a
// 6 MiB pool) is accessed at random, and with 4 KiB pages most accesses also miss the TLB
// (a two-level page walk in a VM). Allocations of 2 MiB and more are therefore 2 MiB-aligned
// and marked MADV_HUGEPAGE; smaller ones are plain, so a quiet book costs what it uses.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <new>

#include <sys/mman.h>

namespace strike::book::detail {

inline constexpr std::size_t kHugePage = std::size_t{2} << 20;

inline void* pool_allocate(std::size_t bytes, std::size_t align) {
  if (bytes >= kHugePage) {
    const std::size_t rounded = (bytes + kHugePage - 1) / kHugePage * kHugePage;
    void* p = std::aligned_alloc(kHugePage, rounded);
    if (p == nullptr) throw std::bad_alloc();
    (void)madvise(p, rounded, MADV_HUGEPAGE);  // a hint: failure only costs speed
    return p;
  }
  return ::operator new(bytes, std::align_val_t{align < alignof(std::max_align_t) ? alignof(std::max_align_t) : align});
}
inline void pool_free(void* p, std::size_t bytes, std::size_t align) noexcept {
  if (p == nullptr) return;
  if (bytes >= kHugePage) {
    std::free(p);
  } else {
    ::operator delete(p, std::align_val_t{align < alignof(std::max_align_t) ? alignof(std::max_align_t) : align});
  }
}

// std::allocator with pool_allocate(), for the book's vectors.
template <class T>
struct PoolAllocator {
  using value_type = T;
  PoolAllocator() noexcept = default;
  template <class U>
  PoolAllocator(const PoolAllocator<U>&) noexcept {}  // NOLINT: rebinding
  T* allocate(std::size_t n) { return static_cast<T*>(pool_allocate(n * sizeof(T), alignof(T))); }
  void deallocate(T* p, std::size_t n) noexcept { pool_free(p, n * sizeof(T), alignof(T)); }
  template <class U>
  bool operator==(const PoolAllocator<U>&) const noexcept {
    return true;
  }
};

}  // namespace strike::book::detail
