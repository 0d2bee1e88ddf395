#include "core/decimal.hpp"

#include <cstdlib>

#include "core/checked_math.hpp"

namespace strike {
namespace {

constexpr uint128 kMaxMagnitude = static_cast<uint128>(1) << 63;  // |int64 min|

// Brings a 128-bit magnitude with a scale into Decimal form, dropping trailing zeros.
Result<Decimal, Errc> normalise(uint128 magnitude, int scale, bool negative) noexcept {
  if (magnitude == 0) return Decimal{0, 0};
  while (scale > 0 && magnitude % 10 == 0) {
    magnitude /= 10;
    --scale;
  }
  while (scale < 0) {
    if (magnitude > kMaxMagnitude / 10) return fail(Errc::overflow);
    magnitude *= 10;
    ++scale;
  }
  if (scale > kMaxDecimalScale) return fail(Errc::precision_loss);
  if (magnitude > kMaxMagnitude || (!negative && magnitude == kMaxMagnitude)) return fail(Errc::overflow);
  const auto units = negative ? static_cast<std::int64_t>(static_cast<uint128>(0) - magnitude)
                              : static_cast<std::int64_t>(magnitude);
  return Decimal{units, scale};
}

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

}  // namespace

Result<Decimal, Errc> parse_decimal(std::string_view text) noexcept {
  std::size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) negative = text[i++] == '-';

  uint128 magnitude = 0;
  int significant = 0;  // digits accumulated after leading zeros
  int scale = 0;
  auto take_digits = [&](bool fraction) -> int {
    int count = 0;
    while (i < text.size() && is_digit(text[i])) {
      const int d = text[i++] - '0';
      ++count;
      if (significant > 0 || d != 0) {
        if (++significant > 38) return -1;
        magnitude = magnitude * 10 + static_cast<uint128>(d);
      }
      if (fraction) ++scale;
    }
    return count;
  };

  const int int_digits = take_digits(false);
  if (int_digits <= 0) return fail(int_digits < 0 ? Errc::overflow : Errc::invalid_number);
  if (i < text.size() && text[i] == '.') {
    ++i;
    const int frac_digits = take_digits(true);
    if (frac_digits <= 0) return fail(frac_digits < 0 ? Errc::precision_loss : Errc::invalid_number);
  }
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    bool exp_negative = false;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) exp_negative = text[i++] == '-';
    int exponent = 0;
    int exp_digits = 0;
    while (i < text.size() && is_digit(text[i])) {
      exponent = exponent * 10 + (text[i++] - '0');
      if (++exp_digits > 4) return fail(Errc::out_of_range);
    }
    if (exp_digits == 0) return fail(Errc::invalid_number);
    scale += exp_negative ? exponent : -exponent;
  }
  if (i != text.size()) return fail(Errc::invalid_number);
  if (magnitude == 0) return Decimal{0, 0};
  if (scale > kMaxDecimalScale + 38 || scale < -38) return fail(scale > 0 ? Errc::precision_loss : Errc::overflow);
  return normalise(magnitude, scale, negative);
}

Result<std::int64_t, Errc> to_scaled(Decimal value, int scale) noexcept {
  if (scale < 0 || scale > kMaxDecimalScale) return fail(Errc::out_of_range);
  if (value.scale > scale) {
    const std::int64_t divisor = pow10(value.scale - scale);
    if (value.units % divisor != 0) return fail(Errc::precision_loss);
    return value.units / divisor;
  }
  return checked_mul(value.units, pow10(scale - value.scale));
}

Result<std::int64_t, Errc> parse_scaled(std::string_view text, int scale) noexcept {
  auto d = parse_decimal(text);
  if (!d) return fail(d.error());
  return to_scaled(d.value(), scale);
}

Result<std::int64_t, Errc> steps_of(Decimal value, Decimal step) noexcept {
  if (step.units <= 0) return fail(Errc::out_of_range);
  // Bring both to the larger scale in 128 bits, then divide exactly.
  const int scale = value.scale > step.scale ? value.scale : step.scale;
  const int128 v = static_cast<int128>(value.units) * pow10(scale - value.scale);
  const int128 s = static_cast<int128>(step.units) * pow10(scale - step.scale);
  if (v % s != 0) return fail(Errc::precision_loss);
  return narrow(v / s);
}

Result<Decimal, Errc> times(Decimal step, std::int64_t count) noexcept {
  const int128 product = static_cast<int128>(step.units) * count;
  const bool negative = product < 0;
  const uint128 magnitude = negative ? static_cast<uint128>(0) - static_cast<uint128>(product)
                                     : static_cast<uint128>(product);
  return normalise(magnitude, step.scale, negative);
}

std::string format_decimal(Decimal value) {
  const bool negative = value.units < 0;
  uint128 magnitude = negative ? static_cast<uint128>(0) - static_cast<uint128>(static_cast<int128>(value.units))
                               : static_cast<uint128>(value.units);
  std::string digits;
  do {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(magnitude % 10)));
    magnitude /= 10;
  } while (magnitude != 0);
  int scale = value.scale;
  // Drop trailing fractional zeros so the text is the shortest exact one.
  while (scale > 0 && digits.size() > 1 && digits.back() == '0') {
    digits.pop_back();
    --scale;
  }
  if (scale > 0 && digits == "0") scale = 0;
  if (scale > 0) {
    if (static_cast<int>(digits.size()) <= scale) digits.insert(0, static_cast<std::size_t>(scale) - digits.size() + 1, '0');
    digits.insert(digits.size() - static_cast<std::size_t>(scale), 1, '.');
  }
  if (negative) digits.insert(digits.begin(), '-');
  return digits;
}

int compare(Decimal a, Decimal b) noexcept {
  const int scale = a.scale > b.scale ? a.scale : b.scale;
  const int128 x = static_cast<int128>(a.units) * pow10(scale - a.scale);
  const int128 y = static_cast<int128>(b.units) * pow10(scale - b.scale);
  return x < y ? -1 : (x > y ? 1 : 0);
}

}  // namespace strike
