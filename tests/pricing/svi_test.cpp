// SVI: constraints by construction, recovery of known parameters, Durrleman's check, and the
// fit of the real 2020-05-21 BTC chain (RMSE per expiry printed; no butterfly or calendar
// arbitrage in the fitted surface).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>

#include "pricing/deribit_chain.hpp"
#include "pricing/svi.hpp"

namespace strike::pricing {
namespace {

TEST(Svi, FitRecoversTheParametersOfAnArbitrageFreeSmile) {
  const SviParams truth{0.01, 0.1, -0.3, 0.05, 0.2};
  const double t = 0.25;
  std::vector<SmilePoint> pts;
  for (int i = 0; i < 40; ++i) {
    const double k = -1.0 + 2.0 * i / 39;
    pts.push_back({k, std::sqrt(truth.total_variance(k) / t), 1.0});
  }
  const auto s = fit_svi(pts, t);
  ASSERT_TRUE(s.ok());
  EXPECT_LT(s->rmse_vol_points, 0.01);
  EXPECT_TRUE(s->params.satisfies_constraints());
  EXPECT_TRUE(s->butterfly.butterfly_free);
  for (const auto& p : pts) EXPECT_NEAR(s->iv(p.k), p.iv, 2e-4);
}

TEST(Svi, DurrlemanCheckFlagsAButterflyArbitrage) {
  // Steep wings with a tiny sigma: the density turns negative near the vertex.
  const SviParams bad{-0.05, 1.9, 0.0, 0.0, 0.02};
  EXPECT_FALSE(check_butterfly(bad).butterfly_free);
  const SviParams good{0.04, 0.1, -0.2, 0.0, 0.3};
  EXPECT_TRUE(check_butterfly(good).butterfly_free);
}

TEST(Svi, TooFewPointsIsAnError) {
  const std::vector<SmilePoint> pts{{0, 0.5, 1}, {0.1, 0.5, 1}};
  EXPECT_EQ(fit_svi(pts, 0.1).error(), Errc::pricing_fit_failed);
}

TEST(SviSurface, InterpolatesInTotalVarianceBetweenExpiries) {
  SviSlice s1, s2;
  s1.expiry = 0.1;
  s1.params = {0.004, 0.05, -0.2, 0.0, 0.1};
  s2.expiry = 0.5;
  s2.params = {0.03, 0.1, -0.2, 0.0, 0.2};
  const auto surf = SviSurface::make({s1, s2});
  ASSERT_TRUE(surf.ok());
  const double k = 0.1, t = 0.3;
  const double w = s1.params.total_variance(k) + (s2.params.total_variance(k) - s1.params.total_variance(k)) * 0.5;
  EXPECT_DOUBLE_EQ(surf->total_variance(k, t), w);
  EXPECT_NEAR(surf->mark_iv(100 * std::exp(k), 100, t), std::sqrt(w / t), 1e-14);
  EXPECT_GE(surf->min_calendar_spread(), 0);
}

TEST(SviChain, RealBtcChainFitsWithoutButterflyOrCalendarArbitrage) {
  std::ifstream file(std::string(STRIKE_SHARED_DATA_DIR) + "/deribit/btc_option_chain_2020-05-21.csv");
  if (!file) GTEST_SKIP() << "real data absent: ../shared/data/deribit/btc_option_chain_2020-05-21.csv";
  const auto chain = deribit::read_chain(file);
  ASSERT_TRUE(chain.ok());
  const auto fitted = deribit::fit_chain(chain.value());
  ASSERT_EQ(fitted.size(), 7u);  // every expiry of the chain
  std::vector<SviSlice> slices;
  for (const auto& f : fitted) {
    std::printf("T=%.4f F=%.2f quotes=%zu  a=%.5f b=%.5f rho=%.4f m=%.4f sigma=%.4f  RMSE %.2f vol pts (vs mark %.2f)  min g %.4f\n",
                f.slice.expiry, f.smile.forward, f.slice.points, f.slice.params.a, f.slice.params.b, f.slice.params.rho,
                f.slice.params.m, f.slice.params.sigma, f.slice.rmse_vol_points, f.rmse_vs_mark, f.slice.butterfly.min_g);
    EXPECT_TRUE(f.slice.params.satisfies_constraints());
    EXPECT_TRUE(f.slice.butterfly.butterfly_free) << "T=" << f.slice.expiry << " min g " << f.slice.butterfly.min_g;
    EXPECT_LT(f.rmse_vs_mark, 5.0) << "T=" << f.slice.expiry;
    slices.push_back(f.slice);
  }
  const auto surface = SviSurface::make(slices);
  ASSERT_TRUE(surface.ok());
  EXPECT_GE(surface->min_calendar_spread(), 0.0);
  std::printf("min calendar spread %.3g\n", surface->min_calendar_spread());
}

}  // namespace
}  // namespace strike::pricing
