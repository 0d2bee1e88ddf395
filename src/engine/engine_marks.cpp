// The venue's marks (docs/risk.md, "Marks"; docs/engine.md, "Marks computed by the venue"). At
// every index update of an underlying, as one step of that command:
//   1. each of its dated futures and perpetuals samples its premium (book mid - index) into a
//      30-second EMA (risk::FuturesMark) and takes index + clamped premium as its mark;
//   2. each of its option chains (inverse, linear) is refitted (SVI per expiry on the books' mid
//      IVs, risk::OptionMarks::recompute) when option_refit_ns of venue time has passed since the
//      last fit, and otherwise repriced on the new index and forwards (reprice);
//   3. every new mark goes into clearing (equity, funding, settlement inputs) and into its book
//      (mark-triggered stops), and the portfolio-margin grid follows.
// admin/set_mark stays an operator override until the next index update recomputes the mark.
// Everything here is a function of the journaled commands (index prices, venue time, books).
#include <algorithm>
#include <bit>

#include <fmt/format.h>

#include "engine/engine.hpp"

namespace strike::engine {
namespace {

void write_double(ByteWriter& w, double d) { w.write_u64(std::bit_cast<std::uint64_t>(d)); }
double read_double(ByteReader& r) { return std::bit_cast<double>(r.read_u64()); }

}  // namespace

void Engine::build_mark_chains() {
  futures_marks_.assign(instruments_->size(), std::nullopt);
  option_marks_.assign(instruments_->size(), std::nullopt);
  option_future_.assign(instruments_->size(), InstrumentId{UINT32_MAX});
  for (const Instrument& ins : instruments_->all()) {
    if (ins.is_option()) continue;
    auto m = risk::FuturesMark::make(config_.futures_marks);
    STRIKE_ASSERT(m.ok(), "futures mark configuration: {}", m.ok() ? "" : m.error().to_string());
    futures_marks_[ins.id.raw()] = std::move(m).value();
  }
  // One chain per underlying and settlement (inverse BTC options, linear BTC_USDC options).
  for (const Instrument& ins : instruments_->all()) {
    if (!ins.is_option()) continue;
    const bool linear = ins.settlement == Settlement::linear;
    OptionChain* chain = nullptr;
    for (OptionChain& c : chains_)
      if (c.underlying == ins.base && c.linear == linear) chain = &c;
    if (chain == nullptr) {
      risk::OptionMarksConfig cfg = config_.option_marks;
      cfg.premium_unit = linear ? risk::PremiumUnit::quote : risk::PremiumUnit::coin;
      auto marks = risk::OptionMarks::make(cfg);
      STRIKE_ASSERT(marks.ok(), "option marks configuration: {}", marks.ok() ? "" : marks.error().to_string());
      chain = &chains_.emplace_back(OptionChain{ins.base, linear, {}, {}, {}, std::move(marks).value(), 0});
    }
    const auto strike = to_scaled(ins.strike, kRefPriceScale);
    STRIKE_ASSERT(strike.ok(), "strike of {} does not fit a reference price", ins.name);
    chain->options.push_back(risk::OptionInput{ins.id, 0,
                                               ins.symbol.option_type == OptionType::call ? pricing::OptionType::call
                                                                                          : pricing::OptionType::put,
                                               RefPrice{strike.value()}, std::nullopt, std::nullopt});
  }
  for (OptionChain& c : chains_) {
    // Expiries ascending; each option points at its expiry; a listed dated future of the same
    // expiry and underlying gives the forward.
    std::vector<Timestamp> expiries;
    for (const risk::OptionInput& o : c.options) expiries.push_back(instruments_->get(o.id).expiry);
    std::sort(expiries.begin(), expiries.end());
    expiries.erase(std::unique(expiries.begin(), expiries.end()), expiries.end());
    for (const Timestamp e : expiries) {
      c.expiries.push_back(risk::ExpiryInput{e, std::nullopt});
      InstrumentId future{UINT32_MAX};
      for (const Instrument& f : instruments_->all())
        if (f.kind == InstrumentKind::future && f.base == c.underlying && f.expiry == e && f.settlement == Settlement::inverse)
          future = f.id;
      c.futures.push_back(future);
    }
    for (risk::OptionInput& o : c.options) {
      o.expiry = static_cast<std::uint32_t>(
          std::lower_bound(expiries.begin(), expiries.end(), instruments_->get(o.id).expiry) - expiries.begin());
      option_future_[o.id.raw()] = c.futures[o.expiry];
    }
  }
}

void Engine::apply_mark(InstrumentId id, RefPrice mark, Step& step) noexcept {
  if (mark.raw() <= 0 || !clearing_.set_mark(id, mark)) return;
  risk_->values_moved();
  if (status_[id.raw()] != InstrumentStatus::open) return;
  books_[id.raw()].set_price(book::PriceSource::mark, to_ticks(id, mark), now_);
  after_book_call(id, step);
}

void Engine::update_marks(CurrencyId underlying, Step& step) noexcept {
  const auto index = clearing_.index(underlying);
  if (!index) return;
  const auto top_of = [&](InstrumentId id) {
    risk::BookTop top;
    const clearing::ContractMath& m = clearing_.math(id);
    if (const auto bid = books_[id.raw()].best_bid()) top.bid = m.to_ref_price(*bid);
    if (const auto ask = books_[id.raw()].best_ask()) top.ask = m.to_ref_price(*ask);
    return top;
  };
  // 1. Futures and perpetuals.
  for (const Instrument& ins : instruments_->all()) {
    if (ins.is_option() || ins.base != underlying || status_[ins.id.raw()] != InstrumentStatus::open) continue;
    risk::FuturesMark& fm = *futures_marks_[ins.id.raw()];
    if (!fm.update(now_, *index, top_of(ins.id))) continue;  // a crossed or broken top: the mark holds
    if (const auto mark = fm.mark(now_, *index)) apply_mark(ins.id, mark.value(), step);
  }
  // 2. Options, chain by chain.
  for (OptionChain& c : chains_) {
    if (c.underlying != underlying) continue;
    for (std::size_t e = 0; e < c.expiries.size(); ++e) {
      c.expiries[e].future_mark.reset();
      if (c.futures[e].raw() != UINT32_MAX && status_[c.futures[e].raw()] == InstrumentStatus::open)
        c.expiries[e].future_mark = clearing_.mark(c.futures[e]);
    }
    for (risk::OptionInput& o : c.options) {
      const risk::BookTop top = top_of(o.id);
      o.bid = top.bid;
      o.ask = top.ask;
    }
    const risk::ChainInput in{now_, *index, c.expiries, c.options};
    const bool refit = now_.ns() >= c.next_refit_ns;
    const auto done = refit ? c.marks.recompute(in, chain_out_) : c.marks.reprice(in, chain_out_);
    if (!done) continue;  // refused inputs change nothing; the previous marks hold
    if (refit) c.next_refit_ns = now_.ns() + config_.option_refit_ns;
    // 3. Into clearing and the books.
    for (const risk::OptionMark& m : chain_out_.options) {
      if (m.status != Errc::ok || status_[m.id.raw()] != InstrumentStatus::open) continue;
      option_marks_[m.id.raw()] = m;
      apply_mark(m.id, m.mark_price, step);
    }
  }
  if (risk_->any_portfolio()) markets_changed();
}

const risk::OptionMark* Engine::option_mark(InstrumentId id) const noexcept {
  if (id.raw() >= option_marks_.size() || !option_marks_[id.raw()]) return nullptr;
  return &*option_marks_[id.raw()];
}

void Engine::save_marks(ByteWriter& w) const {
  for (const auto& fm : futures_marks_)
    if (fm) fm->save(w);
  for (const OptionChain& c : chains_) {
    c.marks.save(w);
    w.write_i64(c.next_refit_ns);
  }
  for (const auto& m : option_marks_) {
    w.write_bool(m.has_value());
    if (!m) continue;
    w.write_u16(static_cast<std::uint16_t>(m->status));
    w.write_i64(m->mark_price.raw());
    for (const double d : {m->mark_iv, m->bid_iv, m->ask_iv, m->greeks.delta, m->greeks.gamma, m->greeks.vega,
                           m->greeks.theta, m->greeks.rho})
      write_double(w, d);
  }
}

Status<Error> Engine::load_marks(ByteReader& r) {
  const auto corrupt = [](std::string_view what) { return fail(Errc::snapshot_corrupt, fmt::format("marks: {}", what)); };
  for (auto& fm : futures_marks_)
    if (fm && !fm->load(r)) return corrupt("futures");
  for (OptionChain& c : chains_) {
    if (!c.marks.load(r)) return corrupt("option chain");
    c.next_refit_ns = r.read_i64();
  }
  for (std::size_t i = 0; i < option_marks_.size() && r.ok(); ++i) {
    if (!r.read_bool()) continue;
    risk::OptionMark m;
    m.id = InstrumentId{static_cast<std::uint32_t>(i)};
    m.status = static_cast<Errc>(r.read_u16());
    m.mark_price = RefPrice{r.read_i64()};
    m.mark_iv = read_double(r);
    m.bid_iv = read_double(r);
    m.ask_iv = read_double(r);
    m.greeks.delta = read_double(r);
    m.greeks.gamma = read_double(r);
    m.greeks.vega = read_double(r);
    m.greeks.theta = read_double(r);
    m.greeks.rho = read_double(r);
    option_marks_[i] = m;
  }
  if (!r.ok()) return corrupt("option marks");
  return {};
}

}  // namespace strike::engine
