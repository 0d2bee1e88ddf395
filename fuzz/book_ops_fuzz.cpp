// The order book under arbitrary command streams: the input bytes drive the command
// generator of the differential test (tests/book/op_stream.hpp). After every command the
// book must pass validate() and emit exactly the reference book's events.
#include <cstdint>
#include <vector>

#include "book/order_book.hpp"
#include "core/assert.hpp"
#include "events.hpp"
#include "op_stream.hpp"
#include "reference_book.hpp"

namespace {

struct Bytes {
  const std::uint8_t* data;
  std::size_t size;
  std::size_t pos = 0;
};

// One byte per draw (zeros once the input is used up).
struct ByteDraw {
  Bytes* in;
  std::uint64_t operator()() noexcept { return in->pos < in->size ? in->data[in->pos++] : 0; }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace strike::book;
  using namespace strike::book::testing;
  Bytes in{data, size};
  const BookConfig cfg = stream_config();
  std::vector<Event> fast_events, ref_events;
  OrderBook<RecordingSink> fast(cfg, RecordingSink{&fast_events});
  ReferenceBook ref(cfg, &ref_events);
  OpSource source{ByteDraw{&in}};
  while (in.pos < in.size) {
    const Op op = source.next();
    fast_events.clear();
    ref_events.clear();
    const strike::Errc a = apply(fast, op);
    const strike::Errc b = apply(ref, op);
    STRIKE_ASSERT(a == b && fast_events == ref_events, "book differs from the reference on {}:\nfast:\n{}reference:\n{}",
                  describe(op), describe(fast_events), describe(ref_events));
    const auto ok = fast.validate();
    STRIKE_ASSERT(ok.ok(), "{} after {}", ok.ok() ? "" : ok.error().to_string(), describe(op));
    source.observe(fast_events);
  }
  return 0;
}
