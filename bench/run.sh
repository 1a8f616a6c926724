#!/usr/bin/env bash
# Vigil benchmarks: every benchmark in one run, results written to docs/benchmarks.md. The ingest benchmark (a, b) is
# below; then, each its own script that can also run alone: the end-to-end benchmark (POST to final window aggregates,
# POST to queryable alert) bench/e2e.sh, gRPC streaming ingest bench/grpc.sh, FHIR bundle ingest bench/fhir.sh, the
# distributed end-to-end rate on PostgreSQL and Kafka bench/distributed.sh, and memory with 10,000 active patients and
# start to ready bench/footprint.sh. Last, the report's Summary section gathers every ratio (each benchmark beside its
# limit measured in the same run) and the footprint against their targets.
#
#   (a) batched ingest: readings/s acknowledged (202) for POSTs of BENCH_BATCH readings from BENCH_CLIENTS concurrent
#       clients against a real `vigil serve` (Release), beside a plain batched SQLite insert of the same rows with the
#       product's settings (WAL, synchronous=FULL, same schema and indexes, one transaction per batch, multi-row INSERT).
#   (b) single-reading POSTs: wrk rate and p50/p99 latency against Vigil, beside a bare Kestrel endpoint that parses the
#       same JSON with System.Text.Json and answers 202 (same wrk threads/connections).
#
# Environment (defaults in brackets):
#   BENCH_STEPS ["ingest e2e grpc fhir distributed footprint"] what to run: ingest = (a) and (b) here, the others the
#     scripts of the same name (distributed: PostgreSQL and Kafka; each script lists its own settings)
#   BENCH_SECONDS [20]  measured seconds per step      BENCH_WARMUP [5]   warm-up seconds before each step
#   BENCH_CLIENTS ["4 8"] client counts for (a)        BENCH_BATCH [1000] readings per POST / rows per transaction
#   BENCH_PATIENTS [200] patient pool
#   BENCH_ROWS_PER_STATEMENT ["1 20"] rows per INSERT statement in the baseline (1: native prepared statement bound by
#     position, as the product; more: ADO.NET multi-row statements), one baseline run each; the fastest is
#       the reference for the ratio (100 is what the product's MultiRowInsert uses; fewer rows bind faster, see report)
#   BENCH_WRK_THREADS [2]  BENCH_WRK_CONNECTIONS [64]  wrk settings for (b), the same for both servers
#   BENCH_VIGIL_ARGS [""] extra arguments for `vigil serve` (e.g. --Logging:LogLevel:Default=Warning); default: as shipped
#   BENCH_REPORT [docs/benchmarks.md]  where the report goes (the section between the bench markers is replaced)
#   BENCH_WORK_DIR [artifacts/bench-run.XXXXXX]  data directories and logs (on the repository's disk, not tmpfs)
#   BENCH_KEEP [0]  1 keeps the work directory
# Only 127.0.0.1 is used. Every wait is bounded. All started processes are stopped on exit.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

seconds="${BENCH_SECONDS:-20}"
warmup="${BENCH_WARMUP:-5}"
clients_list="${BENCH_CLIENTS:-4 8}"
batch="${BENCH_BATCH:-1000}"
patients="${BENCH_PATIENTS:-200}"
rows_per_statement_list="${BENCH_ROWS_PER_STATEMENT:-1 20}"
wrk_threads="${BENCH_WRK_THREADS:-2}"
wrk_connections="${BENCH_WRK_CONNECTIONS:-64}"
vigil_args="${BENCH_VIGIL_ARGS:-}"
report="${BENCH_REPORT:-$root/docs/benchmarks.md}"
keep="${BENCH_KEEP:-0}"

steps="${BENCH_STEPS:-ingest e2e grpc fhir distributed footprint}"
has_step() { [[ " $steps " == *" $1 "* ]]; }

# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"

# The steps after the ingest benchmark, each its own script and section, then the summary of every section's ratios.
run_rest() {
  local step
  for step in e2e grpc fhir distributed footprint; do
    if has_step "$step"; then
      BENCH_BUILD=0 BENCH_WORK_DIR="$work/$step" BENCH_KEEP="$keep" BENCH_REPORT="$report" "$root/bench/$step.sh"
    fi
  done
  write_summary
}

