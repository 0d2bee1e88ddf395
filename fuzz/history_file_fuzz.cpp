// Arbitrary bytes as an account-history file (history/history_store.hpp) must never crash the
// store: opening keeps a valid prefix (dropping damaged records at the end) or refuses with a
// typed error, and every entry it then reports is either readable or a typed error.
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/assert.hpp"
#include "history/history_store.hpp"

using namespace strike;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("strike-history-fuzz-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir / "history");
  {
    std::ofstream f(dir / "history" / "ledger.history", std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  auto store = history::HistoryStore::open(dir, history::HistoryOptions{.sync = false});
  if (!store) {
    STRIKE_ASSERT(store.error().code != Errc::ok && !store.error().detail.empty(), "untyped open error");
    return 0;
  }
  const std::uint64_t n = store.value()->size();
  STRIKE_ASSERT(n <= size / history::HistoryStore::kRecordSize, "{} entries from {} bytes", n, size);
  for (std::uint64_t i = 0; i < n; ++i) {
    auto e = store.value()->entry(i);
    if (!e) {
      STRIKE_ASSERT(e.error().code == Errc::journal_corrupt, "untyped read error");
      continue;
    }
    STRIKE_ASSERT(e.value().has_value() && e.value()->index == i, "entry {} read as another", i);
  }
  STRIKE_ASSERT(!store.value()->entry(n).value().has_value(), "an entry past the end");
  return 0;
}
