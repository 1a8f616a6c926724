#!/usr/bin/env bash
# Vigil gRPC ingest benchmark: one run, results written to docs/benchmarks.md (the section between the bench-grpc
# markers). bench/run.sh runs it after the ingest benchmark; it can also be run alone.
#
#   Against one fresh `vigil serve` (Release, embedded mode), for each client count: the batched HTTP ingest of (a) in
#   bench/run.sh (POSTs of BENCH_BATCH readings), then client-streaming vigil.v1.IngestService/Ingest over h2c
#   (streams of BENCH_GRPC_STREAM readings, BENCH_GRPC_PER_MESSAGE readings to a message, one HTTP/2 connection per
#   client). Both count readings only once the server's answer says they are durable and all accepted. The limit
#   each is compared with: the plain SQLite insert of the same rows (bench/run.sh's (a) reference, one prepared
#   statement per row, the product's pragmas and schema), measured first in the same run.
#
# Environment (defaults in brackets):
#   BENCH_SECONDS [20]  measured seconds per step      BENCH_WARMUP [5]   warm-up seconds before each step
#   BENCH_GRPC_CLIENTS ["4"] client counts             BENCH_BATCH [1000] readings per HTTP POST
#   BENCH_GRPC_STREAM [20000] readings per gRPC stream BENCH_GRPC_PER_MESSAGE ["1 100"] readings per stream message
#   BENCH_PATIENTS [200] patient pool
#   BENCH_VIGIL_ARGS [""] extra arguments for `vigil serve`; default: as shipped
#   BENCH_REPORT [docs/benchmarks.md]  BENCH_WORK_DIR [artifacts/bench-run.XXXXXX]  BENCH_KEEP [0]  as for run.sh
#   BENCH_BUILD [1]  0 skips the Release builds (run.sh has just made them)
# Only 127.0.0.1 is used. Every wait is bounded. All started processes are stopped on exit.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

seconds="${BENCH_SECONDS:-20}"
warmup="${BENCH_WARMUP:-5}"
clients_list="${BENCH_GRPC_CLIENTS:-4}"
batch="${BENCH_BATCH:-1000}"
stream="${BENCH_GRPC_STREAM:-20000}"
per_message_list="${BENCH_GRPC_PER_MESSAGE:-1 100}"
patients="${BENCH_PATIENTS:-200}"
vigil_args="${BENCH_VIGIL_ARGS:-}"
report="${BENCH_REPORT:-$root/docs/benchmarks.md}"
keep="${BENCH_KEEP:-0}"

# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"

if [ "${BENCH_BUILD:-1}" = 1 ]; then build; fi
load_before="$(load_average)"
log "load average before the run: $load_before"

sqlite_reference grpc
sqlite_rate="$(field "$sqlite_line" rows_per_s)"

start_vigil vigil-grpc --patients "$patients"
http_lines=()
grpc_lines=()
acked=0
for c in $clients_list; do
  log "HTTP batched ingest: $c clients, ${seconds}s (+${warmup}s warm-up)"
  run_logged "$work/grpc-http-$c.out" bench http --url "$vigil_url" --key-file "$work/vigil-grpc.key" --clients "$c" \
    --seconds "$seconds" --warmup "$warmup" --batch "$batch" --patients "$patients"
  line="$(result_line "$work/grpc-http-$c.out")"
  http_lines+=("$line")
  acked=$((acked + $(field "$line" total_acked_readings)))
  for m in $per_message_list; do
    log "gRPC streaming ingest: $c clients, $m readings per message, ${seconds}s (+${warmup}s warm-up)"
    run_logged "$work/grpc-$c-$m.out" bench grpc --url "$vigil_grpc_url" --key-file "$work/vigil-grpc.key" --clients "$c" \
      --seconds "$seconds" --warmup "$warmup" --stream-readings "$stream" --per-message "$m" --patients "$patients"
    line="$(result_line "$work/grpc-$c-$m.out")"
    grpc_lines+=("$line")
    acked=$((acked + $(field "$line" total_acked_readings)))
  done
done
stop_pid "$vigil_pid"
stored="$(field "$(bench count --data-dir "$vigil_data")" readings)"
[ "$stored" -ge "$acked" ] || die "$acked readings acknowledged but only $stored stored"
log "$acked readings acknowledged, $stored stored"

