// The `strike price` CSV contract, as a library so the CLI, the Deribit conformance test and
// the fuzz target run the same code:
//
//   strike price [--model black76|bsm] [--inverse] [--units raw|deribit] < in.csv > out.csv
//
// Input: a header, then rows; columns by name (any order, extra columns passed through):
//   type (call|put), forward (black76) or spot (bsm), strike, expiry (years),
//   rate (continuous; default 0), dividend (bsm; default 0), and vol (decimal) or price
//   (premium; coin with --inverse). With both, vol wins and price is passed through.
// Output: the input columns, then price,delta,gamma,vega,theta,rho,vanna,volga,iv,error.
//   raw units: plain partial derivatives (see black.hpp); deribit units: vega per vol point,
//   theta per calendar day. --inverse: price in coin (USD / forward), Greeks stay in USD.
//   iv is the volatility used (the input vol, or the one implied from price).
//   Numbers print with 17 significant digits (round-trip exact). A row that cannot be
//   evaluated gets an error code name in `error` and empty numbers; other rows are unaffected.
// Fails (and writes nothing) only if the input cannot be read: no header, a required column
// missing or repeated (pricing_csv_header).
#pragma once

#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "pricing/black.hpp"

namespace strike::pricing {

enum class Units : std::uint8_t { raw, deribit };

struct PriceCsvOptions {
  Model model = Model::black76;
  bool inverse = false;
  Units units = Units::raw;
};

// Splits one CSV record (RFC 4180 quoting: "a,b" and "" inside quotes). A trailing '\r' is
// dropped. Returns false on an unterminated quote.
bool split_csv_record(std::string_view line, std::vector<std::string>& fields);

// Reads the whole input, writes the whole output. Errors: pricing_csv_header.
Status<Error> price_csv(std::istream& in, std::ostream& out, const PriceCsvOptions& options);

}  // namespace strike::pricing
