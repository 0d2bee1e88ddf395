// Strong integer types for the venue's quantities (NautilusTrader's Price/Quantity idea):
// a Price is a count of ticks, a Qty a count of lots, Money a count of the smallest unit of a
// currency (satoshi for BTC). They do not convert into each other or into bare integers by
// accident. `+` and `-` on them abort on overflow (an internal invariant: every input was
// range-checked on entry); use the checked_* functions on values that come from outside.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>

#include "core/assert.hpp"
#include "core/checked_math.hpp"

namespace strike {

template <class Tag, class Rep = std::int64_t>
class StrongInt {
 public:
  using rep = Rep;
  constexpr StrongInt() noexcept = default;
  constexpr explicit StrongInt(Rep v) noexcept : v_(v) {}
  constexpr Rep raw() const noexcept { return v_; }
  constexpr auto operator<=>(const StrongInt&) const noexcept = default;

 private:
  Rep v_ = 0;
};

// Additive quantities: +, -, negation, abort on overflow.
template <class Tag>
class Amount : public StrongInt<Tag, std::int64_t> {
  using Base = StrongInt<Tag, std::int64_t>;

 public:
  using Base::Base;
  constexpr Amount operator+(Amount o) const noexcept {
    std::int64_t r = 0;
    STRIKE_ASSERT(!__builtin_add_overflow(this->raw(), o.raw(), &r), "overflow {} + {}", this->raw(), o.raw());
    return Amount{r};
  }
  constexpr Amount operator-(Amount o) const noexcept {
    std::int64_t r = 0;
    STRIKE_ASSERT(!__builtin_sub_overflow(this->raw(), o.raw(), &r), "overflow {} - {}", this->raw(), o.raw());
    return Amount{r};
  }
  constexpr Amount operator-() const noexcept { return Amount{0} - *this; }
  constexpr Amount& operator+=(Amount o) noexcept { return *this = *this + o; }
  constexpr Amount& operator-=(Amount o) noexcept { return *this = *this - o; }
  constexpr bool is_zero() const noexcept { return this->raw() == 0; }
  constexpr bool is_positive() const noexcept { return this->raw() > 0; }
  constexpr bool is_negative() const noexcept { return this->raw() < 0; }

  static constexpr Result<Amount, Errc> checked_add(Amount a, Amount b) noexcept {
    auto r = ::strike::checked_add(a.raw(), b.raw());
    if (!r) return fail(r.error());
    return Amount{r.value()};
  }
  static constexpr Result<Amount, Errc> checked_sub(Amount a, Amount b) noexcept {
    auto r = ::strike::checked_sub(a.raw(), b.raw());
    if (!r) return fail(r.error());
    return Amount{r.value()};
  }
};

struct PriceTag {};
struct QtyTag {};

// A price in ticks of the instrument's finest price increment. Signed (spreads can be < 0).
using Price = Amount<PriceTag>;
// A quantity in lots of the instrument (its minimum amount step).
using Qty = Amount<QtyTag>;

struct RefPriceTag {};
// A reference price that need not lie on the tick grid (index, mark, settlement, funding
// premium inputs): units of 10^-kRefPriceScale of the instrument's price currency (USD for
// an index). 8 decimals keep a BTC index of 10^6 USD well inside int64.
using RefPrice = Amount<RefPriceTag>;
inline constexpr int kRefPriceScale = 8;

// Identifiers: comparable and hashable, no arithmetic.
using OrderId = StrongInt<struct OrderIdTag, std::uint64_t>;
using AccountId = StrongInt<struct AccountIdTag, std::uint64_t>;
using InstrumentId = StrongInt<struct InstrumentIdTag, std::uint32_t>;
using CurrencyId = StrongInt<struct CurrencyIdTag, std::uint16_t>;
using SeqNo = StrongInt<struct SeqNoTag, std::uint64_t>;

enum class Side : std::uint8_t { buy = 0, sell = 1 };

constexpr Side opposite(Side s) noexcept { return s == Side::buy ? Side::sell : Side::buy; }
constexpr const char* to_string(Side s) noexcept { return s == Side::buy ? "buy" : "sell"; }

}  // namespace strike

template <class Tag, class Rep>
struct std::hash<strike::StrongInt<Tag, Rep>> {
  std::size_t operator()(strike::StrongInt<Tag, Rep> v) const noexcept { return std::hash<Rep>{}(v.raw()); }
};
template <class Tag>
struct std::hash<strike::Amount<Tag>> {
  std::size_t operator()(strike::Amount<Tag> v) const noexcept { return std::hash<std::int64_t>{}(v.raw()); }
};
