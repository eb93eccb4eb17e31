# recd — top-level entry points. CMake does the building; this file only
# names the things people run. See README.md.
JOBS ?= $(shell nproc)
BUILD ?= build
ASAN_BUILD ?= build-asan

.PHONY: all build asan test unit integration e2e demo bench bench-smoke clean deps deb

all: build

build:
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j$(JOBS) -- --no-print-directory

asan:
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DRECD_SANITIZE=ON >/dev/null
	@cmake --build $(ASAN_BUILD) -j$(JOBS) -- --no-print-directory

deps:
	@scripts/install-deps

# The one test command (README, .ci/run): installs what it needs, builds
# from scratch, runs every test.
test: deps
	@scripts/run-tests

unit: build
	@cd $(BUILD) && ctest --output-on-failure -L unit

# One suite at a time, against the release build (make test runs them all,
# in both builds).
integration: build
	@RECD_BIN=$(CURDIR)/$(BUILD)/recd FAKE_PROVIDER_BIN=$(CURDIR)/$(BUILD)/fake-provider \
	  /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/integration

e2e: build
	@cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error >/dev/null
	@RECD_BIN=$(CURDIR)/$(BUILD)/recd FAKE_PROVIDER_BIN=$(CURDIR)/$(BUILD)/fake-provider node --test tests/e2e/

# The README's first command: install build dependencies, build, run.
demo:
	@scripts/install-deps --build
	@$(MAKE) --no-print-directory build
	@scripts/demo

bench: build
	@bench/run

bench-smoke: build
	@bench/run --smoke

# recd_<version>_<arch>.deb in build-deb/ (dpkg-buildpackage; reproducible).
deb:
	@scripts/build-deb

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) build-deb
