#!/usr/bin/env bash
# Checks the Prometheus rules and the Grafana dashboard in dashboards/.
#
# Usage: Tests/dashboards/run_rule_tests.sh [--no-live]
#
#   1. promtool check rules --lint=all --lint-fatal dashboards/alerts.yml
#   2. promtool test rules dashboards/alerts_test.yml     (every alert firing and not, recording rules)
#   3. validate_dashboard.py dashboards/balance-exporter.json  (Grafana schema + panel conventions)
#   4. unit tests of the dashboard tools (test_dashboard_tools.py)
#   5. live_check.py: a real Prometheus on 127.0.0.1 scraping a sample page; every dashboard query
#      must return data and the sample's alerts must go pending (skipped with --no-live)
#
# Needs: apt-get install -y prometheus; pip install grafana-foundation-sdk jsonschema
# Runs every step, then exits 1 if any failed.
set -u
cd "$(dirname "$0")/../.." || exit 1
export PYTHONDONTWRITEBYTECODE=1

live=1
for arg in "$@"; do
  case "$arg" in
    --no-live) live=0 ;;
    *) echo "usage: $0 [--no-live]" >&2; exit 2 ;;
  esac
done

passed=0
failed=0
failures=()

step() {
  local name="$1"; shift
  echo "==> $name: $*"
  if "$@"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    failures+=("$name")
    echo "==> FAILED: $name" >&2
  fi
}

step "lint rules" promtool check rules --lint=all --lint-fatal dashboards/alerts.yml
step "rule unit tests" promtool test rules dashboards/alerts_test.yml
step "dashboard schema and conventions" python3 Tests/dashboards/validate_dashboard.py dashboards/balance-exporter.json
step "dashboard tool unit tests" python3 -m unittest discover -s Tests/dashboards -p 'test_*.py'
if [ "$live" = 1 ]; then
  step "queries and alerts on a live Prometheus" python3 Tests/dashboards/live_check.py
fi

if [ "$failed" -gt 0 ]; then
  echo "run_rule_tests: failed: ${failures[*]}" >&2
fi
echo "run_rule_tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
