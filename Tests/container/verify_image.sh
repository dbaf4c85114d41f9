#!/usr/bin/env bash
# Verifies the container image defined by ./Dockerfile without a container engine.
#
# No Docker/Podman runs on the CI machines (fresh Debian bookworm, root, network only to the Debian
# mirrors and PyPI), so this script reproduces the image's two stages by hand and checks what a user
# of the image would notice:
#   (a) build: the release binary, with exactly the Dockerfile's SWIFT_BUILD_FLAGS, on this host's
#       Swift toolchain (which must be the Dockerfile's build image version), into .build-container;
#       it must be statically linked (no PT_INTERP program header: it loads no library of the
#       runtime filesystem at start, so there is nothing for ldd to find there) and non-PIE (ELF
#       type EXEC);
#   (b) runtime filesystem: `debootstrap --variant=minbase` of the runtime image's Debian release
#       (debian:*-slim images are themselves built from minbase by debuerreotype) plus ONLY the
#       Dockerfile's RUNTIME_PACKAGES, provisioned once under $ROOTFS_CACHE (--provision below);
#   (c) run: the binary and the Dockerfile's non-root user copied into a per-run copy of that root
#       filesystem; `balance_exporter --demo` runs in it as that user, as PID 1 of its own PID
#       namespace (as under Docker, where PID 1 gets no default signal handling);
#   (d) checks over loopback from the host: /-/healthy, /metrics with balance_exporter_build_info,
#       demo accounts refreshed, `--health-check` exit codes, and `docker stop` (SIGTERM, 10 s grace);
#   (e) HTTPS through the OpenSSL linked into the binary, verified against the runtime filesystem's CA
#       bundle: two loopback fake Tencent Cloud upstreams (Tests/bench/fake_upstream.py --tls), one
#       with a certificate from a throwaway CA appended to that bundle (its account must be up), one
#       with a self-signed certificate that is not (its account down, reason network, TLS logged).
#
# Usage (as root):
#   Tests/container/verify_image.sh                   checks only: what the test suite runs. It installs
#                                                     and downloads nothing; it writes only its build
#                                                     directory (.build-container) and a temporary
#                                                     per-run copy of the root filesystem
#   Tests/container/verify_image.sh --provision       by hand: first (re)build the root filesystem (b)
#                                                     with debootstrap from the Debian mirror, then check
#   Tests/container/verify_image.sh --provision-only  only (re)build it (.ci/run calls this)
# Provisioning rebuilds the root filesystem when the Dockerfile's runtime packages or this host's Debian
# sources change, or when it is older than ROOTFS_MAX_AGE_DAYS (security updates); checking uses
# whatever is provisioned and never rebuilds it.
# Environment: SWIFT (swift executable), ROOTFS_CACHE (default /var/cache/balance-exporter-rootfs),
#   ROOTFS_MAX_AGE_DAYS (default 7), PORT (default: a free one), BUILD_TIMEOUT, ROOTFS_TIMEOUT,
#   START_TIMEOUT (seconds), KEEP_RUN_DIR=1 (debugging), TMPDIR (where the per-run copy goes,
#   default /var/tmp).
# Host tools (.ci/run installs them): swift; readelf (binutils), curl, openssl, python3 for checking;
#   debootstrap and debian-archive-keyring for provisioning.
# Output: one PASS/FAIL line per check, then `verify_image: N passed, N failed`; exit 1 on failure.
# A missing component (not root, a host tool, the root filesystem) is one `SKIP  ...` line saying what
# to install or run, and exit status 77 (SKIP_STATUS): the test suite skips on it, or fails under CI.

set -Eeuo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
DOCKERFILE=$REPO/Dockerfile
SCRATCH=$REPO/.build-container
ROOTFS_CACHE=${ROOTFS_CACHE:-/var/cache/balance-exporter-rootfs}
ROOTFS_MAX_AGE_DAYS=${ROOTFS_MAX_AGE_DAYS:-7}
BUILD_TIMEOUT=${BUILD_TIMEOUT:-5400}    # a release build with static Foundation, on 2 shared cores
ROOTFS_TIMEOUT=${ROOTFS_TIMEOUT:-1800}  # debootstrap + apt-get over the network
START_TIMEOUT=${START_TIMEOUT:-30}
HTTP_TIMEOUT=${HTTP_TIMEOUT:-10}
STOP_GRACE=10                           # `docker stop` waits 10 s before SIGKILL
SKIP_STATUS=77                          # a component is missing (automake's "skipped")
# What Docker gives a process: a clean environment with this PATH (ENTRYPOINT is found through it).
CONTAINER_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

PASSED=0
FAILED=0
SKIPPED=0
RUN_DIR=
ROOT=
UNSHARE_PID=
PROC_MOUNTED=
UPSTREAM_PIDS=
STARTED_AT=$SECONDS

log() { printf 'verify_image: %s\n' "$*" >&2; }
pass() { PASSED=$((PASSED + 1)); printf 'PASS  %s\n' "$1"; }
fail() { FAILED=$((FAILED + 1)); printf 'FAIL  %s%s\n' "$1" "${2:+: $2}"; }
skip() { SKIPPED=$((SKIPPED + 1)); printf 'SKIP  %s%s\n' "$1" "${2:+: $2}"; }
# A failure after which nothing further can be checked.
fatal() { fail "$1" "${2:-}"; exit 1; }
# A component is missing: nothing can be checked, nothing is wrong with the image.
missing() { printf 'SKIP  %s\n' "$1"; exit "$SKIP_STATUS"; }