load="$(load_average)"
section="$(mktemp)"
{
  echo "<!-- bench-grpc:begin (written by bench/grpc.sh; do not edit by hand) -->"
  echo "## gRPC streaming ingest beside HTTP batches"
  echo
  echo "Run $(date -u '+%Y-%m-%d %H:%M UTC') by \`bench/grpc.sh\` (BENCH_SECONDS=$seconds, BENCH_WARMUP=$warmup) against one fresh"
  echo "\`vigil serve\` (embedded mode), the rows in the order run (later rows write into a fuller database). The machine is"
  echo "shared with other work (tests and builds of other checkouts): the load average shows how busy it was, and with"
  echo "2 CPUs and a load far above 2 the figures are noisy; compare rows of one run, not runs."
  echo
  echo "### Machine"
  echo
  echo "| | |"
  echo "|---|---|"
  machine_rows
  echo "| load average before / after the run | $load_before / $load |"
  echo "| vigil serve | Release build (artifacts/vigil), extra arguments: ${vigil_args:-none (as shipped)}; gRPC on h2c |"
  echo
  echo "### Results"
  echo
  echo "HTTP: POSTs of $batch readings to /api/v1/readings, counted on 202 with every reading accepted. gRPC: client streams"
  echo "of $stream readings to vigil.v1.IngestService/Ingest (committed by the server in groups, answered once all are durable),"
  echo "counted on grpc-status 0 with every reading accepted. Each client has its own connection; requests or streams started"
  echo "and finished inside the measured window count."
  echo
  echo "Limit: the plain SQLite insert of the same rows, **$(fmt "$sqlite_rate") rows/s** in this run (one prepared statement per"
  echo "row, $batch rows per transaction, WAL + synchronous=FULL, the product's schema)."
  echo
  echo "| clients | interface | readings per message | readings/s acknowledged | p50 ms (POST or stream) | vs HTTP batches | vs plain insert | target >= 0.5 |"
  echo "|---|---|---|---|---|---|---|---|"
  for h in "${http_lines[@]}"; do
    c="$(field "$h" clients)"
    http_rate="$(field "$h" readings_per_s)"
    r="$(ratio "$http_rate" "$sqlite_rate")"
    echo "| $c | HTTP POST | $batch | $(fmt "$http_rate") | $(field "$h" p50_ms) | 1.000 | $r | $(verdict "$r" 0.5) |"
    for g in "${grpc_lines[@]}"; do
      [ "$(field "$g" clients)" = "$c" ] || continue
      rate="$(field "$g" readings_per_s)"
      r="$(ratio "$rate" "$sqlite_rate")"
      echo "| $c | gRPC stream | $(field "$g" per_message) | $(fmt "$rate") | $(field "$g" stream_p50_ms) | $(ratio "$rate" "$http_rate") | $r | $(verdict "$r" 0.5) |"
    done
  done
  echo
  echo "After the server stopped, the readings table held at least every acknowledged reading ($acked acknowledged in all,"
  echo "warm-ups included; $stored stored)."
  echo
  echo "### Raw results"
  echo
  echo '```'
  printf '%s\n' "$sqlite_line" "${http_lines[@]}" "${grpc_lines[@]}"
  for g in "${grpc_lines[@]}"; do
    ratio_line "grpc-stream-$(field "$g" clients)x$(field "$g" per_message)" "$(field "$g" readings_per_s)" sqlite-insert "$sqlite_rate" 0.5
  done
  echo '```'
  echo
  echo "### Commands"
  echo
  echo '```'
  echo "BENCH_SECONDS=$seconds BENCH_WARMUP=$warmup BENCH_GRPC_CLIENTS=\"$clients_list\" BENCH_GRPC_PER_MESSAGE=\"$per_message_list\" bench/grpc.sh"
  echo "dotnet artifacts/vigil/vigil.dll serve --data-dir <fresh temp dir> --urls http://127.0.0.1:<free port> --Vigil:Grpc:Port <free port> $vigil_args"
  print_commands | sed 's#http://127.0.0.1:[0-9]*#http://127.0.0.1:<port>#g'
  echo '```'
  echo "<!-- bench-grpc:end -->"
} >"$section"

write_section "$report" bench-grpc "$section"
rm -f "$section"
log "report written to $report"
