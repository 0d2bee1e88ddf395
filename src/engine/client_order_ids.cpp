#include "engine/client_order_ids.hpp"

#include <cstring>

#include <fmt/format.h>

namespace strike::engine {

std::string ClientOrderIds::key(AccountId account, const ClientOrderId& id) {
  std::string k(sizeof(std::uint64_t) + id.view().size(), '\0');
  const std::uint64_t a = account.raw();
  std::memcpy(k.data(), &a, sizeof a);
  std::memcpy(k.data() + sizeof a, id.view().data(), id.view().size());
  return k;
}

std::optional<OrderId> ClientOrderIds::find(AccountId account, const ClientOrderId& id) const {
  const auto it = index_.find(key(account, id));
  if (it == index_.end()) return std::nullopt;
  return it->second;
}

void ClientOrderIds::add(AccountId account, const ClientOrderId& id, OrderId order, Timestamp at) {
  if (capacity_ == 0) return;
  if (fifo_.size() == capacity_) forget_oldest();
  const bool inserted = index_.emplace(key(account, id), order).second;
  STRIKE_ASSERT(inserted, "client order id registered twice for account {}", account.raw());
  fifo_.push_back(Entry{account, id, order, at});
}

void ClientOrderIds::forget_oldest() {
  index_.erase(key(fifo_.front().account, fifo_.front().id));
  fifo_.pop_front();
}

void ClientOrderIds::expire(Timestamp now) {
  while (!fifo_.empty() && fifo_.front().at.ns() <= now.ns() - window_ns_) forget_oldest();
}

void ClientOrderIds::save(ByteWriter& w) const {
  w.write_u64(fifo_.size());
  for (const Entry& e : fifo_) {
    w.write_u64(e.account.raw());
    w.write_string(e.id.view());
    w.write_u64(e.order.raw());
    w.write_i64(e.at.ns());
  }
}

Status<Error> ClientOrderIds::load(ByteReader& r) {
  const auto corrupt = [](std::string why) { return fail(Errc::snapshot_corrupt, "client order ids: " + std::move(why)); };
  fifo_.clear();
  index_.clear();
  const std::uint64_t n = r.read_u64();
  if (!r.ok() || n > r.remaining() || n > capacity_) return corrupt("count");
  for (std::uint64_t i = 0; i < n; ++i) {
    const AccountId account{r.read_u64()};
    auto id = ClientOrderId::make(r.read_string());
    const OrderId order{r.read_u64()};
    const Timestamp at = Timestamp::from_ns(r.read_i64());
    if (!r.ok() || !id || id->empty()) return corrupt(fmt::format("entry {}", i));
    if (!fifo_.empty() && at < fifo_.back().at) return corrupt(fmt::format("entry {} out of time order", i));
    if (!index_.emplace(key(account, id.value()), order).second) return corrupt(fmt::format("entry {} repeated", i));
    fifo_.push_back(Entry{account, id.value(), order, at});
  }
  return {};
}

}  // namespace strike::engine
