#include "engine/command.hpp"

#include <cstring>

namespace strike::engine {

Result<Label, Errc> Label::make(std::string_view text) noexcept {
  if (text.size() > kMax) return fail(Errc::out_of_range);
  Label l;
  if (!text.empty()) std::memcpy(l.bytes_.data(), text.data(), text.size());
  l.size_ = static_cast<std::uint8_t>(text.size());
  return l;
}

Result<ClientOrderId, Errc> ClientOrderId::make(std::string_view text) noexcept {
  if (text.size() > kMax) return fail(Errc::out_of_range);
  ClientOrderId c;
  if (!text.empty()) std::memcpy(c.bytes_.data(), text.data(), text.size());
  c.size_ = static_cast<std::uint8_t>(text.size());
  return c;
}

std::string_view to_string(CommandType t) noexcept {
  switch (t) {
    case CommandType::new_order: return "new_order";
    case CommandType::amend_order: return "amend_order";
    case CommandType::cancel_order: return "cancel_order";
    case CommandType::cancel_all: return "cancel_all";
    case CommandType::create_account: return "create_account";
    case CommandType::deposit: return "deposit";
    case CommandType::withdraw: return "withdraw";
    case CommandType::transfer: return "transfer";
    case CommandType::halt_instrument: return "halt_instrument";
    case CommandType::resume_instrument: return "resume_instrument";
    case CommandType::expire_instrument: return "expire_instrument";
    case CommandType::set_index: return "set_index";
    case CommandType::set_mark: return "set_mark";
    case CommandType::advance_time: return "advance_time";
    case CommandType::configure: return "configure";
    case CommandType::change_margin_model: return "change_margin_model";
  }
  return "unknown";
}

CommandType type_of(const CommandBody& body) noexcept {
  // Same order as the CommandBody alternatives.
  static constexpr CommandType kTypes[] = {
      CommandType::new_order,       CommandType::amend_order,       CommandType::cancel_order,
      CommandType::cancel_all,      CommandType::create_account,    CommandType::deposit,
      CommandType::withdraw,        CommandType::transfer,          CommandType::halt_instrument,
      CommandType::resume_instrument, CommandType::expire_instrument, CommandType::set_index,
      CommandType::set_mark,        CommandType::advance_time,      CommandType::configure,
      CommandType::change_margin_model};
  static_assert(std::size(kTypes) == std::variant_size_v<CommandBody>);
  return kTypes[body.index()];
}

}  // namespace strike::engine
