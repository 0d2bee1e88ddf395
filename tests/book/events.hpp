// Test helpers: every book event as one variant, a sink that records them, and readable
// text for failure messages.
#pragma once

#include <string>
#include <variant>
#include <vector>

#include <fmt/format.h>

#include "book/types.hpp"

namespace strike::book::testing {

using Event = std::variant<Accepted, Rejected, Trade, Cancelled, Amended, Triggered, LevelUpdate>;

// Records events with their slots set to 0: slots are each book's own storage (types.hpp), so
// two implementations' streams compare without them.
struct RecordingSink {
  std::vector<Event>* out = nullptr;
  template <class E>
  void on(E e) {
    if constexpr (requires { e.slot; }) e.slot = 0;
    if constexpr (requires { e.maker_slot; }) e.maker_slot = e.taker_slot = 0;
    out->push_back(e);
  }
};

inline std::string describe(const Event& e) {
  struct V {
    std::string operator()(const Accepted& a) const {
      return fmt::format("Accepted(id={} acct={} {} {} {} px={} qty={} disp={} ro={} repriced={})", a.id.raw(),
                         a.account.raw(), to_string(a.side), to_string(a.type), to_string(a.tif), a.price.raw(),
                         a.qty.raw(), a.display.raw(), a.reduce_only, a.repriced);
    }
    std::string operator()(const Rejected& r) const {
      return fmt::format("Rejected(id={} acct={} {} {})", r.id.raw(), r.account.raw(), to_string(r.command),
                         name(r.reason));
    }
    std::string operator()(const Trade& t) const {
      return fmt::format("Trade(maker={}/{} taker={}/{} px={} qty={} aggr={} left m={} t={} ro={}/{})", t.maker.raw(),
                         t.maker_account.raw(), t.taker.raw(), t.taker_account.raw(), t.price.raw(), t.qty.raw(),
                         to_string(t.aggressor), t.maker_remaining.raw(), t.taker_remaining.raw(), t.maker_reduce_only,
                         t.taker_reduce_only);
    }
    std::string operator()(const Cancelled& c) const {
      return fmt::format("Cancelled(id={} acct={} {} px={} qty={} {} ro={})", c.id.raw(), c.account.raw(),
                         to_string(c.side), c.price.raw(), c.qty.raw(), to_string(c.reason), c.reduce_only);
    }
    std::string operator()(const Amended& a) const {
      return fmt::format("Amended(id={} acct={} {} px={} qty={} old px={} qty={} kept={} {})", a.id.raw(),
                         a.account.raw(), to_string(a.side), a.price.raw(), a.qty.raw(), a.old_price.raw(),
                         a.old_qty.raw(), a.priority_kept, to_string(a.reason));
    }
    std::string operator()(const Triggered& t) const {
      return fmt::format("Triggered(id={} acct={} {} {} trigger={} at={})", t.id.raw(), t.account.raw(),
                         to_string(t.side), to_string(t.source), t.trigger_price.raw(), t.source_price.raw());
    }
    std::string operator()(const LevelUpdate& l) const {
      return fmt::format("Level({} px={} qty={} n={})", to_string(l.side), l.price.raw(), l.qty.raw(), l.count);
    }
  };
  return std::visit(V{}, e);
}

inline std::string describe(const std::vector<Event>& events) {
  std::string s;
  for (const Event& e : events) s += "  " + describe(e) + "\n";
  return s;
}

}  // namespace strike::book::testing
