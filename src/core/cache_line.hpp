// Cache-line sizing shared by the concurrent structures.
//
// kCacheLinePad is 128 bytes, not 64: Intel's adjacent-line prefetcher fetches lines in
// pairs, so two hot variables written by different threads must be 128 bytes apart to stay
// independent (Aeron and Folly pad the same way). CacheAlignedArray is a fixed-size array
// allocated once, aligned to kCacheLinePad, for ring slots.
#pragma once

#include <cstddef>
#include <memory>
#include <new>

namespace strike {

inline constexpr std::size_t kCacheLinePad = 128;

template <class T>
class CacheAlignedArray {
 public:
  CacheAlignedArray() = default;
  explicit CacheAlignedArray(std::size_t n)
      : data_(static_cast<T*>(::operator new(n * sizeof(T), std::align_val_t{kCacheLinePad}))), size_(n) {
    for (std::size_t i = 0; i < n; ++i) ::new (static_cast<void*>(data_ + i)) T();
  }
  CacheAlignedArray(const CacheAlignedArray&) = delete;
  CacheAlignedArray& operator=(const CacheAlignedArray&) = delete;
  ~CacheAlignedArray() {
    if (data_ == nullptr) return;
    std::destroy_n(data_, size_);
    ::operator delete(data_, std::align_val_t{kCacheLinePad});
  }

  T& operator[](std::size_t i) noexcept { return data_[i]; }
  const T& operator[](std::size_t i) const noexcept { return data_[i]; }
  std::size_t size() const noexcept { return size_; }

 private:
  T* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace strike
