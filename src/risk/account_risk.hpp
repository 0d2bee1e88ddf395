// AccountRisk: what the engine's stages ask of risk. It holds each account's margin model and
// the open orders that could still add to its positions, and answers with the calculators of
// this component (standard_margin, portfolio_margin, collateral) over clearing's balances,
// positions, marks and index prices, which it only reads: risk never writes the ledger.
//
//   admit   the pre-trade check: would the account still cover its initial margin (positions
//           plus open orders on the riskier side, as a fill would leave them) if this order, amend
//           or triggered stop were in? A change that does not raise the requirement is always
//           admitted (reducing orders, reduce-only orders); otherwise not_enough_funds (10009).
//   report  orders_changed(): open-order exposure follows the book's events (accepted, filled,
//           cancelled, amended, triggered); position_changed(): portfolio-margin sums follow fills.
//   query   margin(): Deribit's account-summary figures per currency under the account's model;
//           position_margin(): one position's IM and MM.
//
// Models (docs/risk.md): segregated standard (default), cross standard, segregated portfolio,
// cross portfolio. Standard margin is per instrument (StandardMargin::with_orders); portfolio
// margin is the account's AccountPortfolio per settlement currency plus, per instrument with open
// orders, the larger increase of "all its buys filled" and "all its sells filled" (a
// conservative sum across instruments: docs/risk.md). Cross models pool every currency in USD at
// the index with the configured haircuts (collateral.hpp).
//
// Prices: an instrument's mark is clearing's (the venue's computed mark, else its last trade),
// else the average limit price of the account's orders in it; an option's index falls back to
// its strike (at the money: the largest standard requirement), a future's to its mark. Determinism: no clock, no unordered iteration; the
// state (models) is in the engine's snapshot, the rest is rebuilt from books and positions.
// Costs: a check is O(instruments the account has a position or orders in); no allocation on
// the order path (exposures are per-account vectors that grow with the instruments touched).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "clearing/clearing.hpp"
#include "core/byte_buffer.hpp"
#include "core/money.hpp"
#include "risk/collateral.hpp"
#include "risk/portfolio_margin.hpp"
#include "risk/risk_config.hpp"
#include "risk/standard_margin.hpp"

namespace strike::risk {

// A change of one account's open orders in one instrument (signed deltas).
struct OrderChange {
  InstrumentId instrument{};
  std::int64_t buy_lots = 0, sell_lots = 0;
  // Sums of lots x limit price (ticks), exact, so that adding and removing parts of an order
  // always cancel: an option buy's premium is valued from them when margin is computed, and
  // their average is the price of an instrument that has no mark and no trade yet.
  std::int64_t buy_notional = 0, sell_notional = 0;
};

// An account's margin in one currency, as Deribit's get_account_summary shows it. Under a cross
// model the figures are the account's USD totals converted into this currency.
struct AccountMargin {
  CurrencyId currency{};
  MarginModel model = MarginModel::segregated_sm;
  std::int64_t equity = 0;          // balance + futures PnL + options value (clearing)
  std::int64_t initial = 0;         // positions and open orders
  std::int64_t maintenance = 0;     // positions
  std::int64_t margin_balance = 0;  // what IM is compared to
  std::int64_t available = 0;       // margin_balance - initial (may be negative)
};

class AccountRisk {
 public:
  // The registry must outlive it. Errors: config_bad_value (an instrument the calculators cannot
  // hold exactly).
  static Result<std::unique_ptr<AccountRisk>, Error> make(const InstrumentRegistry& instruments, const RiskConfig& config);

  const RiskConfig& config() const noexcept { return config_; }
  void add_account();  // ids dense from 1, as clearing's
  std::size_t account_count() const noexcept { return accounts_.size(); }
  MarginModel model(AccountId account) const noexcept { return accounts_[account.raw() - 1].model; }
  // Some account uses portfolio margin (the grid is worth recomputing when markets move).
  bool any_portfolio() const noexcept { return portfolio_accounts_ > 0; }
  // Errors: margin_model_unchanged is not one: same model is ok; insufficient_funds when the
  // account would not cover its initial margin under the new model (nothing changes then).
  Status<Errc> set_model(const clearing::Clearing& clearing, AccountId account, MarginModel model);

  // --- report stage ---------------------------------------------------------------------------
  void orders_changed(AccountId account, const OrderChange& change);
  // A fill (or a settlement) changed a position by `lots`, clearing already holds the new one:
  // portfolio-margin sums and the cached position values follow, in O(1).
  void position_changed(const clearing::Clearing& clearing, AccountId account, InstrumentId instrument, std::int64_t lots);
  // Something a position's value depends on moved: a mark, an index, or the last trade of an
  // instrument without a mark (the engine calls it; cached equity is recomputed after it).
  void values_moved() noexcept { ++values_epoch_; }
  // Market inputs of the portfolio-margin grid (per instrument, per currency), at venue time.
  void set_markets(Timestamp now, std::span<const InstrumentMarket> market, std::span<const double> index);

  // --- admit stage (reads only) ---------------------------------------------------------------
  // ok, or insufficient_funds (not enough margin), or the calculators' error (e.g. overflow).
  Errc admit(const clearing::Clearing& clearing, AccountId account, const OrderChange& change) const;
  // A withdrawal or outgoing transfer of `amount`: within the currency's available funds.
  Errc admit_withdrawal(const clearing::Clearing& clearing, AccountId account, Money amount) const;

