# Flags for the project's own targets (third-party headers come in as SYSTEM and are not held
# to them). The release binary targets x86-64-v2 so it runs on any x86-64 machine of the last
# decade; kernels that want AVX2/AVX-512 dispatch at run time (target_clones / cpu checks).
add_library(strike_flags INTERFACE)
target_compile_options(strike_flags INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wcast-align -Wimplicit-fallthrough
  -Werror
  # GCC 12 reports impossible std::string overlaps at -O3 (GCC bug 105329): a false positive.
  $<$<CXX_COMPILER_ID:GNU>:-Wno-restrict>
  -march=x86-64-v2 -mtune=generic
  -fno-fast-math)

if(STRIKE_SANITIZE)
  list(JOIN STRIKE_SANITIZE "," _strike_san)
  target_compile_options(strike_flags INTERFACE -fsanitize=${_strike_san} -fno-omit-frame-pointer
                         -fno-sanitize-recover=all)
  target_link_options(strike_flags INTERFACE -fsanitize=${_strike_san})
endif()
