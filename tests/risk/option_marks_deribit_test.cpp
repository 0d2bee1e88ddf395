// OptionMarks against Deribit's own marks: the whole BTC chain of 2020-05-21
// (../shared/data/deribit/btc_option_chain_2020-05-21.csv, 326 options, 7 expiries). Its best bid
// and ask are the book; each expiry's forward is Deribit's underlying_price for it (the future's
// mark, or Deribit's synthetic forward where no future is listed), so the comparison isolates the
// surface: our mark IVs and mark prices against Deribit's mark_iv and mark_price columns.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "pricing/deribit_chain.hpp"
#include "pricing/price_csv.hpp"
#include "risk/option_marks.hpp"

namespace strike::risk {
namespace {

const char* const kChain = STRIKE_SHARED_DATA_DIR "/deribit/btc_option_chain_2020-05-21.csv";

struct Book {
  double bid = 0, ask = 0, index = 0;
};

// best_bid_price, best_ask_price and index_price by instrument (read_chain does not keep them).
std::map<std::string, Book> read_books(const char* path) {
  std::ifstream in(path);
  std::string line;
  std::vector<std::string> header, f;
  std::map<std::string, Book> out;
  if (!std::getline(in, line) || !pricing::split_csv_record(line, header)) return out;
  auto col = [&](std::string_view name) {
    return static_cast<std::size_t>(std::find(header.begin(), header.end(), name) - header.begin());
  };
  const std::size_t name = col("instrument_name"), bid = col("best_bid_price"), ask = col("best_ask_price"),
                    index = col("index_price");
  while (std::getline(in, line))
    if (pricing::split_csv_record(line, f) && f.size() == header.size())
      out[f[name]] = {std::stod(f[bid]), std::stod(f[ask]), std::stod(f[index])};
  return out;
}

RefPrice ref(double v) { return RefPrice{std::llround(v * 1e8)}; }

double quantile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[static_cast<std::size_t>(q * static_cast<double>(v.size() - 1) + 0.5)];
}

struct Errors {
  std::vector<double> iv, price_ticks;
  void print(const char* what) const {
    std::printf("%-34s n=%3zu  |mark IV err| vol pts: median %.2f p90 %.2f max %.2f;  |mark price err| in 0.0005 BTC "
                "ticks: median %.2f p90 %.2f max %.2f\n",
                what, iv.size(), quantile(iv, 0.5), quantile(iv, 0.9), quantile(iv, 1.0), quantile(price_ticks, 0.5),
                quantile(price_ticks, 0.9), quantile(price_ticks, 1.0));
  }
};

TEST(OptionMarksDeribit, MarksOfTheRealChainAreCloseToDeribitsOwn) {
  if (!std::filesystem::exists(kChain)) GTEST_SKIP() << "Deribit chain snapshot not found at " << kChain;
  std::ifstream file(kChain);
  auto chain = pricing::deribit::read_chain(file);
  ASSERT_TRUE(chain.ok()) << chain.error().to_string();
  const auto books = read_books(kChain);
  const auto& quotes = chain.value();
  ASSERT_EQ(quotes.size(), 326u);

  std::int64_t now_ms = quotes.front().timestamp_ms;
  for (const auto& q : quotes) now_ms = std::min(now_ms, q.timestamp_ms);
  std::map<std::int64_t, std::vector<double>> forwards;  // ordered: the expiries, shortest first
  for (const auto& q : quotes) forwards[q.expiry_ms].push_back(q.underlying_price);
  std::vector<ExpiryInput> expiries;
  std::map<std::int64_t, std::uint32_t> expiry_index;
  for (auto& [ms, f] : forwards) {
    std::sort(f.begin(), f.end());
    expiry_index[ms] = static_cast<std::uint32_t>(expiries.size());
    expiries.push_back({Timestamp::from_ms(ms), ref(f[f.size() / 2])});
  }
  std::vector<OptionInput> options;
  for (std::size_t i = 0; i < quotes.size(); ++i) {
    const auto& q = quotes[i];
    const Book& b = books.at(q.instrument);
    OptionInput o;
    o.id = InstrumentId{static_cast<std::uint32_t>(i + 1)};
    o.expiry = expiry_index.at(q.expiry_ms);
    o.type = q.type;
    o.strike = ref(q.strike);
    if (b.bid > 0) o.bid = ref(b.bid);
    if (b.ask > 0) o.ask = ref(b.ask);
    options.push_back(o);
  }
  const ChainInput in{Timestamp::from_ms(now_ms), ref(books.at(quotes.front().instrument).index), expiries, options};

  OptionMarks marks = OptionMarks::make({}).value();  // the default configuration
  ChainMarks out;
  ASSERT_TRUE(marks.recompute(in, out));

  // Error distribution, overall and per expiry; "inside" = strikes within the expiry's quoted
  // (fitted) log-moneyness range, where both surfaces are fitted rather than extrapolated.
  std::map<std::int64_t, std::pair<double, double>> k_range;
  for (std::size_t i = 0; i < quotes.size(); ++i) {
    const ExpiryMark& e = out.expiries[options[i].expiry];
    const OptionMark& r = out.options[i];
    const bool otm = (quotes[i].type == pricing::OptionType::call) == (quotes[i].strike >= e.forward);
    if (!otm || !std::isfinite(r.bid_iv) || !std::isfinite(r.ask_iv)) continue;
    const double k = std::log(quotes[i].strike / e.forward);
    auto [it, fresh] = k_range.try_emplace(quotes[i].expiry_ms, k, k);
    it->second = {std::min(it->second.first, k), std::max(it->second.second, k)};
  }
  Errors all, inside, outside, longer;
  std::vector<double> delta_err, rho_err;  // >= 3 days; rho relative
  std::map<std::int64_t, Errors> by_expiry;
  for (std::size_t i = 0; i < quotes.size(); ++i) {
    const auto& q = quotes[i];
    const OptionMark& r = out.options[i];
    ASSERT_EQ(r.status, Errc::ok) << q.instrument;
    const double iv_err = std::fabs(100 * r.mark_iv - q.mark_iv);
    const double ticks = std::fabs(static_cast<double>(r.mark_price.raw()) / 1e8 - q.mark_price) / 0.0005;
    const ExpiryMark& e = out.expiries[options[i].expiry];
    const double k = std::log(q.strike / e.forward);
    const auto range = k_range.find(q.expiry_ms);
    const bool in_range = range != k_range.end() && k >= range->second.first && k <= range->second.second;
    for (Errors* s : {&all, in_range ? &inside : &outside, &by_expiry[q.expiry_ms]}) {
      s->iv.push_back(iv_err);
      s->price_ticks.push_back(ticks);
    }
    if (e.years * 365 >= 3) {
      longer.iv.push_back(iv_err);
      longer.price_ticks.push_back(ticks);
      delta_err.push_back(std::fabs(r.greeks.delta - q.delta));
      if (std::fabs(q.rho) > 0.01) rho_err.push_back(std::fabs(r.greeks.rho / q.rho - 1));
    }
  }
  all.print("all 326 options");
  inside.print("inside the quoted range");
  outside.print("outside it (extrapolated)");
  longer.print(">= 3 days to expiry");
  for (const auto& [ms, errs] : by_expiry) {
    const ExpiryMark& e = out.expiries[expiry_index.at(ms)];
    const std::string label = fmt::format("T={:.4f} F={:.2f} {} q={}", e.years, e.forward, to_string(e.source), e.quotes);
    errs.print(label.c_str());
  }
  std::printf("Greeks at our mark IV, >= 3 days: |delta - Deribit's| median %.4f max %.4f; |rho / Deribit's - 1| "
              "median %.4f max %.4f (n=%zu)\n",
              quantile(delta_err, 0.5), quantile(delta_err, 1.0), quantile(rho_err, 0.5), quantile(rho_err, 1.0),
              rho_err.size());
  EXPECT_LT(quantile(delta_err, 1.0), 0.05);
  EXPECT_LT(quantile(rho_err, 0.5), 0.02);
  // The tolerances that hold, with some room (docs/risk.md gives the table): mark IVs within a
  // vol point of Deribit's for half the options and 3 for 90% of them, 6 at worst; mark prices
  // within 2.5 ticks for 90%, 8 at worst (the worst are near the money at 26JUN20, where 1 vol
  // point is 2.3 ticks).
  EXPECT_LT(quantile(all.iv, 0.5), 1.0);
  EXPECT_LT(quantile(all.iv, 0.9), 3.0);
  EXPECT_LT(quantile(all.iv, 1.0), 6.0);
  EXPECT_LT(quantile(all.price_ticks, 0.9), 2.5);
  EXPECT_LT(quantile(all.price_ticks, 1.0), 8.0);
  for (const ExpiryMark& e : out.expiries) EXPECT_EQ(e.source, SmileSource::fit);
}

}  // namespace
}  // namespace strike::risk
