// ClientOrderIds: the client order ids accounts used recently, so that an order resent after a
// lost response or a crash is refused as a duplicate (duplicate_client_order_id, naming the
// order that used the id) instead of being applied twice: FIX ClOrdID semantics.
//
// Window: an id is remembered for `window` of venue time after the order that used it was
// accepted, and only the newest `capacity` ids venue-wide are kept (the oldest is forgotten
// first). Both bounds are configuration (EngineConfig) and documented for clients in
// docs/rpc.md; within them an id is unique per account. Only accepted orders register their id:
// a rejected order changed nothing, so sending it again is not a duplicate.
//
// Deterministic: the entries are kept in the order they were added (a FIFO that is also the
// expiry order, because commands are in time order); the hash index is only looked up, never
// iterated, and the snapshot writes the FIFO. Costs: one hash lookup per order that carries an
// id, one insert per accepted one; nothing for orders without an id; ~100 bytes per entry.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/byte_buffer.hpp"
#include "engine/command.hpp"

namespace strike::engine {

class ClientOrderIds {
 public:
  ClientOrderIds(std::int64_t window_ns, std::size_t capacity) : window_ns_(window_ns), capacity_(capacity) {}

  // The order that used `id` for `account` within the window, if any.
  std::optional<OrderId> find(AccountId account, const ClientOrderId& id) const;
  // Registers an accepted order's id (not already present: find() first).
  void add(AccountId account, const ClientOrderId& id, OrderId order, Timestamp at);
  // Forgets the ids whose window ended by `now`.
  void expire(Timestamp now);
  std::size_t size() const noexcept { return fifo_.size(); }

  void save(ByteWriter& w) const;
  // Errors: snapshot_corrupt (a duplicate or out-of-order entry, a bad id).
  Status<Error> load(ByteReader& r);

 private:
  struct Entry {
    AccountId account;
    ClientOrderId id;
    OrderId order;
    Timestamp at;
  };
  static std::string key(AccountId account, const ClientOrderId& id);
  void forget_oldest();

  std::int64_t window_ns_;
  std::size_t capacity_;
  std::deque<Entry> fifo_;                                // oldest first
  std::unordered_map<std::string, OrderId> index_;        // key(account, id) -> order; never iterated
};

}  // namespace strike::engine
