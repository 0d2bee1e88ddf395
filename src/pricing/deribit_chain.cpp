#include "pricing/deribit_chain.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <istream>
#include <string_view>

#include <fmt/format.h>

#include "pricing/deribit.hpp"
#include "pricing/price_csv.hpp"

namespace strike::pricing::deribit {

double ChainQuote::expiry_years() const noexcept { return years_between_ms(timestamp_ms, expiry_ms); }

namespace {

bool parse_double(std::string_view s, double& out) {
  if (s.empty()) return false;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc{} && end == s.data() + s.size();
}

// "{'vega': 0.94545, 'theta': -40.20419, ...}" -> value of key, or false.
bool dict_value(std::string_view dict, std::string_view key, double& out) {
  const std::string quoted = fmt::format("'{}':", key);
  const auto at = dict.find(quoted);
  if (at == std::string_view::npos) return false;
  std::size_t b = at + quoted.size();
  while (b < dict.size() && dict[b] == ' ') ++b;
  std::size_t e = b;
  while (e < dict.size() && dict[e] != ',' && dict[e] != '}') ++e;
  return parse_double(dict.substr(b, e - b), out);
}

}  // namespace

Result<std::vector<ChainQuote>, Error> read_chain(std::istream& in) {
  std::string line;
  std::vector<std::string> header, f;
  if (!std::getline(in, line) || !split_csv_record(line, header)) return fail(Errc::config_unreadable, "no header");
  auto find = [&](std::string_view name) -> std::ptrdiff_t {
    for (std::size_t i = 0; i < header.size(); ++i)
      if (header[i] == name) return static_cast<std::ptrdiff_t>(i);
    return -1;
  };
  const char* names[] = {"instrument_name", "strike", "option_type", "expiration_timestamp", "timestamp",
                         "underlying_price", "mark_price", "mark_iv", "bid_iv", "ask_iv", "greeks"};
  std::ptrdiff_t col[11];
  for (int i = 0; i < 11; ++i)
    if ((col[i] = find(names[i])) < 0) return fail(Errc::config_missing_field, names[i]);
  std::vector<ChainQuote> out;
  int row = 0;
  while (std::getline(in, line)) {
    ++row;
    if (line.empty()) continue;
    if (!split_csv_record(line, f) || f.size() != header.size())
      return fail(Errc::config_bad_value, fmt::format("row {}: field count", row));
    auto get = [&](int i) -> const std::string& { return f[static_cast<std::size_t>(col[i])]; };
    ChainQuote q;
    q.instrument = get(0);
    double expiry = 0, stamp = 0;
    const std::string& type = get(2);
    if (type != "call" && type != "put") return fail(Errc::config_bad_value, fmt::format("row {}: option_type", row));
    q.type = type == "call" ? OptionType::call : OptionType::put;
    const std::string& greeks = get(10);
    const bool ok = parse_double(get(1), q.strike) && parse_double(get(3), expiry) && parse_double(get(4), stamp) &&
                    parse_double(get(5), q.underlying_price) && parse_double(get(6), q.mark_price) &&
                    parse_double(get(7), q.mark_iv) && dict_value(greeks, "delta", q.delta) &&
                    dict_value(greeks, "gamma", q.gamma) && dict_value(greeks, "vega", q.vega) &&
                    dict_value(greeks, "theta", q.theta) && dict_value(greeks, "rho", q.rho);
    if (!ok) return fail(Errc::config_bad_value, fmt::format("row {} ({}): a number does not parse", row, q.instrument));
    if (!parse_double(get(8), q.bid_iv)) q.bid_iv = 0;
    if (!parse_double(get(9), q.ask_iv)) q.ask_iv = 0;
    q.expiry_ms = static_cast<std::int64_t>(expiry);
    q.timestamp_ms = static_cast<std::int64_t>(stamp);
    out.push_back(std::move(q));
  }
  return out;
}

std::vector<ExpirySmile> smiles(const std::vector<ChainQuote>& chain) {
  std::vector<ExpirySmile> out;
  if (chain.empty()) return out;
  std::int64_t now = chain.front().timestamp_ms;
  for (const ChainQuote& q : chain) now = std::min(now, q.timestamp_ms);
  std::map<std::int64_t, std::vector<const ChainQuote*>> by_expiry;  // ordered: shortest first
  for (const ChainQuote& q : chain) by_expiry[q.expiry_ms].push_back(&q);
  for (const auto& [expiry_ms, quotes] : by_expiry) {
    ExpirySmile s;
    s.expiry_ms = expiry_ms;
    s.expiry = years_between_ms(now, expiry_ms);
    std::vector<double> f;
    for (const ChainQuote* q : quotes) f.push_back(q->underlying_price);
    std::sort(f.begin(), f.end());
    s.forward = f[f.size() / 2];
    for (const ChainQuote* q : quotes) {
      const double k = std::log(q->strike / s.forward);
      if (q->mark_iv > 0) s.marks.push_back({k, q->mark_iv / 100, 1.0});
      // Out-of-the-money options only (the liquid side), and only two-sided quotes: an ask
      // alone (in-the-money calls at 450-500%) says nothing about the smile.
      const bool otm = (q->type == OptionType::call) == (q->strike >= s.forward);
      const bool two_sided = q->bid_iv > 0 && q->ask_iv > 0 && q->ask_iv < 499;
      if (!otm || !two_sided) continue;
      s.quotes.push_back({k, q->bid_iv / 100, 1.0});
      s.quotes.push_back({k, q->ask_iv / 100, 1.0});
    }
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<FittedExpiry> fit_chain(const std::vector<ChainQuote>& chain) {
  std::vector<FittedExpiry> out;
  for (ExpirySmile& s : smiles(chain)) {
    auto slice = fit_svi(s.quotes, s.expiry, out.empty() ? nullptr : &out.back().slice);
    if (!slice) continue;
    FittedExpiry fe{std::move(s), slice.value(), 0};
    // Against Deribit's marks inside the quoted range only: beyond it both are extrapolations.
    double k_lo = INFINITY, k_hi = -INFINITY, sse = 0;
    for (const SmilePoint& q : fe.smile.quotes) {
      k_lo = std::min(k_lo, q.k);
      k_hi = std::max(k_hi, q.k);
    }
    int n = 0;
    for (const SmilePoint& m : fe.smile.marks) {
      if (m.k < k_lo || m.k > k_hi) continue;
      sse += std::pow((fe.slice.iv(m.k) - m.iv) * 100, 2);
      ++n;
    }
    fe.rmse_vs_mark = n == 0 ? 0 : std::sqrt(sse / n);
    out.push_back(std::move(fe));
  }
  return out;
}

}  // namespace strike::pricing::deribit
