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

}  // namespace strike::pricing::deribit