# The "Summary" section at the top of the report: every "BENCH ratio" and "BENCH footprint" line the sections hold.
write_summary() {
  local section
  section="$(mktemp)"
  {
    echo "<!-- bench-summary:begin (written by bench/run.sh; do not edit by hand) -->"
    echo "## Summary"
    echo
    echo "Every ratio the sections below measured, each beside its limit measured in the same run (the sections give the"
    echo "dates, machine, load and commands). Written $(date -u '+%Y-%m-%d %H:%M UTC'); a section not run this time keeps its"
    echo "earlier figures. The limits the issue names are sqlite-insert, bare-kestrel, pg-copy and kafka-producer; storage-floor-N"
    echo "is Vigil's own rows per reading written by the plain program, N readings per transaction (see the ingest section)."
    echo
    echo "| benchmark | readings/s | limit | limit/s | ratio | target | verdict |"
    echo "|---|---|---|---|---|---|---|"
    grep '^BENCH ratio ' "$report" | while read -r line; do
      echo "| $(field "$line" bench) | $(field "$line" rate) | $(field "$line" limit) | $(field "$line" limit_rate) | $(field "$line" ratio) | >= $(field "$line" target) | $(verdict "$(field "$line" ratio)" "$(field "$line" target)") |"
    done
    if grep -q '^BENCH footprint ' "$report"; then
      echo
      echo "| footprint (embedded mode) | measured | target | verdict |"
      echo "|---|---|---|---|"
      grep '^BENCH footprint ' "$report" | while read -r line; do
        echo "| $(field "$line" what) | $(field "$line" value) $(field "$line" unit) | under $(field "$line" target) $(field "$line" unit) | $(awk -v a="$(field "$line" value)" -v b="$(field "$line" target)" 'BEGIN { print (a < b ? "met" : "NOT met") }') |"
      done
    fi
    echo "<!-- bench-summary:end -->"
  } >"$section"
  if ! grep -q "<!-- bench-summary:begin" "$report"; then
    # First summary: placed after the title, above every section.
    awk 'NR == 1 { print; print ""; print "<!-- bench-summary:begin -->"; print "<!-- bench-summary:end -->"; next } { print }' "$report" >"$report.tmp" \
      && mv "$report.tmp" "$report"
  fi
  write_section "$report" bench-summary "$section"
  rm -f "$section"
}

if [ "${BENCH_BUILD:-1}" = 1 ]; then build; fi
if ! has_step ingest; then
  run_rest
  exit 0
fi

# ---------------------------------------------------------------- tools
if ! command -v wrk >/dev/null 2>&1; then
  log "installing wrk (Debian package)"
  if [ "$(id -u)" -eq 0 ]; then apt_get=(apt-get); else apt_get=(sudo apt-get); fi
  "${apt_get[@]}" install -y wrk >/dev/null 2>&1 || { "${apt_get[@]}" update >/dev/null && "${apt_get[@]}" install -y wrk >/dev/null; } \
    || die "could not install wrk"
fi

check_stored() {  # data dir, acknowledged count, label
  local stored
  stored="$(field "$(bench count --data-dir "$1")" readings)"
  [ "$stored" -ge "$2" ] || die "$3: $2 readings acknowledged but only $stored stored"
  log "$3: $2 readings acknowledged, $stored stored"
}

# ---------------------------------------------------------------- (a) plain SQLite insert
sqlite_lines=()
sqlite_line=""
for rps in $rows_per_statement_list; do
  log "(a) plain SQLite insert: ${seconds}s (+${warmup}s warm-up), batches of $batch, $rps rows per INSERT"
  run_logged "$work/sqlite-$rps.out" bench sqlite --data-dir "$work/sqlite-$rps-data" --seconds "$seconds" --warmup "$warmup" \
    --batch "$batch" --rows-per-statement "$rps" --patients "$patients"
  line="$(result_line "$work/sqlite-$rps.out")"
  sqlite_lines+=("$line")
  if [ -z "$sqlite_line" ] || awk -v a="$(field "$line" rows_per_s)" -v b="$(field "$sqlite_line" rows_per_s)" 'BEGIN { exit !(a > b) }'; then
    sqlite_line="$line"
  fi
  rm -rf "$work/sqlite-$rps-data"
done

