# syntax=docker/dockerfile:1
#
# balance_exporter container image.
#
#   docker build -t balance_exporter --build-arg REVISION="$(git rev-parse HEAD)" .
#   docker run -p 9788:9788 -e TENCENTCLOUD_SECRET_ID=... -e TENCENTCLOUD_SECRET_KEY=... balance_exporter
#
# No container engine runs in CI: Tests/container/verify_image.sh reproduces this file without one.
# It reads SWIFT_BUILD_FLAGS, RUNTIME_PACKAGES, APP_USER, APP_UID and APP_GID from the ARG lines
# below (one line each, double-quoted or bare value), and Tests/bench/run.sh reads SWIFT_BUILD_FLAGS:
# keep them on one line and keep their names.

# ---------------------------------------------------------------------------------------------------
# Build stage: the official Swift image of our toolchain (6.3.1) on the same Debian release as the
# runtime stage. The binary is linked fully statically (see SWIFT_BUILD_FLAGS): besides the toolchain's
# Swift runtime it carries this stage's glibc 2.36 (libc6-dev), libstdc++, OpenSSL 3.0 and zlib.
FROM swift:6.3.1-bookworm AS build

# The upstream HTTP client is our own, with TLS from Debian's OpenSSL (the COpenSSL module map) and
# gzip from zlib (CZlib): with -static-executable the link takes libssl.a/libcrypto.a (libssl-dev) and
# libz.a (zlib1g-dev) into the binary. OpenSSL and zlib security fixes therefore reach the image only
# by rebuilding it (this stage's apt-get install picks up bookworm's current versions), not through
# the runtime image's packages.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libssl-dev zlib1g-dev \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /src
# SwiftPM validates every target of the manifest, the test targets too, so each of their folders must
# exist: one COPY per folder (COPY of several folders would merge their contents).
COPY Package.swift ./
COPY Sources ./Sources
COPY Tests/BalanceTestSupport ./Tests/BalanceTestSupport
COPY Tests/SupportTests ./Tests/SupportTests
COPY Tests/HTTPTests ./Tests/HTTPTests
COPY Tests/CoreTests ./Tests/CoreTests
COPY Tests/TencentCloudTests ./Tests/TencentCloudTests
COPY Tests/YeastarTests ./Tests/YeastarTests
COPY Tests/AlibabaCloudTests ./Tests/AlibabaCloudTests
COPY Tests/VolcengineTests ./Tests/VolcengineTests
COPY Tests/HuaweiCloudTests ./Tests/HuaweiCloudTests
COPY Tests/SimulatorsTests ./Tests/SimulatorsTests
COPY Tests/BalanceExporterTests ./Tests/BalanceExporterTests
COPY Tests/EndToEndTests ./Tests/EndToEndTests

# The one place the release build flags live (verify_image.sh and Tests/bench/run.sh build with
# exactly these). --static-swift-stdlib links the Swift runtime (the exporter uses no Foundation) into the
# binary; -static-executable links everything else too (glibc, libstdc++, OpenSSL, zlib): no dynamic
# loader, no shared library mappings, no load-time relocations, a non-PIE executable like Go's static
# binaries, which is what keeps its idle RSS down. The link warns that getaddrinfo, getpwnam_r, dlopen
# and the like in a static glibc need the shared glibc of the same version at run time. For name
# service lookups that holds only for NSS modules other than `files` and `dns`, which static glibc
# 2.36 has built in; the runtime image's /etc/nsswitch.conf uses just those (`hosts: files dns`), so
# upstream host names come from /etc/hosts and the DNS servers of /etc/resolv.conf without loading any
# libnss_*.so. Do not rely on other modules (LDAP, mDNS, systemd-resolved's `resolve`) through a
# mounted nsswitch.conf: they would be dlopen'ed into a static binary. Otherwise dlopen is only
# reached by optional loadable modules (OpenSSL engines and providers) the exporter does not use.
ARG SWIFT_BUILD_FLAGS="-c release --static-swift-stdlib -Xswiftc -static-executable --product balance_exporter"
RUN swift build ${SWIFT_BUILD_FLAGS} \
 && install -D -m 0755 "$(swift build ${SWIFT_BUILD_FLAGS} --show-bin-path)/balance_exporter" /out/balance_exporter

# ---------------------------------------------------------------------------------------------------
# Runtime stage: the binary is statically linked (verify_image.sh checks it has no program
# interpreter), so it loads no shared library of this image. What it reads from it:
# - ca-certificates: the OpenSSL inside the binary verifies the upstreams' HTTPS certificates against
#   /etc/ssl/certs/ca-certificates.crt (through its default /usr/lib/ssl/cert.pem, a link the `openssl`
#   package ships, or directly when that link is missing). ca-certificates depends on `openssl` (for
#   update-ca-certificates), which brings libssl3 along: both end up in the image but the binary does
#   not use them, so upgrading them here fixes nothing for the exporter: rebuild the image instead;
# - /etc/nsswitch.conf, /etc/hosts and /etc/resolv.conf for upstream host names (`files` and `dns`
#   only, see SWIFT_BUILD_FLAGS).
# No tzdata: Beijing time is parsed with a fixed UTC+8 offset, no zone database is read.
FROM debian:bookworm-slim

ARG RUNTIME_PACKAGES="ca-certificates"
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
# - a mounted file: run with --config.file=/etc/balance_exporter/config.yml (or .json), secrets in it as
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
