#!/usr/bin/env bash
# Prints the Dockerfile's SWIFT_BUILD_FLAGS (its `ARG SWIFT_BUILD_FLAGS="..."` line), so the bench and
# the soak build exactly the binary that ships: read -r -a flags <<<"$(Tests/container/build_flags.sh)"
set -euo pipefail
line=$(grep -E '^ARG SWIFT_BUILD_FLAGS=' "$(dirname "$0")/../../Dockerfile" | head -n 1) || true
[ -n "$line" ] || { echo "no 'ARG SWIFT_BUILD_FLAGS=' line in Dockerfile" >&2; exit 1; }
line=${line#ARG SWIFT_BUILD_FLAGS=}
line=${line%\"}
printf '%s\n' "${line#\"}"
