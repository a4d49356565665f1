#!/usr/bin/env bash
# Installs every Debian package trove needs, once. Idempotent: packages that
# `dpkg -s` already reports installed are skipped, and `apt-get update` runs
# only when something is missing, so a warm machine pays nothing.
set -euo pipefail

packages=(
  # toolchain
  g++ cmake ninja-build ccache make pkg-config git unzip curl
  clang-format clang-tidy
  # the fuzz and coverage presets: clang, its runtimes (libFuzzer, sanitizers,
  # profiles), llvm-profdata and llvm-cov
  clang llvm libclang-rt-14-dev
  # libraries
  libboost1.81-dev libsimdjson-dev rapidjson-dev libjemalloc-dev
  prometheus-cpp-dev libyaml-cpp-dev libcli11-dev libspdlog-dev libssl-dev
  libgtest-dev libgmock-dev libbenchmark-dev zlib1g-dev
  # real components the tests and benchmarks use
  prometheus nginx-light wrk gnuplot-nox
  python3 python3-websockets
  # the live demo's browser test (tests/browser) drives it headless
  chromium
)

missing=()
# The machine image ships Node.js with its own npm (which conflicts with
# Debian's npm package); only a machine without npm gets Debian's.
command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)
for p in "${packages[@]}"; do
  # dpkg-query prints only the status (no SIGPIPE games under pipefail).
  if [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != "install ok installed" ]; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  echo "deps: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  # Debian's nginx and prometheus packages start system services when they
  # are installed; trove's tests start their own instances on free loopback
  # ports. A policy-rc.d that answers 101 ("action forbidden") keeps the
  # packages from starting anything during this install; it is removed
  # afterwards, and only if this script created it. Nothing already running
  # is touched.
  policy=/usr/sbin/policy-rc.d
  made_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
    $SUDO chmod 0755 "$policy"
    made_policy=1
  fi
  status=0
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || status=$?
  ((made_policy)) && $SUDO rm -f "$policy"
  [ "$status" -eq 0 ] || exit "$status"
else
  echo "deps: all ${#packages[@]} Debian packages already installed"
fi
