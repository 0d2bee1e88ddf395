// The JSON-RPC 2.0 codec in Deribit's method vocabulary, shared by `strike exec` and the
// WebSocket gateway: one line of JSON in -> a Request (or a typed decode error); a Request and
// what the engine did -> one line of JSON out.
//
// Decoding is pure (it reads only the immutable instrument registry), so it runs on the
// producer's thread; amounts and prices are read from the JSON number text exactly, never
// through double. Encoding runs on the engine thread (it reads engine state for queries) into a
// caller's reused string. docs/rpc.md lists every method, its parameters and its result.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "engine/engine.hpp"
#include "history/history_store.hpp"
#include "rpc/request.hpp"

namespace strike::rpc {

// Why a line could not become a request. `code` is the JSON-RPC error code (Deribit's codes
// where it has one), `param` the offending parameter, if any.
struct DecodeError {
  RequestId id;
  int code = -32600;
  Errc reason = Errc::ok;
  std::array<char, 40> param{};
  std::uint8_t param_size = 0;
  std::string_view param_name() const noexcept { return {param.data(), param_size}; }
};

// Per-connection defaults: the account private methods act for when the request names none.
struct Session {
  AccountId account{};
};

// A JSON object that repeats a key, at any depth, is refused (rpc_duplicate_key: -32600 in the
// request object, -32602 inside params) rather than read as its last value; objects and arrays
// may nest kMaxNesting levels below the request object (rpc_too_deep). Cost: one comparison per
// earlier key of the same object (objects above 16 keys are sorted instead), no allocation once
// the buffers have grown to the largest request seen.
class Decoder {
 public:
  static constexpr int kMaxNesting = 32;

  explicit Decoder(const InstrumentRegistry& instruments) : instruments_(&instruments) { keys_.reserve(64); }
  // One JSON-RPC request object. The result refers to nothing in `line`.
  Result<Request, DecodeError> decode(std::string_view line, const Session& session);

 private:
  const InstrumentRegistry* instruments_;
  std::string buffer_;                    // padded copy of the line, reused
  std::vector<std::string_view> keys_;    // keys of the objects being read, innermost last, reused
};

// The JSON-RPC code and message for an engine or decode reason (Deribit's codes: 10009
// not_enough_funds, 10004 order_not_found, ...; 11030 other_reject for the rest).
struct WireError {
  int code;
  std::string_view message;
};
WireError wire_error(Errc reason) noexcept;

// Appends one response line (with its newline) to `out`.
void encode_result(const Request& request, const engine::Outcome& outcome, const engine::Engine& engine, std::string& out);
// `history` serves get_transaction_log (nullptr: that query answers history_unavailable).
void encode_query(const Request& request, const engine::Engine& engine, const history::HistoryStore* history,
                  std::string& out);
void encode_error(const DecodeError& error, std::string& out);
// An error whose detail is given rather than the reason's message (e.g. why the journal failed).
void encode_error(const RequestId& id, Errc reason, std::string_view detail, std::string& out);
// A query the sequencer answers itself (state hash, snapshot): `result` is raw JSON.
void encode_raw_result(const RequestId& id, std::string_view result, std::string& out);

}  // namespace strike::rpc
