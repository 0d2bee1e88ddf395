// IdleStrategy: what a thread's duty cycle does when a pass found no work (Aeron's idea).
//
//   spin   busy-spin with the CPU's pause hint: lowest wake-up latency, burns a whole core.
//   yield  sched_yield(): gives the core to other runnable threads, still 100% busy if alone.
//   park   back off in three phases (Aeron's BackoffIdleStrategy): spin `max_spins` passes,
//          then yield `max_yields` passes, then sleep, starting at `min_park` and doubling up
//          to `max_park`. Near-zero CPU when idle, wakes within max_park.
//
// Selected by name ("spin", "yield", "park") from configuration or the command line. A pass
// that did work resets the back-off. The choice is one switch per idle pass, not a virtual
// call, and it never runs when there is work.
#pragma once

#include <chrono>
#include <cstdint>
#include <string_view>

#include "core/result.hpp"

namespace strike {

enum class IdleKind : std::uint8_t { spin, yield, park };

class IdleStrategy {
 public:
  struct Park {
    std::uint32_t max_spins = 10;
    std::uint32_t max_yields = 5;
    std::chrono::nanoseconds min_park{1'000};
    std::chrono::nanoseconds max_park{1'000'000};
  };
  // Where a park strategy is in its back-off (for tests and diagnostics).
  enum class Phase : std::uint8_t { not_idle, spinning, yielding, parking };

  static constexpr IdleStrategy spin() noexcept { return IdleStrategy(IdleKind::spin, {}); }
  static constexpr IdleStrategy yield() noexcept { return IdleStrategy(IdleKind::yield, {}); }
  static constexpr IdleStrategy park(Park p) noexcept { return IdleStrategy(IdleKind::park, p); }
  static constexpr IdleStrategy park() noexcept { return park(Park{}); }
  // "spin", "yield" or "park" (default back-off); anything else is config_bad_value.
  static Result<IdleStrategy> from_name(std::string_view name);
  // The accepted names, for help texts: "spin|yield|park".
  static constexpr std::string_view kNames = "spin|yield|park";

  // Call after every duty-cycle pass with the amount of work it did.
  void idle(int work_count) noexcept {
    if (work_count > 0) {
      reset();
    } else {
      idle();
    }
  }
  // One idle pass.
  void idle() noexcept;
  void reset() noexcept {
    phase_ = Phase::not_idle;
    spins_ = yields_ = 0;
    park_ns_ = params_.min_park.count();
  }

  IdleKind kind() const noexcept { return kind_; }
  std::string_view name() const noexcept;
  Phase phase() const noexcept { return phase_; }
  // The sleep of the next parking pass.
  std::chrono::nanoseconds next_park() const noexcept { return std::chrono::nanoseconds(park_ns_); }

 private:
  constexpr IdleStrategy(IdleKind kind, Park p) noexcept : kind_(kind), params_(p), park_ns_(p.min_park.count()) {}

  IdleKind kind_;
  Park params_;
  Phase phase_ = Phase::not_idle;
  std::uint32_t spins_ = 0;
  std::uint32_t yields_ = 0;
  std::int64_t park_ns_;
};

// The CPU's spin-wait hint (x86 `pause`): saves power and frees the sibling hyperthread.
inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

}  // namespace strike
