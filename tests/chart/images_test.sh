#!/usr/bin/env bash
# `make images` without a container engine must fail and say why, whatever
# the machine: DOCKER_HOST points at a socket that cannot exist. Where the
# trove binaries are built, --runtime-packages must name real Debian packages.
# Usage: images_test.sh ROOT [BINARY...]  (binaries: what the Dockerfile ships)
set -uo pipefail
root=$1
shift
out=$(DOCKER_HOST=unix:///nonexistent/trove-no-engine.sock bash "$root/hack/images.sh" 2>&1)
code=$?
echo "$out"
fail=0
if [ "$code" -eq 0 ]; then echo "FAIL: images.sh exited 0 without an engine"; fail=1; fi
if ! grep -q "no container engine available" <<<"$out"; then echo "FAIL: no clear 'no container engine available' message"; fail=1; fi
if ! grep -q "nothing was built" <<<"$out"; then echo "FAIL: it does not say that nothing was built"; fail=1; fi
pkgs=$(bash "$root/hack/images.sh" --runtime-packages /bin/bash /bin/ls) || { echo "FAIL: --runtime-packages /bin/bash /bin/ls failed"; fail=1; }
echo "runtime packages of /bin/bash and /bin/ls: $pkgs"
if ! grep -qx "libc6" <<<"$pkgs"; then echo "FAIL: --runtime-packages /bin/bash does not list libc6"; fail=1; fi
if bash "$root/hack/images.sh" --runtime-packages /nonexistent 2>/dev/null; then
  echo "FAIL: --runtime-packages accepted a missing binary"; fail=1
fi
if (($#)); then
  # The Dockerfile's runtime stage installs exactly this list.
  if pkgs=$(bash "$root/hack/images.sh" --runtime-packages "$@"); then
    echo "runtime packages of $*: $(tr '\n' ' ' <<<"$pkgs")"
    for want in libc6 libstdc++6; do
      grep -qx "$want" <<<"$pkgs" || { echo "FAIL: $want missing from the runtime packages"; fail=1; }
    done
  else
    echo "FAIL: --runtime-packages failed for $*"; fail=1
  fi
fi
exit $fail
