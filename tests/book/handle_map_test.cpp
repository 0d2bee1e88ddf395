// The id maps against std::map on sequential, strided and colliding keys (keys 2^32 apart
// share a tag), with deletions all over, so backward-shift deletion is exercised.
#include <gtest/gtest.h>

#include <map>
#include <vector>

#include "book/detail/pool.hpp"
#include "book/shared_stream.hpp"

namespace strike::book::detail {
namespace {

template <class Map, class Find>
void run_against_std_map(Map& m, Find find) {
  std::map<std::uint64_t, std::uint32_t> want;
  bench::Xoshiro256 rng(3);
  std::vector<std::uint64_t> keys;
  for (std::uint64_t i = 0; i < 20'000; ++i) {
    const std::uint64_t kind = rng() % 3;
    keys.push_back(kind == 0 ? i : kind == 1 ? i * 300 : (i % 50) + (i << 32));
  }
  std::vector<std::uint64_t> stored(keys.size(), 0);
  for (std::size_t step = 0; step < 200'000; ++step) {
    const std::size_t k = rng() % keys.size();
    const std::uint64_t key = keys[k];
    if (want.count(key) == 0) {
      const auto value = static_cast<std::uint32_t>(k);
      m.insert(key, value);
      want[key] = value;
      stored[k] = key;
    } else if (rng() % 2 == 0) {
      m.erase(key, want[key]);
      want.erase(key);
    }
    if (step % 1000 == 0) {
      ASSERT_EQ(m.size(), want.size());
      for (std::size_t j = 0; j < keys.size(); j += 7) {
        const auto it = want.find(keys[j]);
        ASSERT_EQ(find(m, keys[j], stored), it == want.end() ? kNil : it->second) << keys[j];
      }
    }
  }
}

TEST(HandleMap, AgreesWithStdMapOnSequentialStridedAndCollidingKeys) {
  HandleMap m;
  run_against_std_map(m, [](const HandleMap& map, std::uint64_t key, const std::vector<std::uint64_t>&) {
    return map.find(key);
  });
  HandleMap e;
  e.insert(7, 1);
  EXPECT_EQ(e.erase(7), 1u);
  EXPECT_EQ(e.erase(7), kNil);
}

TEST(TaggedHandleMap, AgreesWithStdMapWhenTheCallerConfirmsKeys) {
  TaggedHandleMap m;
  run_against_std_map(m, [](const TaggedHandleMap& map, std::uint64_t key, const std::vector<std::uint64_t>& stored) {
    return map.find(key, [&](std::uint32_t h) { return stored[h]; });
  });
}

}  // namespace
}  // namespace strike::book::detail
