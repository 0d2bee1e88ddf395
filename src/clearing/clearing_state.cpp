// Clearing's part of the engine snapshot: everything that decides its future behaviour and
// its queries, in a canonical order (slots in creation order; the history index as each account's newest entry), so
// equal states give equal bytes. Layout in docs/engine.md.
#include "clearing/clearing.hpp"

namespace strike::clearing {
namespace {

void write_values(ByteWriter& w, const std::vector<std::int64_t>& v) {
  w.write_u32(static_cast<std::uint32_t>(v.size()));
  for (std::int64_t x : v) w.write_i64(x);
}

// Reads exactly `expected` values (the size is implied by the configuration).
bool read_values(ByteReader& r, std::vector<std::int64_t>& v, std::size_t expected) {
  if (r.read_u32() != expected) return false;
  v.assign(expected, 0);
  for (auto& x : v) x = r.read_i64();
  return r.ok();
}

}  // namespace

void Ledger::save(ByteWriter& w) const {
  w.write_u64(users_);
  write_values(w, user_balances_);
  for (const auto& v : venue_) write_values(w, v);
  write_values(w, pools_);
  write_values(w, deposits_);
  write_values(w, withdrawals_);
  w.write_u64(entries_);
  w.write_u64(digest_);
  w.write_u64(history_size_);
  for (std::uint64_t h : heads_) w.write_u64(h);
}

Status<Error> Ledger::load(ByteReader& r) {
  const std::uint64_t users = r.read_u64();
  if (!r.ok() || users > r.remaining()) return fail(Errc::snapshot_corrupt, "ledger: account count");
  Ledger fresh(currencies_, pool_currency_);
  for (std::uint64_t u = 1; u <= users; ++u) fresh.add_user(AccountId{u});
  bool ok = read_values(r, fresh.user_balances_, users * currencies_);
  for (auto& v : fresh.venue_) ok = ok && read_values(r, v, currencies_);
  ok = ok && read_values(r, fresh.pools_, pool_currency_.size()) && read_values(r, fresh.deposits_, currencies_) &&
       read_values(r, fresh.withdrawals_, currencies_);
  if (!ok) return fail(Errc::snapshot_corrupt, "ledger: balances");
  fresh.entries_ = r.read_u64();
  fresh.digest_ = r.read_u64();
  fresh.history_size_ = r.read_u64();
  for (std::uint64_t& h : fresh.heads_) {
    h = r.read_u64();
    if (h > fresh.history_size_) return fail(Errc::snapshot_corrupt, "ledger: history head beyond its size");
  }
  if (!r.ok()) return fail(Errc::snapshot_corrupt, std::string("ledger: ") + std::string(name(r.error())));
  *this = std::move(fresh);
  return {};
}

void Clearing::save(ByteWriter& w) const {
  ledger_.save(w);
  w.write_u64(owners_.size());
  for (AccountId o : owners_) w.write_u64(o.raw());
  w.write_u64(positions_.size());
  for (const Position& p : positions_) {
    w.write_u64(p.account.raw());
    w.write_u32(p.instrument.raw());
    w.write_i64(p.size);
    w.write_i64(p.basis);
    w.write_i64(p.realized_pnl);
    w.write_i64(p.fees);
    w.write_i64(p.session);
    w.write_i64(p.session_realized_pnl);
  }
  for (std::size_t i = 0; i < marks_.size(); ++i) {
    w.write_i64(marks_[i].raw());
    w.write_i64(last_trade_[i].raw());
  }
  for (const IndexTwap& idx : index_) {
    w.write_u32(static_cast<std::uint32_t>(idx.points().size()));
    for (const auto& pt : idx.points()) {
      w.write_i64(pt.time.ns());
      w.write_i64(pt.price.raw());
    }
  }
}

Status<Error> Clearing::load(ByteReader& r) {
  Clearing fresh(*instruments_, config_);
  if (auto s = fresh.ledger_.load(r); !s) return s;
  const std::uint64_t accounts = r.read_u64();
  if (!r.ok() || accounts != fresh.ledger_.user_count()) return fail(Errc::snapshot_corrupt, "clearing: account count");
  for (std::uint64_t i = 0; i < accounts; ++i) {
    const AccountId owner{r.read_u64()};
    if (owner.raw() < 1 || owner.raw() > i + 1) return fail(Errc::snapshot_corrupt, "clearing: account owner");
    fresh.owners_.push_back(owner);
    fresh.account_slots_.emplace_back();
  }
  const std::uint64_t positions = r.read_u64();
  if (!r.ok() || positions > r.remaining()) return fail(Errc::snapshot_corrupt, "clearing: position count");
  for (std::uint64_t i = 0; i < positions && r.ok(); ++i) {
    Position p;
    p.account = AccountId{r.read_u64()};
    p.instrument = InstrumentId{r.read_u32()};
    p.size = r.read_i64();
    p.basis = r.read_i64();
    p.realized_pnl = r.read_i64();
    p.fees = r.read_i64();
    p.session = r.read_i64();
    p.session_realized_pnl = r.read_i64();
    if (!fresh.has_account(p.account) || p.instrument.raw() >= instruments_->size() ||
        fresh.position(p.account, p.instrument) != nullptr)
      return fail(Errc::snapshot_corrupt, "clearing: position");
    fresh.positions_[fresh.position_slot(p.account, p.instrument)] = p;
  }
  for (std::size_t i = 0; i < fresh.marks_.size(); ++i) {
    fresh.marks_[i] = RefPrice{r.read_i64()};
    fresh.last_trade_[i] = RefPrice{r.read_i64()};
  }
  for (IndexTwap& idx : fresh.index_) {
    const std::uint32_t n = r.read_u32();
    if (!r.ok() || n > r.remaining()) return fail(Errc::snapshot_corrupt, "clearing: index history");
    for (std::uint32_t i = 0; i < n; ++i) {
      const Timestamp t = Timestamp::from_ns(r.read_i64());
      const RefPrice p{r.read_i64()};
      if (!r.ok() || p.raw() <= 0 || (idx.has_value() && t <= idx.points().back().time))
        return fail(Errc::snapshot_corrupt, "clearing: index point");
      idx.update(t, p);
    }
  }
  if (!r.ok()) return fail(Errc::snapshot_corrupt, std::string("clearing: ") + std::string(name(r.error())));
  if (auto problem = fresh.validate()) return fail(Errc::snapshot_corrupt, "clearing: " + *problem);
  *this = std::move(fresh);
  return {};
}

}  // namespace strike::clearing