# ---------------------------------------------------------------- (a, b) Vigil's own rows, written by the plain program
# Per reading, every row embedded Vigil stores for it (the reading, its readings.raw and readings.enriched log messages
# with Vigil's bytes, its readings_by_patient entry 20,000 at a time, sorted, as the indexer writes them), one
# transaction per batch: (a)'s batch (one POST's readings; a transaction of four POSTs was measured no faster), and
# (b)'s connection count (the most one group commit of single POSTs can hold).
floor_lines=()
for floor_batch in "$batch" "$wrk_connections"; do
  log "(a, b) Vigil's rows written by the plain program: ${seconds}s (+${warmup}s warm-up), batches of $floor_batch"
  run_logged "$work/sqlite-vigil-$floor_batch.out" bench sqlite --data-dir "$work/sqlite-vigil-$floor_batch-data" --seconds "$seconds" \
    --warmup "$warmup" --batch "$floor_batch" --rows-per-statement 1 --rows vigil --patients "$patients"
  floor_lines+=("$(result_line "$work/sqlite-vigil-$floor_batch.out")")
  rm -rf "$work/sqlite-vigil-$floor_batch-data"
done
floor_batch_rate="$(field "${floor_lines[0]}" rows_per_s)"
floor_single_rate="$(field "${floor_lines[1]}" rows_per_s)"

# ---------------------------------------------------------------- (a) batched HTTP ingest against vigil serve
start_vigil vigil-batch --patients "$patients"
http_lines=()
acked=0
for c in $clients_list; do
  log "(a) HTTP batched ingest: $c clients, ${seconds}s (+${warmup}s warm-up)"
  run_logged "$work/http-$c.out" bench http --url "$vigil_url" --key-file "$work/vigil-batch.key" --clients "$c" \
    --seconds "$seconds" --warmup "$warmup" --batch "$batch" --patients "$patients"
  line="$(result_line "$work/http-$c.out")"
  http_lines+=("$line")
  acked=$((acked + $(field "$line" total_acked_readings)))
done
stop_pid "$vigil_pid"
check_stored "$vigil_data" "$acked" "(a) vigil"
rm -rf "$vigil_data"

# ---------------------------------------------------------------- (b) single-reading POSTs with wrk
script="$root/bench/single-reading.lua"
wrk_run() {       # name url key-file(or "") -> result line in $work/wrk-name.out
  local name="$1" url="$2" keyfile="$3" key="" tag
  [ -n "$keyfile" ] && key="$(cat "$keyfile")"
  tag="$name-$(date +%s)"
  log "(b) wrk $name: warm-up ${warmup}s"
  BENCH_API_KEY="$key" wrk -t "$wrk_threads" -c "$wrk_connections" -d "${warmup}s" -s "$script" "$url" -- "$tag-warm" >"$work/wrk-$name-warm.out" 2>&1 \
    || die "wrk warm-up against $name"
  grep -q ' non202=0 ' "$work/wrk-$name-warm.out" || { cat "$work/wrk-$name-warm.out" >&2; die "$name answered other than 202 during warm-up"; }
  log "(b) wrk $name: ${seconds}s, $wrk_threads threads, $wrk_connections connections"
  commands+=("BENCH_API_KEY=... wrk -t $wrk_threads -c $wrk_connections -d ${seconds}s --latency -s bench/single-reading.lua $url -- $tag")
  BENCH_API_KEY="$key" wrk -t "$wrk_threads" -c "$wrk_connections" -d "${seconds}s" --latency -s "$script" "$url" -- "$tag" \
    | tee "$work/wrk-$name.out" >&2
  local line
  line="$(result_line "$work/wrk-$name.out")"
  [ -n "$line" ] || die "wrk against $name printed no result"
  [ "$(field "$line" non202)" = 0 ] && [ "$(field "$line" err_status)" = 0 ] || die "$name answered other than 202: $line"
  [ "$(field "$line" err_timeout)" = 0 ] || die "wrk saw timeouts against $name: $line"
}

port="$(free_port)"
bare_url="http://127.0.0.1:$port"
commands+=("dotnet artifacts/bench/Vigil.Bench.dll bare --urls $bare_url")
dotnet "$bench_dll" bare --urls "$bare_url" >"$work/bare.log" 2>&1 &   # dotnet itself, so $! is the server's pid
bare_pid=$!
pids+=("$bare_pid")
bench wait --url "$bare_url/health/live" --timeout 60 || die "bare endpoint did not start"
wrk_run bare "$bare_url" ""
bare_line="$(result_line "$work/wrk-bare.out")"
stop_pid "$bare_pid"

