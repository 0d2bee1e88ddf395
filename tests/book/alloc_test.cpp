// Counts every heap allocation of the process (global operator new is replaced in this test
// binary) while the book runs the first million operations of the benchmark streams, and
// asserts none happens once the book's pools have reached their high-water mark.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "book/order_book.hpp"
#include "book/shared_stream.hpp"

namespace {

std::atomic<std::uint64_t> g_allocations{0};

void* allocate(std::size_t n, std::size_t align) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (n == 0) n = 1;
  void* p = align <= alignof(std::max_align_t) ? std::malloc(n) : std::aligned_alloc(align, (n + align - 1) / align * align);
  if (p == nullptr) std::abort();
  return p;
}

}  // namespace

void* operator new(std::size_t n) { return allocate(n, 0); }
void* operator new[](std::size_t n) { return allocate(n, 0); }
void* operator new(std::size_t n, std::align_val_t a) { return allocate(n, static_cast<std::size_t>(a)); }
void* operator new[](std::size_t n, std::align_val_t a) { return allocate(n, static_cast<std::size_t>(a)); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }

namespace strike::book {
namespace {

// Counts events so the sink does observable work without allocating.
struct CountingSink {
  std::uint64_t* n;
  template <class E>
  void on(const E&) noexcept {
    ++*n;
  }
};

TEST(BookAllocations, CountingCatchesAnAllocation) {
  const std::uint64_t before = g_allocations.load();
  auto* p = new int(3);
  delete p;
  EXPECT_EQ(g_allocations.load(), before + 1);
}

TEST(BookAllocations, TheSharedStreamRunsWithoutAllocatingAfterWarmUp) {
  const auto ops = bench::make_stream(bench::kShallowTakeMax, 1'000'000);
  std::uint64_t events = 0;
  OrderBook<CountingSink> book(BookConfig{}, CountingSink{&events});
  constexpr std::size_t kWarmUp = 200'000;
  for (std::size_t i = 0; i < kWarmUp; ++i) (void)bench::apply(book, ops[i], static_cast<std::int64_t>(i));
  const std::uint64_t before = g_allocations.load();
  for (std::size_t i = kWarmUp; i < ops.size(); ++i) (void)bench::apply(book, ops[i], static_cast<std::int64_t>(i));
  EXPECT_EQ(g_allocations.load() - before, 0u) << "allocations in " << ops.size() - kWarmUp << " steady-state operations";
  EXPECT_GT(events, ops.size());
  EXPECT_TRUE(book.validate().ok());
}

TEST(BookAllocations, AReservedBookRunsTheDeepStreamWithoutAllocatingAtAll) {
  const auto ops = bench::make_stream(bench::kDeepTakeMax, 1'000'000);
  std::uint64_t events = 0;
  OrderBook<CountingSink> book(BookConfig{}, CountingSink{&events});
  book.reserve(200'000, 64, 64);
  const std::uint64_t before = g_allocations.load();
  for (std::size_t i = 0; i < ops.size(); ++i) (void)bench::apply(book, ops[i], static_cast<std::int64_t>(i));
  EXPECT_EQ(g_allocations.load() - before, 0u);
  EXPECT_GT(book.resting_count(), 40'000u);  // the deep book has grown, queues of hundreds
}

}  // namespace
}  // namespace strike::book
