#!/usr/bin/env bash
# Soak test: the shipped build (the Dockerfile's flags) of `balance_exporter --demo` on a loopback port
# under steady scrapes, reloads and client-side faults for SECONDS (default
# 600), sampling RSS, open fds and threads every 10 s. Prints the series, a
# verdict, and `soak: N passed, N failed`; exits non-zero on any failure.
# Loopback only: the demo's upstreams are simulators inside the process.
#
#   Tests/hardening/soak.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/../.."

duration="${1:-600}"
here="Tests/hardening"

# The shipped binary: the Dockerfile's SWIFT_BUILD_FLAGS, in this script's own scratch path.
flags_text=$(Tests/container/dockerfile_arg.sh SWIFT_BUILD_FLAGS)
read -r -a flags <<<"$flags_text"
flags+=(--scratch-path .build-soak)
echo "soak: swift build ${flags[*]}"
swift build "${flags[@]}" >/dev/null
binary="$(swift build "${flags[@]}" --show-bin-path)/balance_exporter"

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
log="$(mktemp -t soak-exporter.XXXXXX.log)"
"$binary" --demo --web.enable-lifecycle --web.listen-address="127.0.0.1:$port" --log.level=warn >"$log" 2>&1 &
pid=$!
cleanup() {
  if kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid"; wait "$pid" 2>/dev/null || true; fi
}
trap cleanup EXIT

for _ in $(seq 1 100); do
  if curl -fsS "http://127.0.0.1:$port/-/ready" >/dev/null 2>&1; then break; fi
  sleep 0.1
done
echo "soak: exporter pid $pid on 127.0.0.1:$port for ${duration}s (log: $log)"

report="$(mktemp -t soak-report.XXXXXX)"
python3 "$here/soak_client.py" "$port" "$pid" "$duration" | tee "$report" || true

# The exporter must also stop cleanly on SIGTERM after all that.
kill -TERM "$pid" 2>/dev/null || true
if wait "$pid"; then
  echo "PASS exit: the exporter exited 0 on SIGTERM" | tee -a "$report"
else
  echo "FAIL exit: the exporter did not exit 0 on SIGTERM" | tee -a "$report"
fi
trap - EXIT
errors="$(grep -c 'level=error' "$log" || true)"
echo "exporter log: $errors line(s) at level=error (kept at $log)"
passed="$(grep -c '^PASS' "$report" || true)"
failed="$(grep -c '^FAIL' "$report" || true)"
rm -f "$report"
echo "soak: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