start_vigil vigil-single --patients "$patients"
wrk_run vigil "$vigil_url" "$work/vigil-single.key"
vigil_line="$(result_line "$work/wrk-vigil.out")"
stop_pid "$vigil_pid"
check_stored "$vigil_data" "$(field "$vigil_line" requests)" "(b) vigil (measured run; the table also holds the warm-up's)"

# ---------------------------------------------------------------- report
sqlite_rate="$(field "$sqlite_line" rows_per_s)"
load="$(load_average)"

section="$(mktemp)"
{
  echo "<!-- bench:begin (written by bench/run.sh; do not edit by hand) -->"
  echo "## Ingest benchmark"
  echo
  echo "Run $(date -u '+%Y-%m-%d %H:%M UTC') by \`bench/run.sh\` (BENCH_SECONDS=$seconds, BENCH_WARMUP=$warmup)."
  echo
  echo "### Machine"
  echo
  echo "| | |"
  echo "|---|---|"
  machine_rows
  echo "| load average after the run | $load |"
  echo "| vigil serve | Release build (artifacts/vigil), extra arguments: ${vigil_args:-none (as shipped)}; its stdout/stderr go to a file |"
  echo "| SQLite | $(field "$sqlite_line" sqlite_version) (SQLitePCLRaw.bundle_e_sqlite3 2.0.6, Microsoft.Data.Sqlite.Core 6.0.7) |"
  echo
  echo "### (a) Batched ingest: $batch readings per POST"
  echo
  echo "Plain SQLite insert of the same rows: WAL + synchronous=$(field "$sqlite_line" synchronous), the product's readings schema and"
  echo "indexes (embedded migrations) and writer pragmas (SqliteDatabase.OpenWriter), one transaction per $batch rows,"
  echo "one writer; rows per INSERT 1 = one prepared statement bound by position through SQLite's native API (as the product), more = ADO.NET multi-row statements. The fastest variant is the reference for the ratios."
  echo
  echo "| rows per INSERT | rows/s | batch p50 ms | batch p99 ms | commit p50 ms |"
  echo "|---|---|---|---|---|"
  for line in "${sqlite_lines[@]}"; do
    echo "| $(field "$line" rows_per_statement) | $(fmt "$(field "$line" rows_per_s)") | $(field "$line" batch_p50_ms) | $(field "$line" batch_p99_ms) | $(field "$line" commit_p50_ms) |"
  done
  echo
  echo "Reference: **$(fmt "$sqlite_rate") rows/s** ($(field "$sqlite_line" rows_per_statement) rows per INSERT)."
  echo
  echo "| clients | readings/s (202) | POSTs/s | POST p50 ms | POST p99 ms | vs plain insert | target >= 100,000/s | target >= 0.5 of plain |"
  echo "|---|---|---|---|---|---|---|---|"
  for line in "${http_lines[@]}"; do
    rate="$(field "$line" readings_per_s)"
    r="$(ratio "$rate" "$sqlite_rate")"
    echo "| $(field "$line" clients) | $(fmt "$rate") | $(field "$line" requests_per_s) | $(field "$line" p50_ms) | $(field "$line" p99_ms) | $r | $(verdict "$rate" 100000) | $(verdict "$r" 0.5) |"
  done
  echo
  echo "Every counted POST answered 202 with accepted=$batch, duplicates=0; after the server stopped, the readings table held at"
  echo "least every acknowledged reading ($acked acknowledged in all, warm-up included)."
  echo
  echo "### (a, b) The storage floor: Vigil's own rows, written by the plain program"
  echo
  echo "For each reading, embedded Vigil stores the reading row and, in the same transaction, its \`readings.raw\` log message;"
  echo "the enricher then appends its \`readings.enriched\` message and the indexer its \`readings_by_patient\` entry (20,000 at a"
  echo "time, sorted). The plain program (\`Vigil.Bench sqlite --rows vigil\`) writes exactly these rows the same way, with the"
  echo "bytes of Vigil's own messages (about 325 and 515 bytes), one transaction per $batch readings (one POST) or per"
  echo "$wrk_connections (the most a group commit of single POSTs can hold), and nothing else: no HTTP, no validation, no windows,"
  echo "scores, alerts or offsets. The ratio to it says how much of what this storage design allows Vigil reaches."
  echo
  echo "| rows per reading | batch (readings per transaction) | readings/s | batch p50 ms | commit p50 ms |"
  echo "|---|---|---|---|---|"
  echo "| the reading only (reference above) | $batch | $(fmt "$sqlite_rate") | $(field "$sqlite_line" batch_p50_ms) | $(field "$sqlite_line" commit_p50_ms) |"
  for line in "${floor_lines[@]}"; do
    echo "| Vigil's (reading, 2 log messages, index entry) | $(field "$line" batch) | $(fmt "$(field "$line" rows_per_s)") | $(field "$line" batch_p50_ms) | $(field "$line" commit_p50_ms) |"
  done
  echo
  for line in "${http_lines[@]}"; do
    echo "- batched ingest, $(field "$line" clients) clients: $(ratio "$(field "$line" readings_per_s)" "$floor_batch_rate") of the floor at $(field "${floor_lines[0]}" batch) readings per transaction."
  done
  echo "- single-reading POSTs: $(ratio "$(field "$vigil_line" requests_per_s)" "$floor_single_rate") of the floor at $wrk_connections readings per transaction."
  echo "- the floor itself: $(ratio "$floor_batch_rate" "$sqlite_rate") of the plain reading insert; at $wrk_connections per transaction, $(ratio "$floor_single_rate" "$(field "$bare_line" requests_per_s)") of the bare Kestrel endpoint's rate."
  echo
  echo "### (b) Single-reading POSTs (wrk, $wrk_threads threads, $wrk_connections connections)"
  echo
  echo "| server | requests/s | p50 ms | p90 ms | p99 ms | max ms |"
  echo "|---|---|---|---|---|---|"
  for pair in "bare Kestrel + System.Text.Json|$bare_line" "vigil serve|$vigil_line"; do
    line="${pair#*|}"
    echo "| ${pair%%|*} | $(field "$line" requests_per_s) | $(field "$line" p50_ms) | $(field "$line" p90_ms) | $(field "$line" p99_ms) | $(field "$line" max_ms) |"
  done
  single_ratio="$(ratio "$(field "$vigil_line" requests_per_s)" "$(field "$bare_line" requests_per_s)")"
  echo
  echo "Vigil / bare: **$single_ratio** (target >= 0.5: $(verdict "$single_ratio" 0.5)). All answers were 202."
  echo
  echo "### Raw results"
  echo
  echo '```'
  printf '%s\n' "${sqlite_lines[@]}" "${floor_lines[@]}" "${http_lines[@]}"
  echo "$bare_line" | sed 's/^BENCH wrk/BENCH wrk(bare)/'
  echo "$vigil_line" | sed 's/^BENCH wrk/BENCH wrk(vigil)/'
  for line in "${http_lines[@]}"; do
    ratio_line "http-batch-$(field "$line" clients)-clients" "$(field "$line" readings_per_s)" sqlite-insert "$sqlite_rate" 0.5
  done
  ratio_line http-single-reading "$(field "$vigil_line" requests_per_s)" bare-kestrel "$(field "$bare_line" requests_per_s)" 0.5
  for line in "${http_lines[@]}"; do
    ratio_line "http-batch-$(field "$line" clients)-clients" "$(field "$line" readings_per_s)" "storage-floor-$(field "${floor_lines[0]}" batch)" "$floor_batch_rate" 0.5
  done
  ratio_line http-single-reading "$(field "$vigil_line" requests_per_s)" "storage-floor-$wrk_connections" "$floor_single_rate" 0.5
  echo '```'
  echo
  echo "### Commands"
  echo
  echo '```'
  echo "BENCH_SECONDS=$seconds BENCH_WARMUP=$warmup BENCH_CLIENTS=\"$clients_list\" bench/run.sh"
  echo "dotnet artifacts/vigil/vigil.dll serve --data-dir <fresh temp dir> --urls http://127.0.0.1:<free port> $vigil_args"
  echo "dotnet artifacts/bench/Vigil.Bench.dll setup --url <vigil url> --data-dir <dir> --key-out <key file> --patients $patients"
  print_commands
  echo '```'
  echo "<!-- bench:end -->"
} >"$section"

write_section "$report" bench "$section"
rm -f "$section"
log "report written to $report"

run_rest
