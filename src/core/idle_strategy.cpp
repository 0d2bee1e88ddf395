#include "core/idle_strategy.hpp"

#include <algorithm>
#include <string>
#include <thread>

namespace strike {

Result<IdleStrategy> IdleStrategy::from_name(std::string_view name) {
  if (name == "spin") return spin();
  if (name == "yield") return yield();
  if (name == "park") return park();
  return fail(Errc::config_bad_value, "idle strategy '" + std::string(name) + "': expected " + std::string(kNames));
}

std::string_view IdleStrategy::name() const noexcept {
  switch (kind_) {
    case IdleKind::spin: return "spin";
    case IdleKind::yield: return "yield";
    case IdleKind::park: return "park";
  }
  return "?";
}

void IdleStrategy::idle() noexcept {
  switch (kind_) {
    case IdleKind::spin:
      phase_ = Phase::spinning;
      cpu_relax();
      return;
    case IdleKind::yield:
      phase_ = Phase::yielding;
      std::this_thread::yield();
      return;
    case IdleKind::park:
      if (spins_ < params_.max_spins) {
        phase_ = Phase::spinning;
        ++spins_;
        cpu_relax();
      } else if (yields_ < params_.max_yields) {
        phase_ = Phase::yielding;
        ++yields_;
        std::this_thread::yield();
      } else {
        phase_ = Phase::parking;
        std::this_thread::sleep_for(std::chrono::nanoseconds(park_ns_));
        park_ns_ = std::min(park_ns_ * 2, static_cast<std::int64_t>(params_.max_park.count()));
      }
      return;
  }
}

}  // namespace strike
