#!/usr/bin/env bash
# Tests/bench/bcrypt.sh [COST] [RUNS]
#   Times BcryptHash.verify (Sources/BalanceExporter/Crypto/Bcrypt.swift) compiled alone with -O, as
#   the release build compiles it, at COST (default 10) RUNS times (default 5); then, for comparison,
#   `htpasswd -vb` (apr-util's C crypt_blowfish, apache2-utils) on the same hash. Loopback-free, no network.
set -euo pipefail
cd "$(dirname "$0")/../.."
cost=${1:-10}
runs=${2:-5}
work=$(mktemp -d "${TMPDIR:-/tmp}/bcrypt-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
hash=$(htpasswd -nbBC "$cost" bench "correct horse" | cut -d: -f2- | tr -d '\n')
cat >"$work/main.swift" <<SWIFT
import Glibc
let hash = try BcryptHash("$hash")
var times: [Double] = []
for _ in 0..<$runs {
    var start = timespec(), end = timespec()
    clock_gettime(CLOCK_MONOTONIC, &start)
    precondition(hash.verify(Array("correct horse".utf8)))
    clock_gettime(CLOCK_MONOTONIC, &end)
    times.append(Double(end.tv_sec - start.tv_sec) * 1000 + Double(end.tv_nsec - start.tv_nsec) / 1e6)
}
print("swift -O: cost $cost verify, ms per check: " + times.map { String(Int(\$0.rounded())) }.joined(separator: " "))
SWIFT
swiftc -O -parse-as-library -package-name bench -module-name BcryptBench Sources/BalanceExporter/Crypto/Bcrypt.swift "$work/main.swift" -o "$work/bench" 2>/dev/null \
  || swiftc -O -package-name bench -module-name BcryptBench Sources/BalanceExporter/Crypto/Bcrypt.swift "$work/main.swift" -o "$work/bench"
"$work/bench"
printf 'bench:%s\n' "$hash" >"$work/htpasswd"
start=$(date +%s%N)
for _ in $(seq "$runs"); do htpasswd -vb "$work/htpasswd" bench "correct horse" >/dev/null 2>&1; done
echo "htpasswd -vb (C, process start included): ms per check: $(( ($(date +%s%N) - start) / 1000000 / runs ))"
