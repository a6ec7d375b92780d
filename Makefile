# cmdm — the two quick-start commands and a few conveniences.
#   make demo   install missing Debian packages, build, run cmdm on the bundled examples
#   make test   install, build, run every test; then again under ASan+UBSan in build-asan/
#   make fuzz   build the libFuzzer targets with clang in build-fuzz/, run each FUZZ_SECONDS
#   make install [PREFIX=/usr/local] [DESTDIR=/tmp/stage] [BUILD_DIR=build]
#               build cmdm, its man pages and completions, and install them (docs/ci.md)
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
GENERATOR := $(shell command -v ninja >/dev/null 2>&1 && echo Ninja || echo "Unix Makefiles")
CMAKE_FLAGS ?=
ifeq ($(CI),true)
  CMAKE_FLAGS += -DCMDM_WERROR=ON
endif

FUZZ_SECONDS ?= 60
# The fuzz build compiles the libraries a second time with clang; ccache keeps reruns cheap.
FUZZ_LAUNCHER := $(shell command -v ccache >/dev/null 2>&1 && echo -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)

PREFIX ?= /usr/local
BUILD_DIR ?= build

.PHONY: install package all deps build build-asan build-fuzz demo test test-fast test-asan fuzz bench clean golden-regen format format-check

all: build

deps:
	@scripts/install-deps.sh

build/CMakeCache.txt: | deps
	cmake -S . -B build -G "$(GENERATOR)" -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS)

build: deps build/CMakeCache.txt
	cmake --build build -j $(JOBS)

build-asan/CMakeCache.txt: | deps
	cmake -S . -B build-asan -G "$(GENERATOR)" -DCMAKE_BUILD_TYPE=Debug -DCMDM_SANITIZE=ON -DCMDM_BENCH=OFF $(CMAKE_FLAGS)

build-asan: deps build-asan/CMakeCache.txt
	cmake --build build-asan -j $(JOBS)

# The fuzz targets need clang (libFuzzer); the normal build above does not.
build-fuzz/CMakeCache.txt: | deps
	cmake -S . -B build-fuzz -G "$(GENERATOR)" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_CXX_COMPILER=clang++ -DCMDM_FUZZ=ON -DCMDM_STATIC_DEPS=OFF -DCMDM_BENCH=OFF $(FUZZ_LAUNCHER) $(CMAKE_FLAGS)

build-fuzz: deps build-fuzz/CMakeCache.txt
	cmake --build build-fuzz -j $(JOBS)

demo: build
	@scripts/demo.sh build/cli/cmdm

test-fast: build
	cd build && ctest --output-on-failure -j $(JOBS)

test-asan: build-asan
	cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j $(JOBS) -E 'bench'

test: test-fast test-asan

fuzz: build-fuzz
	python3 fuzz/run.py --build build-fuzz --seconds $(FUZZ_SECONDS)

bench: build
	@bench/run.sh

format: deps
	@scripts/check-format.sh --fix

format-check: deps
	@scripts/check-format.sh

golden-regen: build
	python3 tests/golden/run.py --cmdm build/cli/cmdm --regen testdata/golden/*/

# Configures BUILD_DIR when it is not configured yet, then builds only what is installed.
install:
	@if [ ! -f "$(BUILD_DIR)/CMakeCache.txt" ]; then \
	  scripts/install-deps.sh && \
	  cmake -S . -B "$(BUILD_DIR)" -G "$(GENERATOR)" -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS); \
	fi
	cmake --build "$(BUILD_DIR)" -j $(JOBS) --target cmdm cmdm-profiles cmdm_reference
	DESTDIR="$(DESTDIR)" cmake --install "$(BUILD_DIR)" --prefix "$(PREFIX)"

package: build
	cd build && cpack -G DEB

clean:
	rm -rf build build-asan build-fuzz
