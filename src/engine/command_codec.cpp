#include "engine/command_codec.hpp"

namespace strike::engine {
namespace {

// One function per body describes its layout for both directions: `io` is an Encoder or a
// Decoder, so the two can never disagree.
struct Encoder {
  ByteWriter& w;
  void u8(std::uint8_t v) { w.write_u8(v); }
  void u16(std::uint16_t v) { w.write_u16(v); }
  void u32(std::uint32_t v) { w.write_u32(v); }
  void u64(std::uint64_t v) { w.write_u64(v); }
  void i64(std::int64_t v) { w.write_i64(v); }
  void flag(bool v) { w.write_bool(v); }
  template <class E>
  void enumeration(E v, E /*max*/) {
    w.write_u8(static_cast<std::uint8_t>(v));
  }
  void label(const Label& l) { w.write_string(l.view()); }
  void client_id(const ClientOrderId& c) { w.write_string(c.view()); }
};

struct Decoder {
  ByteReader& r;
  void u8(std::uint8_t& v) { v = r.read_u8(); }
  void u16(std::uint16_t& v) { v = r.read_u16(); }
  void u32(std::uint32_t& v) { v = r.read_u32(); }
  void u64(std::uint64_t& v) { v = r.read_u64(); }
  void i64(std::int64_t& v) { v = r.read_i64(); }
  void flag(bool& v) { v = r.read_bool(); }
  template <class E>
  void enumeration(E& v, E max) {
    v = r.read_enum<E>(max);
  }
  void label(Label& l) {
    auto made = Label::make(r.read_string());
    if (!made) return r.fail(Errc::decode_invalid);
    l = made.value();
  }
  void client_id(ClientOrderId& c) {
    auto made = ClientOrderId::make(r.read_string());
    if (!made) return r.fail(Errc::decode_invalid);
    c = made.value();
  }
};

// Field helpers over strong types, the same call for both directions.
template <class IO, class T>
void id(IO& io, T& v) {
  if constexpr (std::is_same_v<IO, Encoder>) {
    if constexpr (sizeof(typename T::rep) == 8) io.u64(v.raw());
    if constexpr (sizeof(typename T::rep) == 4) io.u32(v.raw());
    if constexpr (sizeof(typename T::rep) == 2) io.u16(v.raw());
  } else {
    typename T::rep raw{};
    if constexpr (sizeof(raw) == 8) io.u64(raw);
    if constexpr (sizeof(raw) == 4) io.u32(raw);
    if constexpr (sizeof(raw) == 2) io.u16(raw);
    v = T{raw};
  }
}
template <class IO, class T>
void amount(IO& io, T& v) {
  if constexpr (std::is_same_v<IO, Encoder>) {
    io.i64(v.raw());
  } else {
    std::int64_t raw = 0;
    io.i64(raw);
    v = T{raw};
  }
}
template <class IO>
void time(IO& io, Timestamp& t) {
  if constexpr (std::is_same_v<IO, Encoder>) {
    io.i64(t.ns());
  } else {
    std::int64_t ns = 0;
    io.i64(ns);
    t = Timestamp::from_ns(ns);
  }
}
template <class IO>
void decimal(IO& io, Decimal& d) {
  io.i64(d.units);
  if constexpr (std::is_same_v<IO, Encoder>) {
    io.u8(static_cast<std::uint8_t>(d.scale));
  } else {
    std::uint8_t scale = 0;
    io.u8(scale);
    if (scale > kMaxDecimalScale) io.r.fail(Errc::decode_invalid);
    d.scale = scale;
  }
}
template <class IO>
void side(IO& io, Side& s) {
  io.enumeration(s, Side::sell);
}

template <class IO>
void fields(IO& io, NewOrder& c) {
  id(io, c.account);
  id(io, c.instrument);
  side(io, c.side);
  io.enumeration(c.type, book::OrderType::take_market);
  io.enumeration(c.tif, book::TimeInForce::fok);
  amount(io, c.price);
  amount(io, c.qty);
  amount(io, c.display);
  amount(io, c.trigger_price);
  io.enumeration(c.trigger, book::PriceSource::index);
  time(io, c.expiry);
  io.enumeration(c.post_only, book::PostOnly::reprice);
  io.enumeration(c.stp, book::StpMode::decrement_both);
  io.flag(c.reduce_only);
  io.label(c.label);
  io.client_id(c.client_id);
}
template <class IO>
void fields(IO& io, AmendOrder& c) {
  id(io, c.account);
  id(io, c.order);
  decimal(io, c.amount);
  decimal(io, c.price);
  decimal(io, c.trigger_price);
}
template <class IO>
void fields(IO& io, CancelOrder& c) {
  id(io, c.account);
  id(io, c.order);
}
template <class IO>
void fields(IO& io, CancelAll& c) {
  id(io, c.account);
  io.flag(c.one_instrument);
  id(io, c.instrument);
  io.flag(c.one_side);
  side(io, c.side);
  io.flag(c.resting);
  io.flag(c.stops);
}
template <class IO>
void fields(IO& io, CreateAccount& c) {
  id(io, c.owner);
}
template <class IO, class Money>
  requires std::is_same_v<Money, Deposit> || std::is_same_v<Money, Withdraw>
void fields(IO& io, Money& c) {
  id(io, c.account);
  id(io, c.currency);
  io.i64(c.amount);
}
template <class IO>
void fields(IO& io, Transfer& c) {
  id(io, c.from);
  id(io, c.to);
  id(io, c.currency);
  io.i64(c.amount);
}
template <class IO, class Ins>
  requires std::is_same_v<Ins, HaltInstrument> || std::is_same_v<Ins, ResumeInstrument> ||
           std::is_same_v<Ins, ExpireInstrument>
void fields(IO& io, Ins& c) {
  id(io, c.instrument);
}
template <class IO>
void fields(IO& io, SetIndex& c) {
  id(io, c.currency);
  amount(io, c.price);
}
template <class IO>
void fields(IO& io, SetMark& c) {
  id(io, c.instrument);
  amount(io, c.price);
}
template <class IO>
void fields(IO&, AdvanceTime&) {}
template <class IO>
void fields(IO& io, ChangeMarginModel& c) {
  id(io, c.account);
  io.u8(c.model);
  if constexpr (std::is_same_v<IO, Decoder>)
    if (c.model > 3) io.r.fail(Errc::decode_invalid);
}
template <class IO>
void fields(IO& io, Configure& c) {
  for (std::uint8_t& b : c.digest) io.u8(b);
}

template <std::size_t I = 0>
Result<CommandBody, Errc> decode_body(CommandType type, ByteReader& r) noexcept {
  if constexpr (I == std::variant_size_v<CommandBody>) {
    return fail(Errc::journal_corrupt);  // no such command type
  } else {
    using T = std::variant_alternative_t<I, CommandBody>;
    if (type_of(CommandBody{T{}}) != type) return decode_body<I + 1>(type, r);
    T body{};
    Decoder d{r};
    fields(d, body);
    if (auto s = r.finish(); !s) return fail(s.error());
    return CommandBody{body};
  }
}

}  // namespace

void encode_body(const CommandBody& body, ByteWriter& out) noexcept {
  std::visit(
      [&](const auto& b) {
        auto copy = b;  // fields() takes mutable references for the decoder's sake
        Encoder e{out};
        fields(e, copy);
      },
      body);
}

Result<Command, Errc> decode_command(SeqNo seq, Timestamp time, std::uint16_t type,
                                     std::span<const std::byte> body) noexcept {
  ByteReader r(body);
  auto decoded = decode_body(static_cast<CommandType>(type), r);
  if (!decoded) return fail(decoded.error());
  return Command{seq, time, decoded.value()};
}

}  // namespace strike::engine
