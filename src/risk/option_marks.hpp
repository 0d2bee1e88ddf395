// Option marks of one underlying from a volatility surface, as Deribit shows them: per option the
// mark IV, the mark price (integer units of the option's premium currency), bid/ask IVs and the
// Greeks; per expiry the forward and the smile used (docs/risk.md, "Marks").
//
// One recompute():
//   1. forward per expiry: the dated future's mark where one is listed for that expiry, else
//      index x e^(rate T) with the configured rate; T in 365-day years of venue time.
//   2. bid and ask IV of every quote (pricing's bounded implied vol, Black-76 on that forward,
//      r = 0; inverse options' coin premiums times the forward); a quote whose IV the price does
//      not pin down to max_quote_iv_uncertainty gets none.
//   3. smile per expiry, shortest first: raw SVI (pricing/svi.hpp) fitted to the mid IVs of the
//      two-sided out-of-the-money quotes when there are at least min_quotes (each fit against the
//      previous fitted expiry for calendar arbitrage); otherwise the configured fallbacks in order:
//      the expiry's previous fit (same IV at the same log-moneyness), the other expiries' latest
//      fits as a surface in total variance, a flat vol (always the last resort).
//      Beyond the fitted quotes' k range the smile is held flat in IV (flat_wings, as Deribit).
//   4. mark IV = the smile at k = ln(K/F), within [previous mark IV -+ max_iv_change_per_second x
//      elapsed venue time], then within [min_iv, max_iv].
//   5. prices and Greeks of the whole chain in one batch (pricing/batch.hpp), Black-76 on F at
//      r = 0 (Deribit's), rho as the rate sensitivity K T Phi(+-d2) per 1%; the mark price is the
//      USD price (/ F for inverse options) in 10^-8 units, rounded half-even.
// reprice() skips 2 and the fits of 3: it reuses each expiry's latest fit (or the fallbacks) with
// the new index and forwards, the cheap call for index moves between refits.
//
// Owns: per expiry its latest SVI fit (parameters and the T it was fitted at), per option its last
// mark IV, and the venue time of the last call: plain values, saved and loaded with
// core/byte_buffer.hpp; the state after a call covers exactly that call's expiries and options.
// Invariants: a pure function of the sequence of calls (venue time passed in; no clock, no
// threads, no unordered iteration); the same inputs in any option order give bit-identical
// outputs. A rejected call changes nothing.
// Costs (bench/risk, 2-core EPYC VM): recompute() is dominated by the SVI fits, ~1.1 ms per
// expiry (3.4 ms for the default BTC chain of 54 options in 3 expiries); reprice() by the two
// implied vols per quote and one batch pricing, ~0.8 us per option (43 us). Scratch and output
// buffers are reused, so steady-state calls allocate only inside the fits and the surface.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "core/byte_buffer.hpp"
#include "core/result.hpp"
#include "core/time.hpp"
#include "core/units.hpp"
#include "pricing/black.hpp"
#include "pricing/svi.hpp"

