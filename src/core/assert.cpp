#include "core/assert.hpp"

#include <cstdio>
#include <cstdlib>

namespace strike::detail {

void assert_fail(const char* condition, const char* file, int line,
                 const std::string& context) noexcept {
  std::fprintf(stderr, "strike: invariant broken at %s:%d: %s%s%s\n", file, line, condition,
               context.empty() ? "" : " -- ", context.c_str());
  std::fflush(stderr);
  std::abort();
}

}  // namespace strike::detail
