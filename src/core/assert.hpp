// STRIKE_ASSERT: invariant checks that stay on in every build.
//
// A broken internal invariant means the state can no longer be trusted, so the process aborts
// with file, line, the failed condition and context; recovery is a restart and a journal replay
// (crash-only, see DESIGN.md). Bad *input* must never reach an assert: it gets a typed error.
#pragma once

#include <string>

#include <fmt/format.h>

namespace strike::detail {
[[noreturn]] void assert_fail(const char* condition, const char* file, int line,
                              const std::string& context = {}) noexcept;
}  // namespace strike::detail

// STRIKE_ASSERT(cond) or STRIKE_ASSERT(cond, "fmt {}", args...)
#define STRIKE_ASSERT(cond, ...)                                                            \
  do {                                                                                      \
    if (!(cond)) [[unlikely]] {                                                             \
      ::strike::detail::assert_fail(#cond, __FILE__, __LINE__ __VA_OPT__(, ::fmt::format(__VA_ARGS__))); \
    }                                                                                       \
  } while (false)
