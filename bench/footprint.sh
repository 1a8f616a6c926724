#!/usr/bin/env bash
# Vigil's footprint in embedded mode, written to its own section of docs/benchmarks.md (between the bench-footprint
# markers):
#
#   start to ready  `vigil serve` on a fresh data directory (migrations, bootstrap key) and again on the same directory
#                   (a restart): milliseconds from starting the process until GET /health/ready answers 200, polled
#                   every 10 ms; BENCH_STARTS runs of each, median and maximum (target: under 2 s).
#   memory          one `vigil serve` with BENCH_FOOTPRINT_PATIENTS patients (10,000) all active: `Vigil.Bench
#                   e2e-throughput` posts 1,000-reading batches spread over every patient for the measured seconds and
#                   waits until every reading is in the windows, so each patient has open windows, a NEWS2 state and an
#                   entry in every cache. Resident memory (VmRSS) and its peak (VmHWM) from /proc/<pid>/status after the
#                   load, then again after 10 s idle (target: under 400 MB).
#
# Environment (defaults in brackets): BENCH_STARTS [5], BENCH_FOOTPRINT_PATIENTS [10000], BENCH_SECONDS [20],
# BENCH_WARMUP [5], BENCH_VIGIL_ARGS [""], BENCH_REPORT [docs/benchmarks.md], BENCH_WORK_DIR, BENCH_KEEP [0],
# BENCH_BUILD [1] (0 skips the Release builds). Only 127.0.0.1 is used; every wait is bounded.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

starts="${BENCH_STARTS:-5}"
patients="${BENCH_FOOTPRINT_PATIENTS:-10000}"
seconds="${BENCH_SECONDS:-20}"
warmup="${BENCH_WARMUP:-5}"
vigil_args="${BENCH_VIGIL_ARGS:-}"
report="${BENCH_REPORT:-$root/docs/benchmarks.md}"
keep="${BENCH_KEEP:-0}"

# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"

if [ "${BENCH_BUILD:-1}" = 1 ]; then build; fi
load_before="$(load_average)"

# ---------------------------------------------------------------- start to ready
ready_ms() {   # data-dir -> milliseconds until /health/ready answered 200 (the process is stopped again)
  local data="$1" port url started pid ms=""
  port="$(free_port)"
  url="http://127.0.0.1:$port/health/ready"
  started=$(date +%s%N)
  # shellcheck disable=SC2086  # BENCH_VIGIL_ARGS is split into words on purpose
  dotnet "$vigil_dll" serve --data-dir "$data" --urls "http://127.0.0.1:$port" --Vigil:Grpc:Port 0 --hl7-port 0 $vigil_args \
    >>"$work/starts.log" 2>&1 &
  pid=$!
  pids+=("$pid")
  for _ in $(seq 1 3000); do          # up to 30 s
    if curl -sf -o /dev/null "$url"; then ms=$(( ($(date +%s%N) - started) / 1000000 )); break; fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.01
  done
  stop_pid "$pid"
  [ -n "$ms" ] || { tail -20 "$work/starts.log" >&2; die "vigil serve did not become ready in 30 s"; }
  echo "$ms"
}

stats() { sort -n | awk '{ v[NR] = $1 } END { printf "%d %d %d", v[1], v[int((NR + 1) / 2)], v[NR] }'; }   # min median max

fresh=()
restart=()
for i in $(seq 1 "$starts"); do
  fresh+=("$(ready_ms "$work/start-$i")")
  restart+=("$(ready_ms "$work/start-$i")")
  log "start $i: fresh data directory ${fresh[-1]} ms, restart ${restart[-1]} ms"
done
read -r fresh_min fresh_median fresh_max <<<"$(printf '%s\n' "${fresh[@]}" | stats)"
read -r restart_min restart_median restart_max <<<"$(printf '%s\n' "${restart[@]}" | stats)"
commands+=("dotnet artifacts/vigil/vigil.dll serve --data-dir <fresh or reused dir> --urls http://127.0.0.1:<free port> --Vigil:Grpc:Port 0 --hl7-port 0 $vigil_args   # $starts times each, until GET /health/ready answers 200")

# ---------------------------------------------------------------- memory with every patient active
kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
mb() { awk -v x="$1" 'BEGIN { printf "%.0f", x / 1024 }'; }

start_vigil footprint --patients "$patients"
rss_idle_kb="$(kb "$vigil_pid" VmRSS)"
log "memory: $patients patients, all active: ${seconds}s (+${warmup}s warm-up) of batches spread over every patient"
run_logged "$work/footprint-load.out" bench e2e-throughput --url "$vigil_url" --key-file "$work/footprint.key" \
  --data-dir "$vigil_data" --clients 4 --seconds "$seconds" --warmup "$warmup" --batch 1000 --patients "$patients"
