// engine::describe: one line of text per command (its fields by name, in client-independent
// raw units), for `strike journal dump` and diagnostics.
#include <fmt/format.h>

#include "engine/command.hpp"

namespace strike::engine {

std::string describe(const CommandBody& body) {
  return std::visit(
      [](const auto& c) -> std::string {
        using T = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<T, NewOrder>) {
          std::string s = fmt::format("account={} instrument={} {} {} {} price={} qty={}", c.account.raw(), c.instrument.raw(),
                                      to_string(c.side), book::to_string(c.type), book::to_string(c.tif), c.price.raw(), c.qty.raw());
          if (c.display.raw() != 0) s += fmt::format(" display={}", c.display.raw());
          if (book::is_stop(c.type)) s += fmt::format(" trigger={}@{}", book::to_string(c.trigger), c.trigger_price.raw());
          if (c.tif == book::TimeInForce::gtd) s += fmt::format(" expiry={}", c.expiry.ns());
          if (c.post_only != book::PostOnly::off) s += fmt::format(" post_only={}", book::to_string(c.post_only));
          if (c.reduce_only) s += " reduce_only";
          s += fmt::format(" stp={}", book::to_string(c.stp));
          if (!c.label.empty()) s += fmt::format(" label={:?}", std::string(c.label.view()));
          if (!c.client_id.empty()) s += fmt::format(" client_order_id={:?}", std::string(c.client_id.view()));
          return s;
        } else if constexpr (std::is_same_v<T, AmendOrder>) {
          return fmt::format("account={} order={} amount={} price={} trigger={}", c.account.raw(), c.order.raw(),
                             format_decimal(c.amount), format_decimal(c.price), format_decimal(c.trigger_price));
        } else if constexpr (std::is_same_v<T, CancelOrder>) {
          return fmt::format("account={} order={}", c.account.raw(), c.order.raw());
        } else if constexpr (std::is_same_v<T, CancelAll>) {
          return fmt::format("account={} instrument={} side={} resting={} stops={}", c.account.raw(),
                             c.one_instrument ? std::to_string(c.instrument.raw()) : "all", c.one_side ? to_string(c.side) : "both",
                             c.resting, c.stops);
        } else if constexpr (std::is_same_v<T, CreateAccount>) {
          // Owner 0 makes the new account its own owner (a main account).
          return c.owner.raw() == 0 ? std::string("owner=self") : fmt::format("owner={}", c.owner.raw());
        } else if constexpr (std::is_same_v<T, Deposit> || std::is_same_v<T, Withdraw>) {
          return fmt::format("account={} currency={} amount={}", c.account.raw(), c.currency.raw(), c.amount);
        } else if constexpr (std::is_same_v<T, Transfer>) {
          return fmt::format("from={} to={} currency={} amount={}", c.from.raw(), c.to.raw(), c.currency.raw(), c.amount);
        } else if constexpr (std::is_same_v<T, SetIndex>) {
          return fmt::format("currency={} price={}", c.currency.raw(), format_scaled(c.price.raw(), kRefPriceScale));
        } else if constexpr (std::is_same_v<T, SetMark>) {
          return fmt::format("instrument={} price={}", c.instrument.raw(), format_scaled(c.price.raw(), kRefPriceScale));
        } else if constexpr (std::is_same_v<T, AdvanceTime>) {
          return "";
        } else if constexpr (std::is_same_v<T, ChangeMarginModel>) {
          return fmt::format("account={} model={}", c.account.raw(), c.model);
        } else if constexpr (std::is_same_v<T, Configure>) {
          return fmt::format("digest={}", to_hex(c.digest));
        } else {
          return fmt::format("instrument={}", c.instrument.raw());
        }
      },
      body);
}

}  // namespace strike::engine
