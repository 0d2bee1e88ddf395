# Helpers that keep every component's CMakeLists.txt to a few lines.

# strike_component(NAME SOURCES ... DEPS ...): the library strike_<NAME> with include root src/.
function(strike_component name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(strike_${name} ${ARG_SOURCES})
  target_include_directories(strike_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(strike_${name} PUBLIC strike_flags ${ARG_DEPS})
endfunction()

# strike_test(NAME SOURCES ... DEPS ...): a GoogleTest binary registered with ctest.
function(strike_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE strike_flags GTest::gtest_main ${ARG_DEPS})
  target_compile_definitions(${name} PRIVATE STRIKE_SHARED_DATA_DIR="${STRIKE_SHARED_DATA_DIR}"
                             STRIKE_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  include(GoogleTest)
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60)
endfunction()

# strike_bench(NAME SOURCES ... DEPS ...): a Google Benchmark binary (not run by ctest).
function(strike_bench name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE strike_flags benchmark::benchmark ${ARG_DEPS})
  target_compile_definitions(${name} PRIVATE STRIKE_SHARED_DATA_DIR="${STRIKE_SHARED_DATA_DIR}")
endfunction()
