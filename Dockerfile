# syntax=docker/dockerfile:1
# trove's container images: `make images` (hack/images.sh) builds the targets
#   trove-server    the sidecar
#   trove-operator  the operator
# The build stage runs exactly what `make build` runs on a Debian 12 machine
# (hack/deps.sh, then cmake --preset release, then cmake --build), so the
# steps below are the ones `make test` exercises on every run. Runtime stages
# carry only the shared libraries the two binaries load (found with ldd by
# hack/images.sh --runtime-packages), bash for the chart's preStop and test
# hooks, and a non-root user; nothing in them writes to the root filesystem.

ARG DEBIAN_IMAGE=debian:bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim

FROM ${DEBIAN_IMAGE} AS build
ENV DEBIAN_FRONTEND=noninteractive
WORKDIR /src
# Dependencies first: this layer is reused until the package list changes.
COPY hack/deps.sh hack/deps.sh
RUN bash hack/deps.sh && rm -rf /var/lib/apt/lists/*
COPY . .
RUN --mount=type=cache,target=/root/.cache/ccache \
    cmake --preset release \
 && cmake --build --preset release -j "$(nproc)" --target trove-server trove-operator \
 && mkdir -p /out \
 && install -m 0755 "$(find build/release -type f -name trove-server -perm -u+x | head -1)" /out/trove-server \
 && install -m 0755 "$(find build/release -type f -name trove-operator -perm -u+x | head -1)" /out/trove-operator \
 && bash hack/images.sh --runtime-packages /out/trove-server /out/trove-operator > /out/runtime-packages.txt \
 && cat /out/runtime-packages.txt

FROM ${RUNTIME_IMAGE} AS runtime
ENV DEBIAN_FRONTEND=noninteractive
COPY --from=build /out/runtime-packages.txt /tmp/runtime-packages.txt
RUN apt-get update \
 && xargs -a /tmp/runtime-packages.txt apt-get install -y --no-install-recommends \
 && rm -rf /var/lib/apt/lists/* /tmp/runtime-packages.txt \
 && groupadd --gid 65532 trove \
 && useradd --uid 65532 --gid 65532 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin trove
# Numeric, so Kubernetes' runAsNonRoot can verify it without reading /etc/passwd.
USER 65532:65532

FROM runtime AS trove-operator
COPY --from=build /out/trove-operator /usr/local/bin/trove-operator
EXPOSE 8081
ENTRYPOINT ["/usr/local/bin/trove-operator"]
CMD ["--metrics-bind=0.0.0.0:8081"]

# Last, so a plain `docker build .` gives the sidecar.
FROM runtime AS trove-server
COPY --from=build /out/trove-server /usr/local/bin/trove-server
EXPOSE 8080 9090
ENTRYPOINT ["/usr/local/bin/trove-server"]
CMD ["--bind=0.0.0.0", "--admin-bind=0.0.0.0"]
