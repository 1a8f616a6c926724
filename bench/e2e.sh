#!/usr/bin/env bash
# Vigil end-to-end benchmark: one run, results written to docs/benchmarks.md (the section between the bench-e2e
# markers). bench/run.sh runs it after the ingest benchmark; it can also be run alone.
#
#   throughput: BENCH_E2E_CLIENTS clients POST batches of BENCH_BATCH readings for BENCH_SECONDS against a fresh
#       `vigil serve`, then one closing reading per patient with observedAt = now (its watermark passes every earlier
#       window). End-to-end readings/s = acknowledged readings / (completion - first POST), where completion is when
#       the 1-minute window aggregates reflect every acknowledged reading and every passed window is final (seen by
#       reading vigil.db read-only every 150 ms). Beside it: the acknowledgement rate of the same run, and the drain.
#   latency: a steady background load of BENCH_E2E_RATES readings/s (batches of BENCH_E2E_BATCH, normal heart rates)
#       against another fresh server, and every BENCH_E2E_PROBE_MS a breaching heart rate (180) for a fresh probe
#       patient, followed by GET /api/v1/alerts for it every BENCH_E2E_POLL_MS until the alert is listed.
#
# Environment (defaults in brackets):
#   BENCH_SECONDS [20]  measured seconds per step      BENCH_WARMUP [5]   warm-up seconds before each step
#   BENCH_E2E_STEPS ["throughput latency"]  which of the two to run
#   BENCH_E2E_CLIENTS [4]  clients for throughput       BENCH_BATCH [1000] readings per POST for throughput
#   BENCH_PATIENTS [200] patient pool
#   BENCH_E2E_RATES ["2000"] background readings/s for latency, one run (and one fresh server) each
#   BENCH_E2E_BATCH [10] readings per background POST   BENCH_E2E_CONNECTIONS [4] background connections
#   BENCH_E2E_PROBE_MS [100] one probe every this many ms   BENCH_E2E_POLL_MS [1] pause between a probe's GETs (0: none)
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
e2e_steps="${BENCH_E2E_STEPS:-throughput latency}"
clients="${BENCH_E2E_CLIENTS:-4}"
batch="${BENCH_BATCH:-1000}"
patients="${BENCH_PATIENTS:-200}"
rates="${BENCH_E2E_RATES:-2000}"
bg_batch="${BENCH_E2E_BATCH:-10}"
connections="${BENCH_E2E_CONNECTIONS:-4}"
probe_ms="${BENCH_E2E_PROBE_MS:-100}"
poll_ms="${BENCH_E2E_POLL_MS:-1}"
vigil_args="${BENCH_VIGIL_ARGS:-}"
report="${BENCH_REPORT:-$root/docs/benchmarks.md}"
keep="${BENCH_KEEP:-0}"

# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
has_e2e_step() { [[ " $e2e_steps " == *" $1 "* ]]; }

if [ "${BENCH_BUILD:-1}" = 1 ]; then build; fi
load_before="$(load_average)"
log "load average before the run: $load_before"

# ---------------------------------------------------------------- throughput
throughput_line=""
if has_e2e_step throughput; then
  start_vigil e2e-throughput --patients "$patients"
  log "end-to-end throughput: $clients clients, ${seconds}s (+${warmup}s warm-up, processed before the measurement)"
  run_logged "$work/e2e-throughput.out" bench e2e-throughput --url "$vigil_url" --key-file "$work/e2e-throughput.key" \
    --data-dir "$vigil_data" --clients "$clients" --seconds "$seconds" --warmup "$warmup" --batch "$batch" --patients "$patients"
  throughput_line="$(result_line "$work/e2e-throughput.out")"
  [ -n "$throughput_line" ] || die "e2e-throughput printed no result"
  stop_pid "$vigil_pid"
  rm -rf "$vigil_data"
fi

# ---------------------------------------------------------------- latency
latency_lines=()
probes=$(awk -v s="$seconds" -v w="$warmup" -v p="$probe_ms" 'BEGIN { printf "%d", (s + w) * 1000 / p + 10 }')
if has_e2e_step latency; then
  for rate in $rates; do
    start_vigil "e2e-latency-$rate" --patients "$patients" --probes "$probes"
    log "end-to-end latency: $rate readings/s in batches of $bg_batch over $connections connections, a probe every ${probe_ms} ms, ${seconds}s (+${warmup}s warm-up)"
    run_logged "$work/e2e-latency-$rate.out" bench e2e-latency --url "$vigil_url" --key-file "$work/e2e-latency-$rate.key" \
      --rate "$rate" --batch "$bg_batch" --connections "$connections" --seconds "$seconds" --warmup "$warmup" \
      --patients "$patients" --probes "$probes" --probe-every-ms "$probe_ms" --poll-ms "$poll_ms"
    line="$(result_line "$work/e2e-latency-$rate.out")"
    [ -n "$line" ] || die "e2e-latency printed no result"
    latency_lines+=("$line")
    stop_pid "$vigil_pid"
    rm -rf "$vigil_data"
  done
fi

# ---------------------------------------------------------------- report
load_after="$(load_average)"
lt() { awk -v a="$1" -v b="$2" 'BEGIN { print (a < b ? "met" : "NOT met") }'; }

