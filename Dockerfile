# syntax=docker/dockerfile:1
#
# balance_exporter container image.
#
#   docker build -t balance_exporter --build-arg REVISION="$(git rev-parse HEAD)" .
#   docker run -p 9788:9788 -e TENCENTCLOUD_SECRET_ID=... -e TENCENTCLOUD_SECRET_KEY=... balance_exporter
#
# No container engine runs in CI: Tests/container/verify_image.sh reproduces this file without one.
# It reads SWIFT_BUILD_FLAGS, RUNTIME_PACKAGES, APP_USER, APP_UID and APP_GID from the ARG lines
# below (one line each, double-quoted or bare value): keep them on one line and keep their names.

# ---------------------------------------------------------------------------------------------------
# Build stage: the official Swift image of our toolchain (6.3.1) on the same Debian release as the
# runtime stage, so the binary links against the glibc and OpenSSL it will run with.
FROM swift:6.3.1-bookworm AS build

# The upstream HTTP client is our own, with TLS from the system OpenSSL (the COpenSSL module map):
# the link needs OpenSSL's headers and libssl.so/libcrypto.so development symlinks (libssl-dev). With
# --static-swift-stdlib the Swift runtime and FoundationEssentials are linked into the binary; zlib
# and OpenSSL are loaded from the runtime image (zlib1g, libssl3).
RUN apt-get update \
 && apt-get install -y --no-install-recommends libssl-dev zlib1g-dev \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /src
# SwiftPM validates every target of the manifest, the test target too, so its folder must exist.
COPY Package.swift ./
COPY Sources ./Sources
COPY Tests/BalanceExporterTests ./Tests/BalanceExporterTests

# The one place the release build flags live (verify_image.sh builds with exactly these).
ARG SWIFT_BUILD_FLAGS="-c release --static-swift-stdlib --product balance_exporter"
RUN swift build ${SWIFT_BUILD_FLAGS} \
 && install -D -m 0755 "$(swift build ${SWIFT_BUILD_FLAGS} --show-bin-path)/balance_exporter" /out/balance_exporter

# ---------------------------------------------------------------------------------------------------
# Runtime stage: only what the binary needs (checked with ldd by verify_image.sh):
# - libssl3: TLS to the upstreams (OpenSSL, through our own HTTP client);
# - ca-certificates: OpenSSL verifies the upstreams' HTTPS certificates against /etc/ssl/certs;
# - libc6, libstdc++6, libgcc-s1 (the C++ runtime the Swift runtime still links dynamically) and
#   zlib1g (gzip responses) are already in debian:bookworm-slim.
# No tzdata: Beijing time is parsed with a fixed UTC+8 offset, no zone database is read.
FROM debian:bookworm-slim

ARG RUNTIME_PACKAGES="ca-certificates libssl3"
RUN apt-get update \
 && apt-get install -y --no-install-recommends ${RUNTIME_PACKAGES} \
 && rm -rf /var/lib/apt/lists/*

# A fixed, unprivileged, numeric user: Kubernetes' runAsNonRoot can only verify a numeric USER,
# and a fixed uid lets you chown mounted secret files to it (65532 as in distroless "nonroot").
# Not --system (its uid range ends at 999); --no-log-init: a high uid would otherwise grow a huge
# sparse /var/log/lastlog and faillog in the image.
# Tests/container/verify_image.sh repeats these two commands: change them there too.
ARG APP_USER="balance"
ARG APP_UID="65532"
ARG APP_GID="65532"
RUN groupadd --gid "${APP_GID}" "${APP_USER}" \
 && useradd --uid "${APP_UID}" --gid "${APP_GID}" --home-dir /nonexistent --no-create-home --no-log-init \
      --shell /usr/sbin/nologin "${APP_USER}" \
 && install -d -m 0755 /etc/balance_exporter

COPY --from=build /out/balance_exporter /usr/local/bin/balance_exporter

# VERSION follows BuildInfo.version; REVISION is the git commit the image is built from; SOURCE_URL
# the repository's public address (no default: the label stays empty rather than guess one).
ARG VERSION="0.1.0"
ARG REVISION="unknown"
ARG SOURCE_URL=""
LABEL org.opencontainers.image.title="balance_exporter" \
      org.opencontainers.image.description="Prometheus exporter for prepaid account balances of Tencent Cloud and Yeastar Partner Portal accounts" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.source="${SOURCE_URL}" \
      org.opencontainers.image.licenses="MIT"

# Configuration, by either:
# - environment (zero-config): TENCENTCLOUD_SECRET_ID / TENCENTCLOUD_SECRET_KEY (and
#   TENCENTCLOUD_TOKEN), YEASTAR_CLIENT_ID / YEASTAR_CLIENT_SECRET;
# - a mounted file: run with --config.file=/etc/balance_exporter/config.json, secrets in it as
#   "<key>_file": "/run/secrets/<name>" (Docker/Kubernetes secrets) or "<key>_env": "VARIABLE".
# Every flag has a default (listen on :9788, metrics on /metrics), so there is no CMD: arguments
# after the image name go to the exporter.
USER ${APP_UID}:${APP_GID}
EXPOSE 9788
# --health-check probes http://127.0.0.1:9788/-/healthy from inside the container (no shell or curl
# needed). If you change --web.listen-address, pass the same flag to the health check too.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["balance_exporter", "--health-check"]
ENTRYPOINT ["balance_exporter"]
