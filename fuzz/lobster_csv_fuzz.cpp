// LOBSTER files from outside: the parsers must never crash, and whatever they accept must
// replay without breaking the book (the replay checks validate() through restore()).
// Input: message file text, a NUL byte, orderbook file text.
#include <cstdint>
#include <string_view>

#include "lobster/lobster.hpp"
#include "core/assert.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace strike::lobster;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t split = input.find('\0');
  const std::string_view messages_text = input.substr(0, split);
  const std::string_view book_text = split == std::string_view::npos ? std::string_view{} : input.substr(split + 1);
  const auto messages = parse_messages(messages_text);
  const auto rows = parse_orderbook(book_text);
  if (!messages || !rows) return 0;
  const auto report = replay(messages.value(), rows.value(), ReplayOptions{3, 2});
  if (!report) return 0;
  STRIKE_ASSERT(report.value().comparisons == messages.value().size(), "every event is compared");
  return 0;
}