MODE=check
case "${1:-}" in
    "") ;;
    --provision) MODE=provision ;;
    --provision-only) MODE=provision-only ;;
    *) echo "usage: $0 [--provision | --provision-only]" >&2; exit 2 ;;
esac

cleanup() {
    local status=$?
    trap - EXIT
    set +e
    if declare -F stop_exporter >/dev/null; then stop_exporter KILL; fi
    if declare -F stop_upstreams >/dev/null; then stop_upstreams; fi
    if [ -n "$PROC_MOUNTED" ]; then umount "$PROC_MOUNTED" 2>/dev/null || umount -l "$PROC_MOUNTED"; fi
    if [ -n "$RUN_DIR" ] && [ -d "$RUN_DIR" ]; then
        if [ "${KEEP_RUN_DIR:-0}" = 1 ]; then
            log "kept $RUN_DIR"
        elif grep -q " $RUN_DIR/" /proc/mounts; then
            log "not removing $RUN_DIR: something is still mounted under it"
        else
            rm -rf --one-file-system "$RUN_DIR"
        fi
    fi
    if [ "$status" -ne 0 ] && [ "$status" -ne "$SKIP_STATUS" ] && [ "$FAILED" -eq 0 ]; then fail "script error" "exit status $status (see the messages above)"; fi
    [ "$SKIPPED" -eq 0 ] || log "$SKIPPED check(s) skipped"
    log "took $((SECONDS - STARTED_AT)) s"
    printf 'verify_image: %d passed, %d failed\n' "$PASSED" "$FAILED"
    [ "$FAILED" -eq 0 ] || exit 1
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------------------------------------------
# Facts read from the Dockerfile: one `ARG NAME="value"` line each (see the Dockerfile's header).

dockerfile_arg() { "$REPO/Tests/container/dockerfile_arg.sh" "$1"; }

# The tag of a stage's base image: `FROM image:tag ...`.
dockerfile_from_tag() {
    sed -nE "s/^FROM $1:([^ ]+).*/\\1/p" "$DOCKERFILE" | head -n 1
}

if [ "$(id -u)" -ne 0 ]; then
    [ "$MODE" = check ] || fatal "running as root" "debootstrap, chroot and namespaces need root"
    missing "not root: chroot and namespaces need root (run it as root)"
fi
[ -f "$DOCKERFILE" ] || fatal "Dockerfile present" "$DOCKERFILE not found"

SWIFT_BUILD_FLAGS=$(dockerfile_arg SWIFT_BUILD_FLAGS) || fatal "Dockerfile declares SWIFT_BUILD_FLAGS"
RUNTIME_PACKAGES=$(dockerfile_arg RUNTIME_PACKAGES) || fatal "Dockerfile declares RUNTIME_PACKAGES"
APP_USER=$(dockerfile_arg APP_USER) || fatal "Dockerfile declares APP_USER"
APP_UID=$(dockerfile_arg APP_UID) || fatal "Dockerfile declares APP_UID"
APP_GID=$(dockerfile_arg APP_GID) || fatal "Dockerfile declares APP_GID"
SWIFT_TAG=$(dockerfile_from_tag swift)             # e.g. 6.3.1-bookworm
RUNTIME_TAG=$(dockerfile_from_tag debian)          # e.g. bookworm-slim
SUITE=${RUNTIME_TAG%-slim}
read -r -a BUILD_FLAGS <<<"$SWIFT_BUILD_FLAGS"
read -r -a PACKAGES <<<"$RUNTIME_PACKAGES"
log "build flags: $SWIFT_BUILD_FLAGS"
log "runtime: debian:$RUNTIME_TAG + ${PACKAGES[*]}; user $APP_USER ($APP_UID:$APP_GID)"

# The values read above are only the image's if the Dockerfile really uses them.
if grep -qF 'swift build ${SWIFT_BUILD_FLAGS}' "$DOCKERFILE" \
    && grep -qF 'apt-get install -y --no-install-recommends ${RUNTIME_PACKAGES}' "$DOCKERFILE" \
    && grep -qE '^USER \$\{APP_UID\}:\$\{APP_GID\}' "$DOCKERFILE" \
    && grep -qE '^ENTRYPOINT \["balance_exporter"\]' "$DOCKERFILE"; then
    pass "Dockerfile builds with SWIFT_BUILD_FLAGS, installs RUNTIME_PACKAGES, runs as APP_UID:APP_GID"
else
    fail "Dockerfile builds with SWIFT_BUILD_FLAGS, installs RUNTIME_PACKAGES, runs as APP_UID:APP_GID" \
        "a RUN/USER/ENTRYPOINT line no longer uses the ARGs this script reads"
fi
[ -n "$SUITE" ] && [ "$SUITE" != "$RUNTIME_TAG" ] || fatal "runtime stage is debian:<release>-slim" "got '$RUNTIME_TAG'"

# ---------------------------------------------------------------------------------------------------
# Host tools: installed by .ci/run, never here (the suite must not change the machine).

# Which of the given Debian packages are not installed.
packages_missing() {
    local pkg
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || printf '%s ' "$pkg"
    done
}
# libssl-dev, zlib1g-dev: the COpenSSL and CZlib module maps link -lssl -lcrypto -lz, statically
# (libssl.a, libcrypto.a, libz.a); curl for the HTTP checks; readelf (binutils) for the static-link
# check; openssl and python3 for the HTTPS check (e); debootstrap and its keyring to provision (b).
HOST_PACKAGES=(libssl-dev zlib1g-dev curl binutils openssl python3)
[ "$MODE" = check ] || HOST_PACKAGES+=(debootstrap debian-archive-keyring)
absent=$(packages_missing "${HOST_PACKAGES[@]}")
if [ -n "$absent" ]; then
    [ "$MODE" = check ] || fatal "host packages installed" "apt-get install ${absent% } (or run .ci/run)"
    missing "host packages not installed: ${absent% } (apt-get install ${absent% }, or run .ci/run)"
fi

# ---------------------------------------------------------------------------------------------------
# (b) Runtime root filesystem: provisioned here only with --provision or --provision-only; a check
# looks for it before the long build (a), so that a missing one is reported at once.

# "URI SUITE" for every enabled deb source of this host with component main (one-line and deb822).
host_debian_sources() {
    local f
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -f "$f" ] || continue
        sed -E 's/\[[^]]*\]//' "$f" | awk '$1 == "deb" { for (i = 4; i <= NF; i++) if ($i == "main") { print $2, $3; break } }'
    done
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        awk 'BEGIN { RS = ""; FS = "\n" }
        {
            types = ""; uris = ""; suites = ""; comps = ""; enabled = "yes"
            for (i = 1; i <= NF; i++) {
                line = $i
                if (line ~ /^[ \t]*#/ || !match(line, /^[A-Za-z-]+:/)) continue
                key = tolower(substr(line, 1, RLENGTH - 1)); val = substr(line, RLENGTH + 1)
                gsub(/^[ \t]+|[ \t]+$/, "", val)
                if (key == "types") types = val; else if (key == "uris") uris = val
                else if (key == "suites") suites = val; else if (key == "components") comps = val
                else if (key == "enabled") enabled = tolower(val)
            }
            if (enabled == "no" || types !~ /(^| )deb( |$)/ || comps !~ /(^| )main( |$)/) next
            nu = split(uris, u, " "); ns = split(suites, s, " ")
            for (a = 1; a <= nu; a++) for (b = 1; b <= ns; b++) print u[a], s[b]
        }' "$f"
    done
}

# Only the Debian release of the runtime image and its updates/security suites: only the package
# mirrors this machine already uses are reachable.
SOURCES=$(host_debian_sources | awk -v suite="$SUITE" '$2 == suite || $2 == suite "-updates" || $2 == suite "-security"' | sort -u)
MIRROR=$(awk -v suite="$SUITE" '$2 == suite { print $1; exit }' <<<"$SOURCES")
if [ -z "$MIRROR" ]; then
    MIRROR=http://deb.debian.org/debian
    SOURCES="$MIRROR $SUITE"
    log "no $SUITE source in /etc/apt; using $MIRROR"
fi
log "(b) mirror $MIRROR; suites: $(awk '{print $2}' <<<"$SOURCES" | tr '\n' ' ')"

ARCH=$(dpkg --print-architecture)
KEY=$(printf '%s\n' "minbase $SUITE $ARCH" "$SOURCES" "${PACKAGES[*]}" | sha256sum | cut -c1-16)
CACHED=$ROOTFS_CACHE/$SUITE-$ARCH-$KEY
build_rootfs() {
    local tmp=$CACHED.partial
    rm -rf --one-file-system "$tmp"
    log "(b) debootstrap --variant=minbase $SUITE into $tmp"
    timeout "$ROOTFS_TIMEOUT" debootstrap --variant=minbase --arch="$ARCH" "$SUITE" "$tmp" "$MIRROR" >"$tmp.log" 2>&1 \
        || { tail -n 20 "$tmp.log" >&2; return 1; }
    awk '{ printf "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s %s main\n", $1, $2 }' \
        <<<"$SOURCES" >"$tmp/etc/apt/sources.list"
    cp /etc/resolv.conf "$tmp/etc/resolv.conf"
    # The Dockerfile's RUN line, in the chroot.
    log "(b) chroot apt-get install --no-install-recommends ${PACKAGES[*]}"
    timeout "$ROOTFS_TIMEOUT" chroot "$tmp" /usr/bin/env -i PATH="$CONTAINER_PATH" DEBIAN_FRONTEND=noninteractive \
        sh -c 'apt-get update -qq && apt-get install -y -qq --no-install-recommends "$@" && apt-get clean && rm -rf /var/lib/apt/lists/*' \
        sh "${PACKAGES[@]}" >>"$tmp.log" 2>&1 \
        || { tail -n 20 "$tmp.log" >&2; return 1; }
    rm -f "$tmp/etc/resolv.conf"   # Docker provides its own
    rm -rf --one-file-system "$CACHED"
    mv "$tmp" "$CACHED"
    mv "$tmp.log" "$CACHED.log"
    # Older filesystems of other package lists or mirrors (we hold the lock: nobody copies them now).
    local old
    for old in "$ROOTFS_CACHE/$SUITE-$ARCH-"*; do
        [ "$old" = "$CACHED" ] || [ "$old" = "$CACHED.log" ] || rm -rf --one-file-system "$old"
    done
}

stage_started=$SECONDS
if [ "$MODE" != check ]; then
    mkdir -p "$ROOTFS_CACHE"
    exec 9>"$ROOTFS_CACHE/lock"
    flock -w "$ROOTFS_TIMEOUT" 9 || fatal "runtime root filesystem" "another run holds $ROOTFS_CACHE/lock"
    if [ -d "$CACHED" ] && [ -z "$(find "$CACHED" -maxdepth 0 -mtime +"$ROOTFS_MAX_AGE_DAYS")" ]; then
        ROOTFS_ORIGIN="cached $CACHED"
    else
        build_rootfs || fatal "runtime root filesystem" "debootstrap or apt-get failed (log: $CACHED.partial.log)"
        ROOTFS_ORIGIN="built $CACHED"
    fi
    flock -u 9
    if [ "$MODE" = provision-only ]; then
        pass "runtime root filesystem provisioned: minbase $SUITE + ${PACKAGES[*]} ($ROOTFS_ORIGIN, $((SECONDS - stage_started)) s)"
        exit 0
    fi
elif [ -d "$CACHED" ]; then
    ROOTFS_ORIGIN="provisioned $CACHED"
    if [ -n "$(find "$CACHED" -maxdepth 0 -mtime +"$ROOTFS_MAX_AGE_DAYS")" ]; then
        log "$CACHED is over $ROOTFS_MAX_AGE_DAYS days old: \`$0 --provision-only\` refreshes it"
    fi
else
    missing "no runtime root filesystem for minbase $SUITE + ${PACKAGES[*]} in $ROOTFS_CACHE: provision it as root with \`Tests/container/verify_image.sh --provision-only\` (or run .ci/run)"
fi

if [ -z "${SWIFT:-}" ]; then
    SWIFT=$(command -v swift || true)
    [ -n "$SWIFT" ] || SWIFT=/opt/swift/usr/bin/swift
fi
[ -x "$SWIFT" ] || fatal "Swift toolchain found" "no swift on PATH nor at $SWIFT"
HOST_SWIFT_VERSION=$("$SWIFT" --version 2>&1 | sed -nE 's/.*Swift version ([0-9.]+).*/\1/p' | head -n 1)
if [ "$HOST_SWIFT_VERSION" = "${SWIFT_TAG%%-*}" ]; then
    pass "host toolchain is the build image's (Swift $HOST_SWIFT_VERSION, swift:$SWIFT_TAG)"
else
    fail "host toolchain is the build image's" "host Swift '$HOST_SWIFT_VERSION', Dockerfile swift:$SWIFT_TAG"
fi

# ---------------------------------------------------------------------------------------------------
# (a) Build

stage_started=$SECONDS
log "(a) swift build $SWIFT_BUILD_FLAGS --scratch-path $SCRATCH"
if ! (cd "$REPO" && timeout "$BUILD_TIMEOUT" "$SWIFT" build "${BUILD_FLAGS[@]}" --scratch-path "$SCRATCH") >&2; then
    fatal "release build with the Dockerfile's flags" "swift build failed or exceeded ${BUILD_TIMEOUT}s"
fi
BIN_DIR=$(cd "$REPO" && "$SWIFT" build "${BUILD_FLAGS[@]}" --scratch-path "$SCRATCH" --show-bin-path)
BIN=$BIN_DIR/balance_exporter
[ -x "$BIN" ] || fatal "release build with the Dockerfile's flags" "no executable at $BIN"
pass "release build with the Dockerfile's flags ($(du -h "$BIN" | cut -f1), $((SECONDS - stage_started)) s)"

# -static-executable: no program interpreter (PT_INTERP), so the kernel maps the binary alone and
# no library of the runtime image (nor a Swift runtime, which it lacks) is ever loaded.
if headers=$(readelf -lW "$BIN" 2>&1) && grep -q 'Program Headers:' <<<"$headers"; then
    if ! grep -qE '^ +INTERP ' <<<"$headers"; then
        pass "binary statically linked (no PT_INTERP: no shared library loaded at start, Swift runtime included)"
    else
        fail "binary statically linked (no PT_INTERP)" "$(grep -A1 -E '^ +INTERP ' <<<"$headers" | tr -s ' \n' ' ')"
    fi
else
    fail "binary statically linked (no PT_INTERP)" "readelf -lW failed: $(head -n 2 <<<"$headers" | tr '\n' ' ')"
fi
# Non-PIE, like Go's static binaries: fixed addresses, no load-time relocations of the code.
elf_type=$(readelf -hW "$BIN" 2>/dev/null | awk -F: '$1 ~ /^ *Type$/ { sub(/^ +/, "", $2); print $2 }')
if [[ "$elf_type" == EXEC* ]]; then
    pass "binary is not position-independent (ELF type EXEC)"
else
    fail "binary is not position-independent (ELF type EXEC)" "ELF type '$elf_type'"
fi

# The per-run copy, under a shared lock: provisioning never replaces the filesystem while it is copied.
stage_started=$SECONDS
if [ -e "$ROOTFS_CACHE/lock" ]; then
    exec 9<"$ROOTFS_CACHE/lock"
    flock -s -w "$ROOTFS_TIMEOUT" 9 || fatal "runtime root filesystem" "another run holds $ROOTFS_CACHE/lock"
fi
RUN_DIR=$(mktemp -d "${TMPDIR:-/var/tmp}/balance-exporter-verify.XXXXXX")
ROOT=$RUN_DIR/rootfs
cp -a "$CACHED" "$ROOT"
exec 9<&-
pass "runtime root filesystem: minbase $SUITE + ${PACKAGES[*]} ($ROOTFS_ORIGIN, copied in $((SECONDS - stage_started)) s)"

# OpenSSL verifies HTTPS upstreams against this bundle; without it every fetch fails.
if [ -s "$ROOT/etc/ssl/certs/ca-certificates.crt" ]; then
    pass "CA bundle present for OpenSSL (/etc/ssl/certs/ca-certificates.crt)"
else
    fail "CA bundle present for OpenSSL" "/etc/ssl/certs/ca-certificates.crt missing or empty"
fi

# ---------------------------------------------------------------------------------------------------
# (c) The image's own steps: user, configuration directory, binary

# The Dockerfile's commands, word for word (keep them in step).
chroot "$ROOT" groupadd --gid "$APP_GID" "$APP_USER"
chroot "$ROOT" useradd --uid "$APP_UID" --gid "$APP_GID" --home-dir /nonexistent --no-create-home --no-log-init \
    --shell /usr/sbin/nologin "$APP_USER"
install -d -m 0755 "$ROOT/etc/balance_exporter"
install -m 0755 "$BIN" "$ROOT/usr/local/bin/balance_exporter"
printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$ROOT/etc/hosts"   # as Docker writes it

# The image's ENTRYPOINT, as the image's user, in a clean environment, with /proc mounted (Docker
# always mounts it, and the binary needs it: run without it, the static Swift runtime aborts at start,
# "Unable to obtain Swift runtime path", as it reads /proc/self/maps).
# Preferably as PID 1 of a new PID namespace, as under Docker, with that namespace's /proc: the host
# never sees the mount, which ends with the namespace. Without namespaces: a plain chroot and a /proc
# mount, unmounted on exit. Arguments follow. unshare ignores SIGTERM while it waits for its child
# (and --kill-child SIGKILLs the child when unshare dies), so bound these runs with `timeout -k`.
if unshare --pid --fork --mount-proc="$ROOT/proc" true 2>/dev/null; then
    PID_NAMESPACE=1
    IN_CONTAINER=(env -i PATH="$CONTAINER_PATH" HOME=/nonexistent
        unshare --pid --fork --kill-child --mount-proc="$ROOT/proc"
        chroot --userspec="$APP_UID:$APP_GID" "$ROOT" balance_exporter)
else
    PID_NAMESPACE=
    log "no PID namespace available: plain chroot with /proc mounted; the PID-1 signal check is skipped"
    mount -t proc proc "$ROOT/proc" && PROC_MOUNTED=$ROOT/proc
    IN_CONTAINER=(env -i PATH="$CONTAINER_PATH" HOME=/nonexistent
        chroot --userspec="$APP_UID:$APP_GID" "$ROOT" balance_exporter)
fi

rc=0; version_out=$(timeout -k 5 10 "${IN_CONTAINER[@]}" --version 2>&1) || rc=$?
if [ "$rc" = 0 ] && grep -q 'balance_exporter' <<<"$version_out"; then
    pass "--version runs as $APP_USER in the runtime filesystem ($(head -n 1 <<<"$version_out"))"
else
    fail "--version runs as $APP_USER in the runtime filesystem" "exit $rc: $(head -n 3 <<<"$version_out" | tr '\n' ' ')"
fi

# A port nothing listens on (checked by a refused connection).
free_port() {
    local port tries=0
    while [ "$tries" -lt 50 ]; do
        port=$((20000 + RANDOM % 40000)); tries=$((tries + 1))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return 0; fi
    done
    return 1
}

EXPORTER_PID=
start_exporter() {
    local log=$1; shift
    "${IN_CONTAINER[@]}" "$@" >"$log" 2>&1 &
    if [ -z "$PID_NAMESPACE" ]; then EXPORTER_PID=$!; return; fi
    # $! is unshare; the exporter is its one child (PID 1 inside).
    UNSHARE_PID=$!
    local waited=0
    while [ -z "$EXPORTER_PID" ] && [ "$waited" -lt 50 ]; do
        EXPORTER_PID=$(awk '{ print $1 }' "/proc/$UNSHARE_PID/task/$UNSHARE_PID/children" 2>/dev/null || true)
        [ -n "$EXPORTER_PID" ] || { sleep 0.1; waited=$((waited + 1)); }
    done
}

alive() { [ -n "$EXPORTER_PID" ] && kill -0 "$EXPORTER_PID" 2>/dev/null; }

# Stops what start_exporter started; the argument is the signal to send first.
stop_exporter() {
    local pid
    for pid in $EXPORTER_PID $UNSHARE_PID; do kill -"$1" "$pid" 2>/dev/null || true; done
    for pid in $EXPORTER_PID $UNSHARE_PID; do
        timeout 5 tail --pid="$pid" -f /dev/null 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    done
    EXPORTER_PID= UNSHARE_PID=
}

# http_get URL FILE -> prints the status code (000 when nothing answered).
http_get() {
    curl -sS -o "$2" -w '%{http_code}' --max-time "$HTTP_TIMEOUT" "$1" 2>/dev/null || true
}

# ---------------------------------------------------------------------------------------------------
# (d) The demo exporter, probed from the host

PORT=${PORT:-$(free_port)} || fatal "free loopback port" "none found"
BASE=http://127.0.0.1:$PORT
EXPORTER_LOG=$RUN_DIR/exporter.log
log "(c) balance_exporter --demo --web.listen-address=127.0.0.1:$PORT as $APP_UID:$APP_GID"
start_exporter "$EXPORTER_LOG" --demo --web.listen-address="127.0.0.1:$PORT"

deadline=$((SECONDS + START_TIMEOUT))
status=000
while [ "$SECONDS" -lt "$deadline" ]; do
    status=$(http_get "$BASE/-/healthy" "$RUN_DIR/healthy")
    [ "$status" = 200 ] && break
    alive || break
    sleep 0.2
done
if [ "$status" = 200 ]; then
    pass "/-/healthy answers 200 (demo, in the runtime filesystem)"
else
    fail "/-/healthy answers 200" "status $status; exporter log: $(tail -n 5 "$EXPORTER_LOG" 2>/dev/null | tr '\n' ' ')"
fi

if alive; then
    uid=$(awk '/^Uid:/ { print $2 }' "/proc/$EXPORTER_PID/status" 2>/dev/null || true)
    if [ "$uid" = "$APP_UID" ]; then pass "exporter runs as uid $APP_UID, not root"
    else fail "exporter runs as uid $APP_UID" "uid '$uid'"; fi

    status=$(http_get "$BASE/metrics" "$RUN_DIR/metrics")
    if [ "$status" = 200 ] && grep -q '^balance_exporter_build_info{' "$RUN_DIR/metrics"; then
        pass "/metrics answers 200 with balance_exporter_build_info"
    else
        fail "/metrics answers 200 with balance_exporter_build_info" "status $status"
    fi

    # Kubernetes' readinessProbe (README) uses /-/ready.
    status=$(http_get "$BASE/-/ready" "$RUN_DIR/ready")
    if [ "$status" = 200 ]; then pass "/-/ready answers 200"; else fail "/-/ready answers 200" "status $status"; fi

    # The demo's simulated upstreams are reached through the transport the real ones use, so an
    # account up means a real refresh works in the runtime filesystem (plain HTTP; HTTPS is (e)).
    deadline=$((SECONDS + START_TIMEOUT))
    up=
    while [ "$SECONDS" -lt "$deadline" ] && alive; do
        status=$(http_get "$BASE/metrics" "$RUN_DIR/metrics")
        if grep -qE '^balance_up\{[^}]*\} 1$' "$RUN_DIR/metrics" 2>/dev/null; then up=1; break; fi
        sleep 1
    done
    if [ -n "$up" ]; then
        pass "demo accounts refresh (balance_up 1: $(grep -cE '^balance_up\{[^}]*\} 1$' "$RUN_DIR/metrics") of $(grep -c '^balance_up{' "$RUN_DIR/metrics"))"
    else
        fail "demo accounts refresh (some balance_up 1 within ${START_TIMEOUT}s)" "$(grep '^balance_up' "$RUN_DIR/metrics" 2>/dev/null | tr '\n' ' ')"
    fi

    # HEALTHCHECK CMD ["balance_exporter", "--health-check"], here with the demo's address.
    rc=0; timeout -k 5 15 "${IN_CONTAINER[@]}" --health-check --web.listen-address="127.0.0.1:$PORT" >/dev/null 2>&1 || rc=$?
    if [ "$rc" = 0 ]; then pass "--health-check exits 0 while the exporter is up"
    else fail "--health-check exits 0 while the exporter is up" "exit $rc"; fi

    # `docker stop`: SIGTERM to PID 1, SIGKILL 10 s later. PID 1 has no default action for SIGTERM,
    # so the exporter must handle it to stop in time.
    if [ -n "$PID_NAMESPACE" ]; then
        kill -TERM "$EXPORTER_PID"
        rc=0; timeout "$STOP_GRACE" tail --pid="$EXPORTER_PID" -f /dev/null 2>/dev/null || rc=$?
        if [ "$rc" = 0 ]; then
            code=0; wait "$UNSHARE_PID" 2>/dev/null || code=$?
            pass "stops within ${STOP_GRACE}s of SIGTERM as PID 1 (docker stop; exit status $code)"
            EXPORTER_PID= UNSHARE_PID=
        else
            fail "stops within ${STOP_GRACE}s of SIGTERM as PID 1 (docker stop)" "still running: docker would SIGKILL it"
        fi
    else
        skip "stops on SIGTERM as PID 1" "no PID namespace"
    fi
else
    fail "exporter keeps running" "exited; log: $(tail -n 5 "$EXPORTER_LOG" 2>/dev/null | tr '\n' ' ')"
fi
stop_exporter KILL

# The health check must be able to fail: nothing listens on this port.
if idle_port=$(free_port); then
    rc=0; timeout -k 5 15 "${IN_CONTAINER[@]}" --health-check --web.listen-address="127.0.0.1:$idle_port" >/dev/null 2>&1 || rc=$?
    if [ "$rc" = 1 ]; then pass "--health-check exits 1 when nothing answers"
    else fail "--health-check exits 1 when nothing answers" "exit $rc"; fi
fi

# The README's file convention: configuration in /etc/balance_exporter, secrets as *_file under
# /run/secrets, readable by the image's user (group APP_GID, mode 0640) and by nobody else.
install -d -m 0755 "$ROOT/run/secrets"
printf 'AKIDexample\n' >"$ROOT/run/secrets/tencentcloud_secret_id"
printf 'example-secret-key\n' >"$ROOT/run/secrets/tencentcloud_secret_key"
cat >"$ROOT/etc/balance_exporter/config.json" <<'JSON'
{
  "accounts": [
    {
      "name": "production",
      "provider": "tencentcloud",
      "secret_id_file": "/run/secrets/tencentcloud_secret_id",
      "secret_key_file": "/run/secrets/tencentcloud_secret_key"
    }
  ]
}
JSON
chown "0:$APP_GID" "$ROOT/etc/balance_exporter/config.json" "$ROOT/run/secrets/"*
chmod 0640 "$ROOT/etc/balance_exporter/config.json" "$ROOT/run/secrets/"*
rc=0; check_out=$(timeout -k 5 15 "${IN_CONTAINER[@]}" --config.check --config.file=/etc/balance_exporter/config.json 2>&1) || rc=$?
if [ "$rc" = 0 ] && grep -q 'configuration OK: 1 account' <<<"$check_out" && ! grep -qi 'warning' <<<"$check_out"; then
    pass "mounted config.json with *_file secrets (0640, group $APP_GID) loads as $APP_USER without warnings"
else
    fail "mounted config.json with *_file secrets loads as $APP_USER" "exit $rc: $(tr '\n' ' ' <<<"$check_out")"
fi

# ---------------------------------------------------------------------------------------------------
# (e) HTTPS to the upstreams through the OpenSSL inside the binary, trusting the image's CA bundle

UPSTREAM_LOG=$RUN_DIR/upstreams.log
# Stops the fake upstreams (SIGKILL: a run started by the test suite may pass them a blocked SIGTERM).
stop_upstreams() {
    local pid
    for pid in $UPSTREAM_PIDS; do kill -KILL "$pid" 2>/dev/null || true; done
    for pid in $UPSTREAM_PIDS; do wait "$pid" 2>/dev/null || true; done
    UPSTREAM_PIDS=
}

# A throwaway CA and a server certificate for localhost and 127.0.0.1 signed by it, and a self-signed
# certificate for 127.0.0.1 that no bundle holds (so only trust, not the name, fails): EC P-256, 2 days,
# as Tests/BalanceTestSupport/TLSTestServer.swift makes them.
TLS_DIR=$RUN_DIR/tls
mkdir -p "$TLS_DIR"
if (
    set -e
    cd "$TLS_DIR"
    key=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
    openssl req -x509 "${key[@]}" -keyout ca.key -out ca.pem -days 2 -subj "/CN=balance_exporter verify_image CA" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
    openssl req "${key[@]}" -keyout trusted.key -out trusted.csr -subj "/CN=localhost"
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >trusted.ext
    openssl x509 -req -in trusted.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out trusted.pem -days 2 -extfile trusted.ext
    openssl req -x509 "${key[@]}" -keyout untrusted.key -out untrusted.pem -days 2 -subj "/CN=127.0.0.1" \
        -addext "subjectAltName=IP:127.0.0.1"
) >"$TLS_DIR/openssl.log" 2>&1; then
    # Only the per-run copy of the root filesystem trusts the throwaway CA.
    cat "$TLS_DIR/ca.pem" >>"$ROOT/etc/ssl/certs/ca-certificates.crt"
    TLS_READY=1
else
    fail "test certificates made with openssl" "$(tail -n 3 "$TLS_DIR/openssl.log" | tr '\n' ' ')"
    TLS_READY=
fi

TRUSTED_PORT=$(free_port) && UNTRUSTED_PORT=$(free_port) && TLS_EXPORTER_PORT=$(free_port) \
    || { fail "free loopback ports for the HTTPS check"; TLS_READY=; }
if [ -n "$TLS_READY" ] && { [ "$TRUSTED_PORT" = "$UNTRUSTED_PORT" ] || [ "$TLS_EXPORTER_PORT" = "$TRUSTED_PORT" ] \
    || [ "$TLS_EXPORTER_PORT" = "$UNTRUSTED_PORT" ]; }; then
    fail "free loopback ports for the HTTPS check" "the same port drawn twice"; TLS_READY=
fi

if [ -n "$TLS_READY" ]; then
    python3 "$REPO/Tests/bench/fake_upstream.py" "$TRUSTED_PORT" --tls "$TLS_DIR/trusted.pem" "$TLS_DIR/trusted.key" >>"$UPSTREAM_LOG" 2>&1 &
    UPSTREAM_PIDS="$UPSTREAM_PIDS $!"
    python3 "$REPO/Tests/bench/fake_upstream.py" "$UNTRUSTED_PORT" --tls "$TLS_DIR/untrusted.pem" "$TLS_DIR/untrusted.key" >>"$UPSTREAM_LOG" 2>&1 &
    UPSTREAM_PIDS="$UPSTREAM_PIDS $!"
    # Both answer HTTPS (checked from the host with curl, trusting each one's own certificate).
    deadline=$((SECONDS + START_TIMEOUT))
    s1=000 s2=000
    while [ "$SECONDS" -lt "$deadline" ]; do
        [ "$s1" = 200 ] || s1=$(curl -sS -o /dev/null -w '%{http_code}' --max-time "$HTTP_TIMEOUT" --cacert "$TLS_DIR/ca.pem" \
            "https://localhost:$TRUSTED_PORT/__counts" 2>/dev/null || true)
        [ "$s2" = 200 ] || s2=$(curl -sS -o /dev/null -w '%{http_code}' --max-time "$HTTP_TIMEOUT" --cacert "$TLS_DIR/untrusted.pem" \
            "https://127.0.0.1:$UNTRUSTED_PORT/__counts" 2>/dev/null || true)
        [ "$s1" = 200 ] && [ "$s2" = 200 ] && break
        sleep 0.2
    done
    if [ "$s1" != 200 ] || [ "$s2" != 200 ]; then
        fail "fake HTTPS upstreams answer" "localhost:$TRUSTED_PORT status $s1, 127.0.0.1:$UNTRUSTED_PORT status $s2; log: $(tail -n 5 "$UPSTREAM_LOG" | tr '\n' ' ')"
        TLS_READY=
    fi
fi

if [ -n "$TLS_READY" ]; then
    cat >"$ROOT/etc/balance_exporter/tls.json" <<JSON
{
  "accounts": [
    {"name": "trusted", "provider": "tencentcloud", "endpoint": "https://localhost:$TRUSTED_PORT",
     "secret_id": "AKIDbench0", "secret_key": "x"},
    {"name": "untrusted", "provider": "tencentcloud", "endpoint": "https://127.0.0.1:$UNTRUSTED_PORT",
     "secret_id": "AKIDbench1", "secret_key": "x"}
  ]
}
JSON
    chown "0:$APP_GID" "$ROOT/etc/balance_exporter/tls.json"
    chmod 0640 "$ROOT/etc/balance_exporter/tls.json"

    TLS_BASE=http://127.0.0.1:$TLS_EXPORTER_PORT
    TLS_EXPORTER_LOG=$RUN_DIR/exporter-tls.log
    log "(e) balance_exporter --config.file=/etc/balance_exporter/tls.json (upstreams https://localhost:$TRUSTED_PORT, https://127.0.0.1:$UNTRUSTED_PORT)"
    start_exporter "$TLS_EXPORTER_LOG" --config.file=/etc/balance_exporter/tls.json --web.listen-address="127.0.0.1:$TLS_EXPORTER_PORT"

    # balance_up is labelled {provider, uin}; balance_account_info{provider, uin, name, currency} says
    # which uin is which account: the uin the upstream reported once it answered, else the name.
    uin_of() { sed -nE "s/^balance_account_info\\{.*uin=\"([^\"]*)\".*name=\"$1\".*/\\1/p" "$2" | head -n 1; }
    up_of() { sed -nE "s/^balance_up\\{.*uin=\"$1\".*\\} ([0-9]+)$/\\1/p" "$2" | head -n 1; }
    metrics=$RUN_DIR/metrics-tls
    deadline=$((SECONDS + START_TIMEOUT))
    trusted_uin= untrusted_uin= trusted_up= untrusted_up= status=000
    while [ "$SECONDS" -lt "$deadline" ] && alive; do
        # The first scrape refreshes both accounts and waits for them (9.5 s at most).
        status=$(http_get "$TLS_BASE/metrics" "$metrics")
        if [ "$status" = 200 ]; then
            trusted_uin=$(uin_of trusted "$metrics"); untrusted_uin=$(uin_of untrusted "$metrics")
            trusted_up=$(up_of "$trusted_uin" "$metrics"); untrusted_up=$(up_of "$untrusted_uin" "$metrics")
            [ "$trusted_up" = 1 ] && [ -n "$untrusted_up" ] && break
        fi
        sleep 0.5
    done

    if [ "$trusted_up" = 1 ]; then
        pass "HTTPS upstream with a certificate from the image's CA bundle: balance_up 1 (uin $trusted_uin, https://localhost)"
    else
        fail "HTTPS upstream with a certificate from the image's CA bundle: balance_up 1" \
            "status $status, uin '$trusted_uin', balance_up '$trusted_up'; log: $(grep 'account=trusted' "$TLS_EXPORTER_LOG" | tail -n 2 | tr '\n' ' ')"
    fi

    errors=$(sed -nE "s/^balance_upstream_errors_total\\{.*uin=\"$untrusted_uin\".*reason=\"tls\".*\\} ([0-9]+)$/\\1/p" "$metrics" | head -n 1)
    tls_logged=$(grep -E 'account=("?)untrusted\1( |$)' "$TLS_EXPORTER_LOG" | grep -oE 'TLS handshake failed[^"]*' | head -n 1 || true)
    if [ "$untrusted_up" = 0 ] && [ "${errors:-0}" -ge 1 ] && [ -n "$tls_logged" ]; then
        pass "HTTPS upstream with a certificate outside the bundle: balance_up 0, reason tls ($tls_logged)"
    else
        fail "HTTPS upstream with a certificate outside the bundle: balance_up 0, reason tls, TLS logged" \
            "balance_up '$untrusted_up', tls errors '${errors:-}', log: $(grep 'account=' "$TLS_EXPORTER_LOG" | tail -n 2 | tr '\n' ' ')"
    fi

    if alive; then
        stop_exporter TERM
    else
        fail "exporter keeps running (HTTPS check)" "exited; log: $(tail -n 5 "$TLS_EXPORTER_LOG" 2>/dev/null | tr '\n' ' ')"
        stop_exporter KILL
    fi
fi
stop_upstreams
