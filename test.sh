#!/usr/bin/env bash
# Runs every Vigil test. Installs and starts what the tests need by itself, so it works on a fresh machine.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

for script in scripts/test-deps/*.sh; do
  [ -e "$script" ] && bash "$script"
done

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
