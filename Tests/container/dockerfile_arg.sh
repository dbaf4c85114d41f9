#!/usr/bin/env bash
# dockerfile_arg.sh NAME: prints the value of the Dockerfile's `ARG NAME="value"` line (one line,
# double-quoted or bare). verify_image.sh reads its facts with it, and the bench and the soak build
# exactly the binary that ships: read -r -a flags <<<"$(Tests/container/dockerfile_arg.sh SWIFT_BUILD_FLAGS)"
set -euo pipefail
name=${1:?usage: dockerfile_arg.sh NAME}
dockerfile="$(dirname "$0")/../../Dockerfile"
line=$(grep -E "^ARG $name=" "$dockerfile" | head -n 1) || true
[ -n "$line" ] || { echo "no 'ARG $name=' line in $dockerfile" >&2; exit 1; }
line=${line#"ARG $name="}
line=${line%\"}
printf '%s\n' "${line#\"}"
