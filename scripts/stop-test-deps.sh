#!/usr/bin/env bash
# Stops the servers scripts/test-deps/*.sh started for this checkout (test.sh does this on exit unless VIGIL_KEEP_DEPS=1).
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
status=0
for script in scripts/test-deps/*.sh; do
  [ -e "$script" ] && { bash "$script" stop || status=$?; }
done
exit "$status"
