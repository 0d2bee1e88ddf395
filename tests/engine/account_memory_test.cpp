// What an idle account costs: the live heap bytes the engine holds per account after 100,000
// accounts with one deposit each (global operator new is replaced in this test binary to count
// them). The account history is not kept in memory (clearing/ledger.hpp keeps 8 bytes of it per
// account), so an idle account costs its balances, owner and index: a few hundred bytes at most.
#include <gtest/gtest.h>

#include <malloc.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "engine/engine.hpp"

namespace {

std::atomic<std::int64_t> g_live{0};

void* allocate(std::size_t n, std::size_t align) {
  if (n == 0) n = 1;
  void* p = align <= alignof(std::max_align_t) ? std::malloc(n) : std::aligned_alloc(align, (n + align - 1) / align * align);
  if (p == nullptr) std::abort();
  g_live.fetch_add(static_cast<std::int64_t>(malloc_usable_size(p)), std::memory_order_relaxed);
  return p;
}
void release(void* p) noexcept {
  if (p == nullptr) return;
  g_live.fetch_sub(static_cast<std::int64_t>(malloc_usable_size(p)), std::memory_order_relaxed);
  std::free(p);
}

}  // namespace

void* operator new(std::size_t n) { return allocate(n, 0); }
void* operator new[](std::size_t n) { return allocate(n, 0); }
void* operator new(std::size_t n, std::align_val_t a) { return allocate(n, static_cast<std::size_t>(a)); }
void* operator new[](std::size_t n, std::align_val_t a) { return allocate(n, static_cast<std::size_t>(a)); }
void operator delete(void* p) noexcept { release(p); }
void operator delete[](void* p) noexcept { release(p); }
void operator delete(void* p, std::size_t) noexcept { release(p); }
void operator delete[](void* p, std::size_t) noexcept { release(p); }
void operator delete(void* p, std::align_val_t) noexcept { release(p); }
void operator delete[](void* p, std::align_val_t) noexcept { release(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { release(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { release(p); }

namespace strike::engine {
namespace {

TEST(AccountMemory, AnIdleAccountCostsAFewHundredBytes) {
  const InstrumentRegistry registry = load_default_instruments().value();
  Engine e(registry);
  const CurrencyId btc = registry.currencies().find("BTC")->id;
  constexpr std::uint64_t kAccounts = 100'000;
  std::uint64_t seq = 0;
  const auto apply = [&](const CommandBody& body) {
    return e.apply(Command{SeqNo{++seq}, Timestamp::from_ns(1'796'083'200'000'000'000 + static_cast<std::int64_t>(seq)), body}).status;
  };
  ASSERT_EQ(apply(Deposit{AccountId{0}, btc, 1}), Errc::unknown_account);  // warms the command path
  const std::int64_t before = g_live.load();
  for (std::uint64_t a = 1; a <= kAccounts; ++a) {
    ASSERT_EQ(apply(CreateAccount{}), Errc::ok);
    ASSERT_EQ(apply(Deposit{AccountId{a}, btc, 100'000'000}), Errc::ok);
  }
  const double per_account = static_cast<double>(g_live.load() - before) / kAccounts;
  std::printf("%.0f bytes of heap per idle account (%llu accounts)\n", per_account, static_cast<unsigned long long>(kAccounts));
  EXPECT_LT(per_account, 300.0);
  EXPECT_EQ(e.clearing().ledger().history_size(), kAccounts);  // one history entry each, none in memory
}

}  // namespace
}  // namespace strike::engine
