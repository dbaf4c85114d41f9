#!/usr/bin/env bash
# Tests/bench/run.sh [--quick] [bench.py options]
#   Builds the release binary as the Dockerfile does, then runs bench.py (exporter vs nginx, go-static,
#   go-promhttp for N = 100, 1000, 10000, with the bare request and Prometheus 3's; then the refresh
#   phase of 10,000 accounts; --quick: N = 100 only). Loopback only; bounded by a hard 45-minute
#   timeout (about 17 minutes in all).
#   The reference peers are not part of this repository: BENCH_PEERS names the directory of that kit
#   (its setup.sh installs wrk and nginx and builds the Go peer, once; bench.sh drives wrk, rss.sh
#   reads RSS, nginx/run.sh serves a body). Env BENCH_WORK (default /tmp/balance-bench), PORT_BASE
#   (default 19370).
set -euo pipefail
cd "$(dirname "$0")/../.."
peers=${BENCH_PEERS:?"set BENCH_PEERS to the directory of the reference peers (bench.sh, rss.sh, nginx/, setup.sh)"}
[ -x "$peers/bench.sh" ] || { echo "no bench.sh in BENCH_PEERS=$peers" >&2; exit 1; }
[ -x "${BENCH_WORK:-/tmp/balance-bench}/bin/go-peer" ] && command -v wrk >/dev/null && command -v nginx >/dev/null \
  || { echo "run $peers/setup.sh first" >&2; exit 1; }
export BENCH_PEERS
# The shipped binary: the Dockerfile's SWIFT_BUILD_FLAGS, built in this script's own scratch path.
flags_text=$(Tests/container/dockerfile_arg.sh SWIFT_BUILD_FLAGS)
read -r -a flags <<<"$flags_text"
flags+=(--scratch-path .build-bench)
echo "run.sh: swift build ${flags[*]}" >&2
swift build "${flags[@]}" >&2
exec timeout -k 10 2700 python3 Tests/bench/bench.py --binary "$(swift build "${flags[@]}" --show-bin-path)/balance_exporter" "$@"
