// Risk's snapshot decoders on arbitrary bytes: FuturesMark::load and OptionMarks::load never crash
// and either refuse or give a state that the next calls use without crashing, with marks inside
// their bands. The first byte picks the decoder; the rest is the snapshot.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>

#include "risk/futures_mark.hpp"
#include "risk/option_marks.hpp"

namespace {

using namespace strike;
using namespace strike::risk;

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "risk_state_fuzz: %s\n", what);
    std::abort();
  }
}

void futures(std::span<const std::byte> bytes) {
  FuturesMark m = FuturesMark::make({}).value();
  ByteReader in(bytes);
  if (!m.load(in)) return;
  const RefPrice index{9'000'000'000'000};
  const std::int64_t last = m.last_sample_time().ns();
  for (std::int64_t t : {last, last < INT64_MAX - 1'000'000'000 ? last + 1'000'000'000 : last, INT64_MAX}) {
    const auto mark = m.mark(Timestamp::from_ns(t), index);
    check(mark.ok(), "mark after load");
    check(mark.value().raw() >= index.raw() - index.raw() / 200 && mark.value().raw() <= index.raw() + index.raw() / 200,
          "mark outside the band");
  }
  (void)m.update(Timestamp::from_ns(INT64_MAX), index, {index, index});
}

void options(std::span<const std::byte> bytes) {
  OptionMarks m = OptionMarks::make({}).value();
  ByteReader in(bytes);
  if (!m.load(in)) return;
  const Timestamp now = Timestamp::from_ns(INT64_MAX / 2);
  const ExpiryInput expiries[2] = {{Timestamp::from_ns(now.ns() + 86'400'000'000'000), RefPrice{9'000'000'000'000}},
                                   {Timestamp::from_ns(now.ns() + 30 * 86'400'000'000'000), std::nullopt}};
  OptionInput options[4];
  for (std::uint32_t i = 0; i < 4; ++i) {
    options[i].id = InstrumentId{i};
    options[i].expiry = i / 2;
    options[i].type = i % 2 ? pricing::OptionType::put : pricing::OptionType::call;
    options[i].strike = RefPrice{(8'000 + 1'000 * static_cast<std::int64_t>(i)) * 100'000'000};
  }
  ChainMarks out;
  for (int call = 0; call < 2; ++call) {
    const ChainInput chain{now, RefPrice{9'000'000'000'000}, expiries, options};
    if (!(call == 0 ? m.reprice(chain, out) : m.recompute(chain, out))) return;  // e.g. a later last call
    for (const OptionMark& r : out.options) {
      if (r.status != Errc::ok) continue;
      check(r.mark_iv >= m.config().min_iv && r.mark_iv <= m.config().max_iv, "mark IV outside the band");
      check(r.mark_price.raw() >= 0, "negative mark price");
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data) + 1, size - 1);
  if (data[0] & 1)
    options(bytes);
  else
    futures(bytes);
  return 0;
}
