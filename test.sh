#!/usr/bin/env bash
# Runs every Vigil test. Installs and starts what the tests need by itself, so it works on a fresh machine.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# The servers the tests need (PostgreSQL, Kafka) start here and stop when this script exits, unless VIGIL_KEEP_DEPS=1
# keeps them for the next run (docs/testing.md). Without CI=true, a server that cannot start only warns: the tests
# that need it then report themselves skipped.
stop_deps() {
  if [ "${VIGIL_KEEP_DEPS:-0}" = 1 ]; then
    echo "test-deps: left running (VIGIL_KEEP_DEPS=1); scripts/stop-test-deps.sh stops them"
  else
    scripts/stop-test-deps.sh || true
  fi
}
trap stop_deps EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
deps_started=$SECONDS
for script in scripts/test-deps/*.sh; do
  [ -e "$script" ] || continue
  if ! bash "$script" start; then
    [ "${CI:-}" = true ] && exit 1
    echo "test-deps: $script failed; continuing, the tests that need it will be skipped" >&2
  fi
done
echo "test-deps: ready in $((SECONDS - deps_started))s"
# Tell the tests where the servers are; a variable already set by hand wins.
if [ -f artifacts/test-deps/env ]; then
  while IFS= read -r line; do
    name="${line%%=*}"
    [ -n "${!name:-}" ] || eval "export $line"
  done <artifacts/test-deps/env
fi

results="$root/artifacts/test-results"
rm -rf "$results" && mkdir -p "$results"
log="$results/dotnet-test.log"

status=0
dotnet test Vigil.slnx -c Release --nologo --results-directory "$results" "$@" 2>&1 | tee "$log" || status=$?

# One closing line for the whole suite: "N passed, N failed, N skipped".
summary=$(grep -E '^(Passed|Failed)!' "$log" | sed -E 's/.*Failed: *([0-9]+), Passed: *([0-9]+), Skipped: *([0-9]+).*/\1 \2 \3/' \
  | awk '{f+=$1; p+=$2; s+=$3} END {printf "%d passed, %d failed, %d skipped", p, f, s}')
projects=$(grep -cE '^(Passed|Failed)!' "$log" || true)
echo
echo "Test projects run: $projects"
echo "$summary"
if [ "$status" -ne 0 ] || [ "$projects" -lt 3 ]; then
  exit "$(( status == 0 ? 1 : status ))"
fi
