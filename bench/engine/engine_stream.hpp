// The book's shared reproducible stream (bench/book/shared_stream.hpp, docs/benchmarks.md
// ## book) as engine commands on BTC-PERPETUAL: 64 funded accounts, then limit adds, cancels
// and IOC takes. Every add and take is accepted, so the engine assigns the stream's own ids
// (1, 2, 3, ...) and its cancels name live orders. Self-trades match as in the book stream.
#pragma once

#include <vector>

#include "book/shared_stream.hpp"
#include "engine/command.hpp"
#include "core/instrument_registry.hpp"

namespace strike::engine::bench {

inline constexpr std::int64_t kStreamStart = 1'796'083'200LL * kNsPerSecond;  // 2026-12-01T00:00Z

inline std::vector<CommandBody> stream_setup(const InstrumentRegistry& registry) {
  std::vector<CommandBody> out;
  const CurrencyId btc = registry.currencies().find("BTC")->id;
  for (std::uint64_t a = 1; a <= 64; ++a) {
    out.push_back(CreateAccount{});
    out.push_back(Deposit{AccountId{a}, btc, 1'000'000LL * 100'000'000});
  }
  return out;
}

inline CommandBody to_command(const book::bench::StreamOp& op, InstrumentId instrument) {
  if (op.kind == book::bench::StreamOp::cancel) return CancelOrder{AccountId{op.account}, OrderId{op.id}};
  NewOrder o;
  o.account = AccountId{op.account};
  o.instrument = instrument;
  o.side = op.side;
  o.price = Price{op.price};
  o.qty = Qty{op.qty};
  o.tif = op.kind == book::bench::StreamOp::take ? book::TimeInForce::ioc : book::TimeInForce::gtc;
  o.stp = book::StpMode::none;  // as in the book stream
  return o;
}

// setup + the stream, n operations of it.
inline std::vector<CommandBody> engine_stream(const InstrumentRegistry& registry, std::size_t n,
                                              std::int64_t take_max = book::bench::kShallowTakeMax) {
  std::vector<CommandBody> out = stream_setup(registry);
  const InstrumentId perp = registry.find("BTC-PERPETUAL")->id;
  for (const auto& op : book::bench::make_stream(take_max, n)) out.push_back(to_command(op, perp));
  return out;
}

}  // namespace strike::engine::bench
