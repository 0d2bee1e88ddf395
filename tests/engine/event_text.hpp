// Events as one line of text each, every field: what the determinism tests compare.
#pragma once

#include <fmt/format.h>

#include <string>

#include "engine/event.hpp"

namespace strike::engine::testing {

inline std::string to_text(const Event& event) {
  return std::visit(
      [](const auto& e) -> std::string {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, OrderUpdated>) {
          const OrderView& v = e.order;
          return fmt::format("order {} i{} a{} {} {} {} po{} ro{} trg{} rep{} {} cr{} p{} tp{} amt{} fill{} disp{} val{} t{}/{}/{} '{}'",
                             v.id.raw(), v.instrument.raw(), v.account.raw(), to_string(v.side), book::to_string(v.type),
                             book::to_string(v.tif), static_cast<int>(v.post_only), v.reduce_only, v.triggered, v.repriced,
                             to_string(v.status), book::to_string(v.cancel_reason), v.price.raw(), v.trigger_price.raw(),
                             v.amount.raw(), v.filled.raw(), v.display.raw(), static_cast<long long>(v.filled_value),
                             v.created.ns(), v.updated.ns(), v.expiry.ns(), v.label.view());
        } else if constexpr (std::is_same_v<T, TradeExecuted>) {
          return fmt::format("trade {} i{} t{} p{} q{} {} m{}/a{} t{}/a{} fee{} {} {}", e.trade_id, e.instrument.raw(), e.time.ns(),
                             e.price.raw(), e.qty.raw(), to_string(e.aggressor), e.maker.raw(), e.maker_account.raw(),
                             e.taker.raw(), e.taker_account.raw(), e.maker_fee.currency().raw(), e.maker_fee.units(),
                             e.taker_fee.units());
        } else if constexpr (std::is_same_v<T, BookChanged>) {
          return fmt::format("level i{} {} p{} q{} n{}", e.instrument.raw(), to_string(e.side), e.price.raw(), e.qty.raw(), e.count);
        } else if constexpr (std::is_same_v<T, InstrumentChanged>) {
          return fmt::format("instrument i{} {}", e.instrument.raw(), to_string(e.status));
        } else if constexpr (std::is_same_v<T, Settled>) {
          return fmt::format("settled i{} p{} n{} r{}", e.instrument.raw(), e.price.raw(), e.positions, e.residue);
        } else if constexpr (std::is_same_v<T, FundingPaid>) {
          return fmt::format("funding i{} {}/{} n{}", e.instrument.raw(), e.rate_num, e.rate_den, e.positions);
        } else if constexpr (std::is_same_v<T, AccountCreated>) {
          return fmt::format("account {} owner {}", e.account.raw(), e.owner.raw());
        } else {
          return fmt::format("balance a{} c{} {} -> {} {}", e.account.raw(), e.amount.currency().raw(), e.amount.units(),
                             e.balance.units(), clearing::to_string(e.reason));
        }
      },
      event);
}

inline std::string to_text(const Outcome& o) {
  std::string out = fmt::format("#{} {} order{} account{} count{}\n", o.seq.raw(), name(o.status), o.order.raw(),
                                o.account.raw(), o.count);
  for (const Event& e : o.events) out += to_text(e) + "\n";
  return out;
}

}  // namespace strike::engine::testing
