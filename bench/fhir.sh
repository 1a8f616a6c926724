#!/usr/bin/env bash
# Vigil FHIR bundle ingest benchmark: one run, results written to docs/benchmarks.md (the section between the
# bench-fhir markers). bench/run.sh runs it after the ingest benchmark; it can also be run alone.
#
#   limit      the plain SQLite insert of the same rows (bench/run.sh's (a) reference: one prepared statement per row,
#              BENCH_BATCH rows per transaction, the product's pragmas and schema).
#   FHIR       against one fresh `vigil serve` (Release, embedded mode): `Vigil.Bench http --format fhir`, BENCH_FHIR_CLIENTS
#              clients POSTing transaction Bundles of BENCH_BATCH heart-rate Observations (LOINC 8867-4, the same readings
#              as the JSON load) to /fhir, counted on a 200 whose transaction-response has 201 Created for every entry;
#              beside it, on the same server, the JSON batches of (a) for comparison.
#
# Environment (defaults in brackets):
#   BENCH_SECONDS [20]  measured seconds per step      BENCH_WARMUP [5]   warm-up seconds before each step
#   BENCH_FHIR_CLIENTS [4] clients                     BENCH_BATCH [1000] Observations per Bundle, rows per transaction
#   BENCH_PATIENTS [200] patient pool                  BENCH_VIGIL_ARGS [""] extra arguments for `vigil serve`
#   BENCH_REPORT [docs/benchmarks.md]  BENCH_WORK_DIR [artifacts/bench-run.XXXXXX]  BENCH_KEEP [0]  as for run.sh
#   BENCH_BUILD [1]  0 skips the Release builds (run.sh has just made them)
# Only 127.0.0.1 is used. Every wait is bounded. All started processes are stopped on exit.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

seconds="${BENCH_SECONDS:-20}"
warmup="${BENCH_WARMUP:-5}"
clients="${BENCH_FHIR_CLIENTS:-4}"
batch="${BENCH_BATCH:-1000}"
patients="${BENCH_PATIENTS:-200}"
vigil_args="${BENCH_VIGIL_ARGS:-}"
report="${BENCH_REPORT:-$root/docs/benchmarks.md}"
keep="${BENCH_KEEP:-0}"

# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"

if [ "${BENCH_BUILD:-1}" = 1 ]; then build; fi
load_before="$(load_average)"
log "load average before the run: $load_before"

sqlite_reference fhir
sqlite_rate="$(field "$sqlite_line" rows_per_s)"

start_vigil vigil-fhir --patients "$patients"
acked=0
lines=()
for format in fhir json; do
  log "$format batches of $batch: $clients clients, ${seconds}s (+${warmup}s warm-up)"
  run_logged "$work/fhir-$format.out" bench http --format "$format" --url "$vigil_url" --key-file "$work/vigil-fhir.key" \
    --clients "$clients" --seconds "$seconds" --warmup "$warmup" --batch "$batch" --patients "$patients"
  line="$(result_line "$work/fhir-$format.out")"
  lines+=("$line")
  acked=$((acked + $(field "$line" total_acked_readings)))
done
fhir_line="${lines[0]}"
json_line="${lines[1]}"
stop_pid "$vigil_pid"
stored="$(field "$(bench count --data-dir "$vigil_data")" readings)"
[ "$stored" -ge "$acked" ] || die "$acked readings acknowledged but only $stored stored"
log "$acked readings acknowledged, $stored stored"

load="$(load_average)"
fhir_rate="$(field "$fhir_line" readings_per_s)"
json_rate="$(field "$json_line" readings_per_s)"
r="$(ratio "$fhir_rate" "$sqlite_rate")"
section="$(mktemp)"
{
  echo "<!-- bench-fhir:begin (written by bench/fhir.sh; do not edit by hand) -->"
  echo "## FHIR bundle ingest"
  echo
  echo "Run $(date -u '+%Y-%m-%d %H:%M UTC') by \`bench/fhir.sh\` (BENCH_SECONDS=$seconds, BENCH_WARMUP=$warmup), one fresh \`vigil serve\`"
  echo "(embedded mode). Load average before / after: $load_before / $load (2 CPUs: far above 2 means noisy figures)."
  echo
  echo "| load | readings/s acknowledged | request p50 ms | request p99 ms | vs plain insert | target >= 0.5 |"
  echo "|---|---|---|---|---|---|"
  echo "| plain SQLite insert (limit) | $(fmt "$sqlite_rate") | $(field "$sqlite_line" batch_p50_ms) | $(field "$sqlite_line" batch_p99_ms) | 1.000 | |"
  echo "| FHIR transaction Bundles of $batch Observations, $clients clients | $(fmt "$fhir_rate") | $(field "$fhir_line" p50_ms) | $(field "$fhir_line" p99_ms) | $r | $(verdict "$r" 0.5) |"
  echo "| JSON batches of $batch readings, same server | $(fmt "$json_rate") | $(field "$json_line" p50_ms) | $(field "$json_line" p99_ms) | $(ratio "$json_rate" "$sqlite_rate") | |"
  echo
  echo "A Bundle is $(field "$fhir_line" body_bytes) bytes, the JSON batch of the same readings $(field "$json_line" body_bytes): FHIR / JSON"
  echo "readings/s is $(ratio "$fhir_rate" "$json_rate"). After the server stopped, the readings table held at least every"
  echo "acknowledged reading ($acked acknowledged, warm-ups included; $stored stored)."
  echo
  echo "### Raw results"
  echo
  echo '```'
  printf '%s\n' "$sqlite_line" "$fhir_line" "$json_line"
  ratio_line fhir-transaction "$fhir_rate" sqlite-insert "$sqlite_rate" 0.5
  echo '```'
  echo
  echo "### Commands"
  echo
  echo '```'
  echo "BENCH_SECONDS=$seconds BENCH_WARMUP=$warmup BENCH_FHIR_CLIENTS=$clients bench/fhir.sh"
  print_commands | sed 's#http://127.0.0.1:[0-9]*#http://127.0.0.1:<port>#g'
  echo '```'
  echo "<!-- bench-fhir:end -->"
} >"$section"

write_section "$report" bench-fhir "$section"
rm -f "$section"
log "report written to $report"
