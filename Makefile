# Thin wrapper over CMake presets (see CMakePresets.json). `make run` and `make test` install
# what is missing (scripts/bootstrap), configure, build, then run or test.
JOBS ?= $(shell nproc)
STRIKE = build/release/src/app/strike

.PHONY: all bootstrap build run test debug-test asan-test tsan-test stress-test bench fuzz clean

all: build

bootstrap:
	@scripts/bootstrap

build/%/build.ninja: | bootstrap
	@cmake --preset $* >/dev/null

build: bootstrap build/release/build.ninja
	@cmake --build --preset release -j $(JOBS)

run: build
	@scripts/run-demo $(STRIKE)

test: build
	@ctest --preset release -j $(JOBS)

debug-test: bootstrap build/debug/build.ninja
	@cmake --build --preset debug -j $(JOBS)
	@ctest --preset debug -j $(JOBS)

asan-test: bootstrap build/asan/build.ninja
	@cmake --build --preset asan -j $(JOBS)
	@ctest --preset asan -j $(JOBS)

tsan-test: bootstrap build/tsan/build.ninja
	@cmake --build --preset tsan -j $(JOBS)
	@ctest --preset tsan -j $(JOBS)

# The whole suite 20 times with both cores busy, then the threaded tests under TSan 5 times.
stress-test: build bootstrap build/tsan/build.ninja
	@cmake --build --preset tsan -j $(JOBS)
	@scripts/stress-test

bench: build
	@scripts/run-benchmarks build/release

fuzz: bootstrap build/fuzz/build.ninja
	@cmake --build --preset fuzz -j $(JOBS)

clean:
	rm -rf build
