#!/usr/bin/env bash
# Builds the libFuzzer binary for every fuzz target and runs each target for
# a bounded time. Usage: Tests/fuzz/run.sh [SECONDS_PER_TARGET] (default 20).
#   FUZZ_TARGETS="config duration"  run only these targets
#   FUZZ_BUILD_DIR=dir              where the binary is built and cached
#                                   (default .build/fuzz; rebuilt only when a
#                                   source or harness file is newer)
#   SWIFTC=path                     the compiler (default: swiftc on PATH)
# The repository is not modified: corpora are copied to a temp dir; crashes
# go to a temp artifacts dir whose path is printed. Exits non-zero if any
# target fails.
set -u

SECONDS_PER_TARGET=${1:-20}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
FUZZ_DIR="$ROOT/Tests/fuzz"
BUILD_DIR=${FUZZ_BUILD_DIR:-$ROOT/.build/fuzz}
SWIFTC=${SWIFTC:-swiftc}
BIN="$BUILD_DIR/balance-fuzz"

mkdir -p "$BUILD_DIR"
# The library modules the targets test, in dependency order (Package.swift), and
# each one's C module maps; the simulators and the app are not fuzzed.
modules="BalanceSupport BalanceCrypto BalanceSockets BalanceHTTP BalanceCore BalanceTencentCloud BalanceYeastar BalanceAlibabaCloud BalanceHuaweiCloud BalanceVolcengine"
module_sources() { find "$ROOT/Sources/$1" -name '*.swift' | sort; }
if [ ! -x "$BIN" ] || [ -n "$(find "$ROOT/Sources" "$FUZZ_DIR" -name "*.swift" -newer "$BIN" | head -1)" ]; then
    echo "fuzz: building $BIN"
    start=$(date +%s)
    # Each module on its own, as SwiftPM builds it (its own module name, the
    # package's name for `package` access, -enable-testing so the harnesses'
    # `@testable import` reaches internal decoders), instrumented for
    # libFuzzer and AddressSanitizer; then the harnesses, linked with them.
    # Swift 6 mode like the package. CZlib, COpenSSL: the system zlib and
    # OpenSSL through the package's module maps.
    common=(-swift-version 6 -sanitize=fuzzer,address -parse-as-library -O -enable-testing
            -package-name balance_exporter -enable-upcoming-feature MemberImportVisibility
            -I "$BUILD_DIR" -I "$ROOT/Sources/CZlib" -I "$ROOT/Sources/COpenSSL")
    : >"$BUILD_DIR/build.log"
    libraries=()
    for module in $modules; do
        # shellcheck disable=SC2046
        if ! "$SWIFTC" "${common[@]}" -module-name "$module" -emit-module -emit-module-path "$BUILD_DIR/$module.swiftmodule" \
                -emit-library -static -o "$BUILD_DIR/lib$module.a" $(module_sources "$module") >>"$BUILD_DIR/build.log" 2>&1; then
            grep -v "Cannot export local symbol" "$BUILD_DIR/build.log" | tail -40
            echo "fuzz: build of $module failed (log: $BUILD_DIR/build.log)"
            echo "fuzz: 0 passed, 1 failed"
            exit 1
        fi
        # Static libraries link dependents first: prepend each one.
        libraries=("$BUILD_DIR/lib$module.a" "${libraries[@]}")
    done
    # shellcheck disable=SC2046
    if ! "$SWIFTC" "${common[@]}" -module-name BalanceFuzz $(find "$FUZZ_DIR" -name '*.swift' | sort) \
            "${libraries[@]}" -lz -lssl -lcrypto -o "$BIN.tmp" >>"$BUILD_DIR/build.log" 2>&1; then
        grep -v "Cannot export local symbol" "$BUILD_DIR/build.log" | tail -40
        echo "fuzz: build failed (log: $BUILD_DIR/build.log)"
        echo "fuzz: 0 passed, 1 failed"
        exit 1
    fi
    mv "$BIN.tmp" "$BIN"
    echo "fuzz: built in $(( $(date +%s) - start )) s"
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/balance-fuzz.XXXXXX")
cd "$WORK" || exit 1
# The binary knows its targets: without FUZZ_TARGET it lists them.
all_targets=$(FUZZ_TARGET= "$BIN" -runs=0 2>&1 </dev/null | sed -n 's/^set FUZZ_TARGET to one of: //p')
targets=${FUZZ_TARGETS:-$all_targets}
if [ -z "$targets" ]; then echo "fuzz: no targets"; echo "fuzz: 0 passed, 1 failed"; exit 1; fi
echo "fuzz: ${SECONDS_PER_TARGET} s per target; corpora, logs and crash artifacts in $WORK"

dict_for() {
    case "$1" in
        http_request|http_response) echo http ;;
        accept|accept_encoding) echo negotiation ;;
        json|config|tencent_balance|yeastar_token|yeastar_balance|alibaba_balance|alibaba_credentials|volcengine_balance|volcengine_sts) echo json ;;
        duration) echo duration ;;
        huawei_balance|huawei_credentials) echo huawei ;;
        yaml|web_config) echo yaml ;;
        *) echo "" ;;
    esac
}

passed=0
failed=0
for target in $targets; do
    corpus="$WORK/corpus/$target"
    artifacts="$WORK/artifacts/$target"
    log="$WORK/logs/$target.log"
    mkdir -p "$corpus" "$artifacts" "$WORK/logs"
    if [ -d "$FUZZ_DIR/corpus/$target" ]; then cp "$FUZZ_DIR/corpus/$target/"* "$corpus/" 2>/dev/null; fi
    dict=$(dict_for "$target")
    dict_arg=()
    if [ -n "$dict" ] && [ -f "$FUZZ_DIR/dict/$dict.dict" ]; then dict_arg=("-dict=$FUZZ_DIR/dict/$dict.dict"); fi
    # Swift's runtime keeps metadata caches alive on purpose: leak reports
    # at exit would be noise, so only crashes, sanitizer errors, broken
    # invariants, timeouts and memory blow-ups count.
    # SWIFT_BACKTRACE=enable=no: let libFuzzer, not the Swift backtracer, handle a trap.
    SWIFT_BACKTRACE=enable=no FUZZ_TARGET="$target" "$BIN" "$corpus" "${dict_arg[@]}" \
        -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
        -detect_leaks=0 -print_final_stats=1 -artifact_prefix="$artifacts/" \
        </dev/null >"$log" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
    if [ "$rc" -eq 0 ] && [ -z "$(ls -A "$artifacts")" ]; then
        passed=$((passed + 1))
        echo "fuzz: PASS $target: ${execs:-?} runs, ${rate:-?} exec/s, ${cov:-cov: ?}"
    else
        failed=$((failed + 1))
        echo "fuzz: FAIL $target (exit $rc): artifacts in $artifacts, log $log"
        grep -E "invariant failed|Fatal error|ERROR: |SUMMARY|Test unit written" "$log" | head -8 | sed 's/^/    /'
    fi
done

echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
