#include "pricing/black.hpp"

#include <cmath>

#include "pricing/kernel.hpp"

namespace strike::pricing {

Errc validate(const OptionSpec& o) noexcept {
  const double v[] = {o.underlying, o.strike, o.expiry, o.vol, o.rate, o.dividend};
  for (double d : v)
    if (std::isnan(d)) return Errc::pricing_nan_input;
  if (!(o.expiry > 0)) return Errc::pricing_zero_time;
  for (double d : v)
    if (!std::isfinite(d)) return Errc::pricing_invalid_input;
  if (!(o.underlying > 0) || !(o.strike > 0) || !(o.vol > 0)) return Errc::pricing_invalid_input;
  return Errc::ok;
}

double forward_of(const OptionSpec& o) noexcept {
  return o.model == Model::bsm ? o.underlying * math::exp((o.rate - o.dividend) * o.expiry) : o.underlying;
}

Result<Greeks, Errc> evaluate(const OptionSpec& o) noexcept {
  if (const Errc e = validate(o); e != Errc::ok) return fail(e);
  const double sign = o.type == OptionType::call ? 1.0 : -1.0;
  const detail::KernelOut k =
      o.model == Model::bsm
          ? detail::price_kernel<true>(sign, o.underlying, o.strike, o.expiry, o.vol, o.rate, o.dividend)
          : detail::price_kernel<false>(sign, o.underlying, o.strike, o.expiry, o.vol, o.rate, 0.0);
  return Greeks{k.price, k.delta, k.gamma, k.vega, k.theta, k.rho, k.vanna, k.volga, k.charm};
}

CoinGreeks to_coin(const Greeks& g, double f) noexcept {
  CoinGreeks c;
  const double inv_f = 1.0 / f;
  c.price = g.price * inv_f;
  c.net_delta = g.delta - c.price;
  c.delta = c.net_delta * inv_f;
  // d2(V/F)/dF2 = V''/F - 2 V'/F^2 + 2 V/F^3 = (gamma - 2 (delta - V/F)/F) / F
  c.gamma = (g.gamma - 2.0 * c.delta) * inv_f;
  c.vega = g.vega * inv_f;
  c.theta = g.theta * inv_f;
  c.rho = g.rho * inv_f;
  c.vanna = (g.vanna - g.vega * inv_f) * inv_f;
  c.volga = g.volga * inv_f;
  c.charm = (g.charm - g.theta * inv_f) * inv_f;  // -d/dT of (delta - V/F)/F
  return c;
}

Result<CoinGreeks, Errc> evaluate_coin(const OptionSpec& o) noexcept {
  auto usd = evaluate(o);
  if (!usd) return fail(usd.error());
  Greeks g = usd.value();
  const double f = forward_of(o);
  if (o.model == Model::bsm) {
    // Express spot sensitivities per unit of forward: dF/dS = F/S.
    const double ds_df = o.underlying / f;
    g.delta *= ds_df;
    g.gamma *= ds_df * ds_df;
    g.vanna *= ds_df;
    g.charm *= ds_df;
  }
  return to_coin(g, f);
}

}  // namespace strike::pricing