namespace strike::risk {

// How an option's premium is quoted: in the underlying coin per 1 coin (inverse, BTC options on
// Deribit), or in the quote currency per 1 coin (linear, USDC options).
enum class PremiumUnit : std::uint8_t { coin, quote };

// Where an expiry's smile came from.
enum class SmileSource : std::uint8_t { fit, previous_fit, neighbour, flat };
std::string_view to_string(SmileSource s) noexcept;

// previous_fit, neighbour, flat (a function: GCC 12 warns on a braced default of this vector).
std::vector<SmileSource> default_fallbacks();

struct OptionMarksConfig {
  PremiumUnit premium_unit = PremiumUnit::coin;
  std::uint32_t min_quotes = 5;  // two-sided OTM quotes to fit an expiry (>= 5, SVI's minimum)
  // Tried in order when an expiry cannot be fitted (no `fit`, no repeats); flat ends every list.
  std::vector<SmileSource> fallbacks = default_fallbacks();
  double flat_vol = 0.6;
  double forward_rate = 0;                   // continuous, for expiries without a future mark
  double min_iv = 0.01, max_iv = 5.0;        // band on mark IV
  double max_iv_change_per_second = 0.001;   // 0.1 vol point per second of venue time
  double max_quote_iv_uncertainty = 0.005;   // a quote's IV must be pinned to half a vol point
  double max_fit_spread = 0.5;               // ask IV - bid IV above this: not fitted (50 vol points)
  // Beyond the outermost fitted quotes the fitted smile is held flat in IV (Deribit's marks do
  // this), instead of following SVI's straight wings in total variance.
  bool flat_wings = true;
};

// Errors: config_bad_value, the detail naming the field.
Status<Error> validate(const OptionMarksConfig& config);

struct ExpiryInput {
  Timestamp expiry;
  std::optional<RefPrice> future_mark;  // the mark of this expiry's dated future, if listed
};

struct OptionInput {
  InstrumentId id;
  std::uint32_t expiry = 0;  // index into ChainInput::expiries
  pricing::OptionType type = pricing::OptionType::call;
  RefPrice strike;                   // index units (USD), 10^-8
  std::optional<RefPrice> bid, ask;  // best bid and ask, premium units, 10^-8; nullopt: none
};

struct ChainInput {
  Timestamp now;  // venue time
  RefPrice index;
  std::span<const ExpiryInput> expiries;  // strictly increasing expiry
  std::span<const OptionInput> options;   // any order, each id once
};

// Greeks as Deribit displays them (USD, Black-76 on the forward, delta not premium-adjusted).
struct DisplayGreeks {
  double delta = 0;
  double gamma = 0;
  double vega = 0;   // per vol point
  double theta = 0;  // per calendar day
  double rho = 0;    // per 1% of rate
};

struct OptionMark {
  InstrumentId id;
  // pricing_zero_time: expired (nothing else is set); overflow: the mark price does not fit
  // int64 units (absurd inputs; the rest is set).
  Errc status = Errc::ok;
  double mark_iv = 0;      // decimal (0.6 = 60%)
  RefPrice mark_price;     // premium units, 10^-8, half-even
  double bid_iv = 0, ask_iv = 0;  // decimal; NaN when there is no quote or it does not pin a vol
  DisplayGreeks greeks;
};

struct ExpiryMark {
  Timestamp expiry;
  double years = 0;     // T, 365-day years of venue time
  double forward = 0;   // USD
  bool forward_from_future = false;
  SmileSource source = SmileSource::flat;
  std::uint32_t quotes = 0;         // two-sided OTM quotes offered to the fit
  double fit_rmse_vol_points = 0;   // of this call's fit (source fit), else 0
};

struct ChainMarks {
  std::vector<ExpiryMark> expiries;  // as ChainInput::expiries
  std::vector<OptionMark> options;   // as ChainInput::options
};

class OptionMarks {
 public:
  // Errors: as validate().
  static Result<OptionMarks, Error> make(OptionMarksConfig config);

  // Full recomputation (steps 1-5). Errors, changing nothing: invalid_price (index, a strike, a
  // future mark or a quote not > 0), out_of_range (an expiry index beyond the expiries, expiries
  // not strictly increasing, now before the last call), duplicate_instrument (an id twice).
  Status<Errc> recompute(const ChainInput& in, ChainMarks& out);
  // Steps 1, 4 and 5 (and the quotes' IVs) with the latest fits: for index moves. Same errors.
  Status<Errc> reprice(const ChainInput& in, ChainMarks& out);

  const OptionMarksConfig& config() const noexcept { return config_; }

  // The state (not the configuration). Errors: decode_* (decode_invalid: a non-finite value,
  // unordered keys). On failure the state is unchanged.
  void save(ByteWriter& out) const;
  Status<Errc> load(ByteReader& in);
  bool same_state(const OptionMarks& other) const noexcept;

 private:
  struct Fit {
    std::int64_t expiry_ns = 0;
    pricing::SviParams params;
    double years = 0;                // T at the fit
    double k_min = 0, k_max = 0;     // log-moneyness range of the fitted quotes
    bool valid = false;
  };
  struct LastIv {
    std::uint32_t id = 0;
    double iv = 0;
  };

  explicit OptionMarks(OptionMarksConfig config);
  static bool sane(const Fit& f) noexcept;
  Status<Errc> run(const ChainInput& in, ChainMarks& out, bool refit);

  OptionMarksConfig config_;
  std::optional<Timestamp> last_call_;
  std::vector<Fit> fits_;         // by expiry_ns
  std::vector<LastIv> last_ivs_;  // by id
  // Reused buffers (not state).
  std::vector<Fit> slot_fits_;   // per input expiry: its fit after this call
  std::vector<std::uint8_t> fresh_;  // per input expiry: fitted by this call
  std::vector<Fit> next_fits_;
  std::vector<LastIv> next_ivs_;
  std::vector<pricing::SmilePoint> points_;
  std::vector<std::uint32_t> order_;
  std::vector<pricing::SviSlice> slices_;
  std::vector<double> col_[14];  // batch columns: inputs, outputs, per-option forward and k
  std::vector<pricing::OptionType> types_;
};

}  // namespace strike::risk
