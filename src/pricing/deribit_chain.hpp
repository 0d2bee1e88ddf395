// Reader for a Deribit option-chain snapshot in the CSV layout of
// ../shared/data/deribit/btc_option_chain_2020-05-21.csv (one row per instrument, as
// `public/get_order_book` returns it, with `greeks` as a Python dict literal).
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "pricing/black.hpp"
#include "pricing/svi.hpp"

namespace strike::pricing::deribit {

struct ChainQuote {
  std::string instrument;
  OptionType type = OptionType::call;
  double strike = 0;
  std::int64_t expiry_ms = 0;
  std::int64_t timestamp_ms = 0;
  double underlying_price = 0;  // the future the option is priced on
  double mark_price = 0;        // coin
  double mark_iv = 0;           // percent
  double bid_iv = 0, ask_iv = 0;  // percent; 0 when there is no quote
  // Deribit's published Greeks (USD; vega per vol point, theta per day).
  double delta = 0, gamma = 0, vega = 0, theta = 0, rho = 0;

  double expiry_years() const noexcept;
};

// Errors: config_unreadable (no header), config_missing_field (a needed column absent),
// config_bad_value (detail names the row and column).
Result<std::vector<ChainQuote>, Error> read_chain(std::istream& in);

// One expiry of a chain as SVI input: the bid and ask IVs (weight 1 each) of the two-sided
// out-of-the-money options (Deribit's 0 and 500% "no quote" placeholders dropped) at
// k = ln(K/F), F the median underlying_price of the expiry; and the mark IVs of all options,
// to report the fit against.
struct ExpirySmile {
  std::int64_t expiry_ms = 0;
  double expiry = 0;  // years (365-day) from the snapshot's first timestamp
  double forward = 0;
  std::vector<SmilePoint> quotes;
  std::vector<SmilePoint> marks;
};
std::vector<ExpirySmile> smiles(const std::vector<ChainQuote>& chain);

struct FittedExpiry {
  ExpirySmile smile;
  SviSlice slice;
  double rmse_vs_mark = 0;  // vol points, against mark_iv of the options inside the quoted k range
};
// Fits every expiry with at least 5 quotes, shortest first, each against the previous slice for
// calendar arbitrage. Expiries that cannot be fitted are skipped.
std::vector<FittedExpiry> fit_chain(const std::vector<ChainQuote>& chain);

}  // namespace strike::pricing::deribit
