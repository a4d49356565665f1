#!/usr/bin/env bash
# `make images`: builds the trove-server and trove-operator images from the
# Dockerfile where a container engine runs. Without one (these development
# machines have the docker CLI but no daemon) it says so and fails: it never
# pretends to have built anything.
#   IMAGE_REGISTRY=registry.example.com/trove  prefix for the tags
#   bash hack/images.sh --runtime-packages BIN...  the Debian packages that
#       hold the shared libraries BIN loads (the Dockerfile's runtime stage
#       installs exactly these)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

runtime_packages() {
  local lib real path pkg
  (($#)) || { echo "images: --runtime-packages needs at least one binary" >&2; return 1; }
  for bin in "$@"; do
    [ -x "$bin" ] || { echo "images: $bin is not an executable" >&2; return 1; }
    if ldd "$bin" | grep -q 'not found'; then
      echo "images: $bin has unresolved libraries:" >&2
      ldd "$bin" | grep 'not found' >&2
      return 1
    fi
  done
  # Every resolved library path (not the "file:" headers ldd prints for
  # several binaries). dpkg knows a file under /lib or /usr/lib depending on
  # the package (usrmerge), so ask for every spelling, in one dpkg call.
  local -a libs candidates
  mapfile -t libs < <(ldd "$@" | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// && $1 !~ /:$/ {print $1}' | sort -u)
  for lib in "${libs[@]}"; do
    real=$(readlink -f "$lib")
    candidates+=("$lib" "$real" "/usr${lib#/usr}" "${lib#/usr}" "/usr${real#/usr}" "${real#/usr}")
  done
  local -A owner=()
  while IFS= read -r line; do
    pkg=${line%%: *}
    owner[${line#*: }]=${pkg%%:*}
  done < <(dpkg -S "${candidates[@]}" 2>/dev/null | grep -v '^diversion ')
  local -A packages=()
  for lib in "${libs[@]}"; do
    real=$(readlink -f "$lib")
    pkg=""
    for path in "$lib" "$real" "/usr${lib#/usr}" "${lib#/usr}" "/usr${real#/usr}" "${real#/usr}"; do
      if [ -n "${owner[$path]:-}" ]; then pkg=${owner[$path]}; break; fi
    done
    [ -n "$pkg" ] || { echo "images: no Debian package owns $lib" >&2; return 1; }
    packages[$pkg]=1
  done
  printf '%s\n' "${!packages[@]}" | sort
}

if [ "${1:-}" = "--runtime-packages" ]; then
  shift
  runtime_packages "$@"
  exit
fi

if ! command -v docker >/dev/null 2>&1; then
  echo "images: no container engine: the docker CLI is not installed. Build the images on a machine with Docker (docker build --target trove-server|trove-operator .)." >&2
  exit 2
fi
if ! docker info >/dev/null 2>&1; then
  echo "images: no container engine available: the docker CLI cannot reach a daemon at ${DOCKER_HOST:-unix:///var/run/docker.sock}." >&2
  echo "images: nothing was built. The Dockerfile's build stage runs the same steps as 'make build' (hack/deps.sh, cmake --preset release, cmake --build --preset release), which 'make test' runs on this machine; build the images where a Docker engine runs." >&2
  exit 2
fi

version=$(sed -n 's/^appVersion: *"\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$root/charts/trove/Chart.yaml")
[ -n "$version" ] || { echo "images: no appVersion in charts/trove/Chart.yaml" >&2; exit 1; }
prefix=${IMAGE_REGISTRY:+${IMAGE_REGISTRY%/}/}
for target in trove-server trove-operator; do
  echo "images: building $prefix$target:$version"
  DOCKER_BUILDKIT=1 docker build --target "$target" --tag "$prefix$target:$version" "$root"
done
echo "images: built ${prefix}trove-server:$version and ${prefix}trove-operator:$version (the chart's default tags)"