section="$(mktemp)"
{
  echo "<!-- bench-e2e:begin (written by bench/e2e.sh; do not edit by hand) -->"
  echo "## End-to-end benchmark"
  echo
  echo "Run $(date -u '+%Y-%m-%d %H:%M UTC') by \`bench/e2e.sh\` (BENCH_SECONDS=$seconds, BENCH_WARMUP=$warmup)."
  echo
  echo "### Machine"
  echo
  echo "| | |"
  echo "|---|---|"
  machine_rows
  echo "| load average before / after the run | $load_before / $load_after (the 2 cores are shared with other builds and tests) |"
  echo "| vigil serve | Release build (artifacts/vigil), extra arguments: ${vigil_args:-none (as shipped)}; its stdout/stderr go to a file; a fresh data directory per step |"
  echo
  if [ -n "$throughput_line" ]; then
    l="$throughput_line"
    echo "### Throughput: from POST to final 1-minute windows"
    echo
    echo "$(field "$l" clients) clients POST batches of $(field "$l" batch) readings (heart rate 60-100, observedAt spread over"
    echo "10-50 minutes ago, $patients patients) for $(field "$l" seconds) s, after a warm-up that is processed to the end first;"
    echo "then one closing reading per patient observed now, which moves every patient's watermark (allowed lateness 5 minutes)"
    echo "past every earlier window. Complete = the 1-minute window aggregates count every acknowledged reading and no window"
    echo "the watermark has passed is still open (vigil.db read read-only every $(field "$l" poll_ms) ms, so completion is seen"
    echo "up to that much late). End-to-end readings/s = acknowledged readings / (completion - first POST); ingest readings/s"
    echo "= acknowledged readings / (last 202 - first POST), same run."
    echo
    echo "| readings | ingest readings/s | end-to-end readings/s | end-to-end / ingest | target >= 0.5 | ingest s | end-to-end s | drain after the last 202 s |"
    echo "|---|---|---|---|---|---|---|---|"
    echo "| $(field "$l" readings) | $(fmt "$(field "$l" ingest_per_s)") | $(fmt "$(field "$l" e2e_per_s)") | $(field "$l" ratio) | $(verdict "$(field "$l" ratio)" 0.5) | $(field "$l" ingest_s) | $(field "$l" e2e_s) | $(field "$l" drain_s) |"
    echo
    echo "Processing behind ingest: while the clients posted, processing reflected $(fmt "$(field "$l" processed_during_ingest_per_s)")"
    echo "readings/s in the windows (the gap between acknowledged and reflected readings, sampled every $(field "$l" poll_ms) ms, reached"
    echo "$(field "$l" max_lag)); when the last 202 came, $(field "$l" lag_at_ingest_end) acknowledged readings were not yet in them, and the"
    echo "drain went on at $(fmt "$(field "$l" processed_during_drain_per_s)") readings/s."
    echo "Messages each consumer group still had to commit at that moment: $(field "$l" group_lag_at_ingest_end | sed 's/,/, /g; s/:/ /g')."
    echo "POST p50 / p99: $(field "$l" post_p50_ms) / $(field "$l" post_p99_ms) ms. All readings reflected $(field "$l" reflected_s) s after the first POST."
    echo
  fi
  if [ "${#latency_lines[@]}" -gt 0 ]; then
    echo "### Latency: from POST to the alert being queryable, under a steady load"
    echo
    echo "Background: the target rate in batches of $bg_batch readings, one batch due every batch/rate seconds on a"
    echo "stopwatch, spread over $connections connections (heart rate 60-100 observed now, never breaching). Probes: every"
    echo "$probe_ms ms a heart rate of 180 (built-in high limit 130) for a fresh patient, then GET"
    echo "/api/v1/alerts?patientId=..&rule=threshold:heart_rate on the probe's own connection every $poll_ms ms until the active"
    echo "alert is listed; latency = POST start to the end of that GET. Warm-up ($warmup s) probes are not counted."
    echo
    echo "| target readings/s | achieved readings/s | every POST 202 | background POST p50 / p99 ms | probes | p50 ms | p90 ms | p99 ms | max ms | probe POST p50 ms | target p99 < 50 ms |"
    echo "|---|---|---|---|---|---|---|---|---|---|---|"
    for l in "${latency_lines[@]}"; do
      echo "| $(fmt "$(field "$l" rate)") | $(fmt "$(field "$l" background_per_s)") | $([ "$(field "$l" failures)" = 0 ] && echo yes || echo no) | $(field "$l" background_post_p50_ms) / $(field "$l" background_post_p99_ms) | $(field "$l" probes) | $(field "$l" p50_ms) | $(field "$l" p90_ms) | $(field "$l" p99_ms) | $(field "$l" max_ms) | $(field "$l" probe_post_p50_ms) | $(lt "$(field "$l" p99_ms)" 50) |"
    done
    echo
    echo "The background POSTs started at most $(field "${latency_lines[0]}" behind_max_ms) ms after they were due (p99 $(field "${latency_lines[0]}" behind_p99_ms) ms; first run);"
    echo "a probe took $(field "${latency_lines[0]}" polls_per_probe) GETs on average."
    echo
  fi
  echo "### Raw results"
  echo
  echo '```'
  if [ -n "$throughput_line" ]; then echo "$throughput_line"; fi
  if [ "${#latency_lines[@]}" -gt 0 ]; then printf '%s\n' "${latency_lines[@]}"; fi
  echo '```'
  echo
  echo "### Commands"
  echo
  echo '```'
  echo "BENCH_SECONDS=$seconds BENCH_WARMUP=$warmup BENCH_E2E_RATES=\"$rates\" bench/e2e.sh"
  echo "dotnet artifacts/vigil/vigil.dll serve --data-dir <fresh temp dir> --urls http://127.0.0.1:<free port> $vigil_args"
  echo "dotnet artifacts/bench/Vigil.Bench.dll setup --url <vigil url> --data-dir <dir> --key-out <key file> --patients $patients [--probes $probes]"
  print_commands | sed -E 's#http://127\.0\.0\.1:[0-9]+#<vigil url>#g'
  echo '```'
  echo "<!-- bench-e2e:end -->"
} >"$section"

write_section "$report" bench-e2e "$section"
rm -f "$section"
log "report written to $report"
