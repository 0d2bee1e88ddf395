#include "core/error.hpp"

namespace strike {

std::string_view name(Errc code) noexcept {
  switch (code) {
#define STRIKE_X(n, value, message) \
  case Errc::n:                     \
    return #n;
    STRIKE_ERROR_CODES(STRIKE_X)
#undef STRIKE_X
  }
  return "unknown_error";
}

std::string_view message(Errc code) noexcept {
  switch (code) {
#define STRIKE_X(n, value, msg) \
  case Errc::n:                 \
    return msg;
    STRIKE_ERROR_CODES(STRIKE_X)
#undef STRIKE_X
  }
  return "unknown error";
}

std::string Error::to_string() const {
  std::string out{name(code)};
  out += ": ";
  out += message(code);
  if (!detail.empty()) {
    out += ": ";
    out += detail;
  }
  return out;
}

}  // namespace strike