load_line="$(result_line "$work/footprint-load.out")"
[ -n "$load_line" ] || die "e2e-throughput printed no result"
rss_loaded_kb="$(kb "$vigil_pid" VmRSS)"
hwm_kb="$(kb "$vigil_pid" VmHWM)"
sleep 10                               # idle time after the load, the quantity measured (not a synchronisation)
rss_after_kb="$(kb "$vigil_pid" VmRSS)"
stop_pid "$vigil_pid"
load_after="$(load_average)"

# ---------------------------------------------------------------- report
section="$(mktemp)"
{
  echo "<!-- bench-footprint:begin (written by bench/footprint.sh; do not edit by hand) -->"
  echo "## Footprint: start to ready, and memory with $(printf "%'d" "$patients") active patients (embedded)"
  echo
  echo "Run $(date -u '+%Y-%m-%d %H:%M UTC') by \`bench/footprint.sh\`."
  echo
  echo "### Machine"
  echo
  echo "| | |"
  echo "|---|---|"
  machine_rows
  echo "| load average before / after the run | $load_before / $load_after (the 2 cores are shared with other builds and tests) |"
  echo "| vigil serve | Release build (artifacts/vigil), extra arguments: ${vigil_args:-none (as shipped)} |"
  echo
  echo "### Start to ready"
  echo
  echo "From starting \`dotnet artifacts/vigil/vigil.dll serve\` until \`GET /health/ready\` answers 200 (every module of"
  echo "every role ready: database migrated, log open, consumers assigned, listeners bound), polled every 10 ms; $starts runs each."
  echo
  echo "| | min ms | median ms | max ms | target | |"
  echo "|---|---|---|---|---|---|"
  echo "| fresh data directory (creates the database, applies the migrations, writes the bootstrap key) | $fresh_min | $fresh_median | $fresh_max | < 2,000 | $(verdict 2000 "$fresh_max" | sed 's/NOT met/NOT met (max)/') |"
  echo "| restart on the same directory | $restart_min | $restart_median | $restart_max | < 2,000 | $(verdict 2000 "$restart_max" | sed 's/NOT met/NOT met (max)/') |"
  echo
  echo "### Memory with $(printf "%'d" "$patients") active patients"
  echo
  echo "$(printf "%'d" "$patients") patients created through the API, then $(field "$load_line" readings) readings (1,000 per POST, 4 clients,"
  echo "${seconds}s after a ${warmup}s warm-up, spread over every patient) processed to the end: every patient has open 1m/5m/1h"
  echo "windows, a NEWS2 state and entries in the enricher's and analyzer's caches. Resident set of the \`vigil serve\` process"
  echo "from /proc/<pid>/status."
  echo
  echo "| | MB | target | |"
  echo "|---|---|---|---|"
  echo "| after setup, before the load | $(mb "$rss_idle_kb") | | |"
  echo "| right after the load was processed (VmRSS) | $(mb "$rss_loaded_kb") | < 400 | $(verdict 400 "$(mb "$rss_loaded_kb")") |"
  echo "| peak during the run (VmHWM) | $(mb "$hwm_kb") | < 400 | $(verdict 400 "$(mb "$hwm_kb")") |"
  echo "| 10 s later, idle | $(mb "$rss_after_kb") | | |"
  echo
  echo "The load itself: $(fmt "$(field "$load_line" e2e_per_s)") readings/s end to end ($(fmt "$(field "$load_line" ingest_per_s)") acknowledged/s)."
  echo
  echo "### Raw results"
  echo
  echo '```'
  echo "BENCH starts fresh_ms=$(IFS=,; echo "${fresh[*]}") restart_ms=$(IFS=,; echo "${restart[*]}")"
  echo "BENCH memory patients=$patients rss_before_load_kb=$rss_idle_kb rss_after_load_kb=$rss_loaded_kb hwm_kb=$hwm_kb rss_idle_after_kb=$rss_after_kb"
  echo "$load_line"
  echo "BENCH footprint what=ready-fresh-max value=$fresh_max unit=ms target=2000"
  echo "BENCH footprint what=ready-restart-max value=$restart_max unit=ms target=2000"
  echo "BENCH footprint what=rss-peak-$patients-patients value=$(mb "$hwm_kb") unit=MB target=400"
  echo '```'
  echo
  echo "### Commands"
  echo
  echo '```'
  echo "BENCH_STARTS=$starts BENCH_FOOTPRINT_PATIENTS=$patients BENCH_SECONDS=$seconds BENCH_WARMUP=$warmup bench/footprint.sh"
  print_commands
  echo '```'
  echo "<!-- bench-footprint:end -->"
} >"$section"

write_section "$report" bench-footprint "$section"
rm -f "$section"
log "report written to $report"