  // --- queries --------------------------------------------------------------------------------
  Result<AccountMargin, Errc> margin(const clearing::Clearing& clearing, AccountId account, CurrencyId currency) const;
  // One position's IM and MM (positions alone, no orders).
  Result<Margin, Errc> position_margin(const clearing::Clearing& clearing, AccountId account, InstrumentId instrument) const;
  // What margin() would say with the open orders changed (get_margins).
  Result<AccountMargin, Errc> margin_with_change(const clearing::Clearing& clearing, AccountId account,
                                                 const OrderChange& change) const;
  // What margin() would say with `extra` lots added to each listed instrument (simulate_portfolio).
  Result<AccountMargin, Errc> margin_with_positions(const clearing::Clearing& clearing, AccountId account,
                                                    CurrencyId currency,
                                                    std::span<const std::pair<InstrumentId, std::int64_t>> extra) const;
  // Futures and perpetuals under a standard model: the mark at which this position alone would
  // bring the account's margin balance down to its maintenance margin (the rest held); nullopt
  // for options, portfolio models or no position.
  std::optional<RefPrice> estimated_liquidation_price(const clearing::Clearing& clearing, AccountId account,
                                                      InstrumentId instrument) const;
  // The open orders the account has in an instrument (zeros if none).
  OpenOrders open_orders(const clearing::Clearing& clearing, AccountId account, InstrumentId instrument) const noexcept;
  const ScenarioTable& scenarios() const noexcept { return table_; }

  // Snapshot form: every account's model (exposures and portfolios are rebuilt from the books
  // and positions by rebuild()). load() changes nothing unless all of it reads.
  void save(ByteWriter& w) const;
  Status<Error> load(ByteReader& r, std::size_t accounts);
  // After load: portfolio sums from clearing's positions (exposures come back through
  // orders_changed for each open order).
  void rebuild(const clearing::Clearing& clearing);

 private:
  struct Exposure {
    InstrumentId instrument{};
    std::int64_t buy_lots = 0, sell_lots = 0, buy_notional = 0, sell_notional = 0;
  };
  // Each position's value at the marks (clearing's mark_value) and their sum per currency, valid
  // while no value input moved (values_moved): a fill updates one entry, so the pre-trade check
  // reads equity without walking every position. A memo, not state.
  struct PositionValue {
    InstrumentId instrument{};
    std::int64_t value = 0;
  };
  struct CurrencyValue {
    CurrencyId currency{};
    std::int64_t value = 0;
  };
  struct ValueCache {
    std::uint64_t epoch = 0;  // values_epoch_ when built (0: never)
    std::vector<PositionValue> positions;  // sorted by instrument
    std::vector<CurrencyValue> totals;
  };
  struct Account {
    MarginModel model = MarginModel::segregated_sm;
    mutable ValueCache values;
    std::vector<Exposure> exposures;                          // instruments with open orders, sorted
    std::unique_ptr<std::vector<AccountPortfolio>> portfolios;  // portfolio models: one per settlement currency
  };
  struct Requirement {
    std::int64_t initial = 0, maintenance = 0;
  };

  AccountRisk(const InstrumentRegistry& instruments, RiskConfig config, ScenarioTable table)
      : instruments_(&instruments), config_(std::move(config)), table_(std::move(table)) {}
  const Exposure* exposure(const Account& a, InstrumentId instrument) const noexcept;
  // An exposure (plus a change) as the calculators take it: the buy premium valued.
  OpenOrders orders_of(const clearing::Clearing& clearing, InstrumentId instrument, const Exposure* e,
                       const OrderChange* change) const noexcept;
  // The instrument's mark (else last trade, else the average limit of `orders`, its open orders
  // with any change: deterministic from the set of orders) and index.
  MarginPrices prices(const clearing::Clearing& clearing, InstrumentId instrument, const Exposure& orders) const noexcept;
  Exposure with_change(InstrumentId instrument, const Exposure* e, const OrderChange* change) const noexcept;
  // The requirement of the account's positions and orders settling in `currency`, with `change`
  // and `extra` positions applied.
  Result<Requirement, Errc> requirement(const clearing::Clearing& clearing, AccountId account, CurrencyId currency,
                                        const OrderChange* change,
                                        std::span<const std::pair<InstrumentId, std::int64_t>> extra) const;
  Result<AccountMargin, Errc> funds(const clearing::Clearing& clearing, AccountId account, CurrencyId currency,
                                    const OrderChange* change,
                                    std::span<const std::pair<InstrumentId, std::int64_t>> extra,
                                    std::int64_t balance_change) const;
  // Equity in a currency: ledger balance + the positions' values at their marks (cached).
  std::int64_t equity(const clearing::Clearing& clearing, AccountId account, CurrencyId currency) const;
  void rebuild_values(const clearing::Clearing& clearing, AccountId account, const Account& a) const;
  AccountPortfolio* portfolio(Account& a, CurrencyId settlement);
  const AccountPortfolio* portfolio(const Account& a, CurrencyId settlement) const;
  void build_portfolios(const clearing::Clearing& clearing, AccountId account, Account& a);

  const InstrumentRegistry* instruments_;
  RiskConfig config_;
  ScenarioTable table_;
  std::vector<StandardMargin> standard_;  // [instrument]
  std::vector<Account> accounts_;         // [id - 1]
  std::size_t portfolio_accounts_ = 0;
  std::uint64_t values_epoch_ = 1;
};

}  // namespace strike::risk
