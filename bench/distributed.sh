#!/usr/bin/env bash
# Vigil's distributed end-to-end benchmark, written to its own section of docs/benchmarks.md (between the
# bench-distributed markers). In each of BENCH_DIST_ROUNDS rounds, on one PostgreSQL server and one Kafka broker:
#
#   reference  `Vigil.Bench pg-copy`: the readings rows the load posts, written by a plain binary COPY (1,000 rows per
#              COPY and commit, one connection) into `readings` of a fresh database with Vigil's PostgreSQL schema.
#   end-to-end `Vigil.Bench e2e-throughput` against `vigil serve --storage postgres --log kafka` on a fresh database and
#              a fresh topic prefix, once per topology in BENCH_DIST_TOPOLOGIES: `all` (every role in one process) and
#              `split` (ingest,enrich,api in one process, analyze in another) and `three` (ingest,api / enrich /
#              analyze, three processes: each role with a writer of its own). 4 clients POST 1,000-reading batches
#              for the measured seconds, then one closing reading per patient; complete when every acknowledged reading
#              is in the 1-minute windows and every passed window is final (read from PostgreSQL). A round's ratio is
#              end-to-end readings/s / that round's pg-copy rows/s; the verdict (target >= 0.3 for the distributed
#              mode, >= 0.5 for every ratio of the suite) is on the median round.
#   reference  `Vigil.Bench kafka-produce`: the readings.raw messages the relay sends for the same readings, sent by one
#              plain producer with Vigil's producer settings; end-to-end readings/s / that rate is reported beside.
#
# The servers: PostgreSQL and Kafka answering on VIGIL_TEST_POSTGRES / VIGIL_TEST_KAFKA (default: the test servers,
# 127.0.0.1:55432 and 127.0.0.1:59092) are used as they are; when either does not answer, scripts/test-deps/*.sh start
# this checkout's test servers, and this script stops those again when it exits (never servers it did not start).
#
# Environment (defaults in brackets):
#   BENCH_SECONDS [20]  measured seconds per step      BENCH_WARMUP [5]   warm-up seconds before each step
#   BENCH_DIST_TOPOLOGIES ["all split three"]  which topologies to run   BENCH_DIST_CLIENTS [4] clients
#   BENCH_DIST_ROUNDS [3]  rounds of (COPY, then each topology); the verdict is on the median ratio of the rounds
#   BENCH_BATCH [1000] readings per POST and rows per COPY        BENCH_PATIENTS [200] patient pool
#   BENCH_KAFKA_CLIENT ["api.version.request=false;broker.version.fallback=0.9.0.1"] Kafka client settings
#     (key=value;key=value) for the test broker, Kafka 0.9.0.1; "" for a newer broker
#   BENCH_VIGIL_ARGS [""] extra arguments for every `vigil serve`; default: as shipped
#   BENCH_DIST_GC_ADAPTATION [0]  DOTNET_GCDynamicAdaptationMode of every `vigil serve`: 0 (DATAS off) as deploy/ sets it
#   BENCH_REPORT [docs/benchmarks.md]  BENCH_WORK_DIR [artifacts/bench-run.XXXXXX]  BENCH_KEEP [0]  as for run.sh
#   BENCH_BUILD [1]  0 skips the Release builds (run.sh has just made them)
# Only 127.0.0.1 is used. Every wait is bounded. Started processes, created databases and started servers go on exit.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

seconds="${BENCH_SECONDS:-20}"
warmup="${BENCH_WARMUP:-5}"
topologies="${BENCH_DIST_TOPOLOGIES:-all split three}"
rounds="${BENCH_DIST_ROUNDS:-3}"
clients="${BENCH_DIST_CLIENTS:-4}"
batch="${BENCH_BATCH:-1000}"
patients="${BENCH_PATIENTS:-200}"
kafka_client="${BENCH_KAFKA_CLIENT-api.version.request=false;broker.version.fallback=0.9.0.1}"
vigil_args="${BENCH_VIGIL_ARGS:-}"
report="${BENCH_REPORT:-$root/docs/benchmarks.md}"
keep="${BENCH_KEEP:-0}"

# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"

# ---------------------------------------------------------------- servers
started_deps=()
databases=()
pg_server=""

distributed_cleanup() {
  local rc=$? pid db script
  for pid in "${pids[@]}"; do stop_pid "$pid"; done
  for db in "${databases[@]}"; do bench pg-database --connection-string "$pg_server" --drop "$db" || log "could not drop database $db"; done
  for script in "${started_deps[@]}"; do bash "$script" stop || log "$script stop failed"; done
  (exit "$rc")
  cleanup
}
trap distributed_cleanup EXIT

answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
port_of() { sed -n 's/.*Port=\([0-9]*\).*/\1/p' <<<"$1"; }

pg_server="${VIGIL_TEST_POSTGRES:-Host=127.0.0.1;Port=${VIGIL_TEST_POSTGRES_PORT:-55432};Username=vigil;Password=vigil-test;Database=vigil}"
kafka="${VIGIL_TEST_KAFKA:-127.0.0.1:${VIGIL_TEST_KAFKA_PORT:-59092}}"
for dep in postgres kafka; do
  if [ "$dep" = postgres ]; then port="$(port_of "$pg_server")"; else port="${kafka##*:}"; fi
  if answers "$port"; then
    log "$dep answers on 127.0.0.1:$port: using it as it is"
    continue
  fi
  log "$dep does not answer on 127.0.0.1:$port: starting scripts/test-deps/$dep.sh"
  bash "$root/scripts/test-deps/$dep.sh" || die "scripts/test-deps/$dep.sh failed"
  started_deps+=("$root/scripts/test-deps/$dep.sh")
  # shellcheck disable=SC1091
  . "$root/artifacts/test-deps/env"
  pg_server="${VIGIL_TEST_POSTGRES:-$pg_server}"
  kafka="${VIGIL_TEST_KAFKA:-$kafka}"
done
kafka_args=()
IFS=';' read -ra settings <<<"$kafka_client"
for s in "${settings[@]}"; do [ -n "$s" ] && kafka_args+=(--kafka-config "$s"); done

if [ "${BENCH_BUILD:-1}" = 1 ]; then build; fi
load_before="$(load_average)"
log "load average before the run: $load_before"
pg_version="$(psql "postgresql://$(sed -n 's/.*Username=\([^;]*\).*/\1/p' <<<"$pg_server"):$(sed -n 's/.*Password=\([^;]*\).*/\1/p' <<<"$pg_server")@127.0.0.1:$(port_of "$pg_server")/postgres" \
  -Atc "SELECT version()" 2>/dev/null || echo unknown)"
hidden() { sed -E "s/Password=[^;]*/Password=.../g; s#--connection-string ([^ ']+)#--connection-string '\\1'#g"; }

# ---------------------------------------------------------------- rounds: a COPY, then each topology
# Each round pairs its end-to-end runs with a COPY measured just before them, so both see the same moment of a shared
# machine; the verdict is on the median of the rounds' ratios (a single pair varies by 10-20 % here).
start_serve() {   # name roles connection-string prefix -> pid in serve_pid, url in serve_url, data dir in serve_data
  local name="$1" roles="$2" cs="$3" prefix="$4" port
  port="$(free_port)"
  serve_data="$work/$name-data"
  serve_url="http://127.0.0.1:$port"
  # shellcheck disable=SC2086  # BENCH_VIGIL_ARGS is split into words on purpose
  # DATAS off, as the deployment manifests (deploy/) run the distributed roles.
  DOTNET_GCDynamicAdaptationMode="${BENCH_DIST_GC_ADAPTATION:-0}" \
  dotnet "$vigil_dll" serve --data-dir "$serve_data" --urls "$serve_url" --roles "$roles" --storage postgres --connection-string "$cs" \
    --log kafka --kafka-bootstrap "$kafka" "${kafka_args[@]}" --Kafka:Prefix "$prefix" --Vigil:Grpc:Port 0 $vigil_args >"$work/$name.log" 2>&1 &
  serve_pid=$!
  pids+=("$serve_pid")
  [ "$round" -gt 1 ] || commands+=("dotnet artifacts/vigil/vigil.dll serve --data-dir <fresh dir> --urls http://127.0.0.1:<free port> --roles $roles --storage postgres --connection-string '<fresh database>' --log kafka --kafka-bootstrap $kafka ${kafka_args[*]} --Kafka:Prefix <fresh prefix> $vigil_args")
  log "vigil serve ($name, roles $roles) pid $serve_pid on $serve_url, topic prefix $prefix"
}

copy_lines=()
kafka_lines=()
e2e_lines=()
for round in $(seq 1 "$rounds"); do
  log "round $round of $rounds: plain binary COPY, ${seconds}s (+${warmup}s warm-up), $batch rows per COPY and commit"
  run_logged "$work/pg-copy-$round.out" bench pg-copy --connection-string "$pg_server" --seconds "$seconds" --warmup "$warmup" \
    --batch "$batch" --patients "$patients"
  copy_line="$(result_line "$work/pg-copy-$round.out")"
  [ -n "$copy_line" ] || die "pg-copy printed no result"
  copy_lines+=("BENCH pg-copy round=$round ${copy_line#BENCH pg-copy }")
  log "round $round of $rounds: raw Kafka producer of the same readings' messages, ${seconds}s (+${warmup}s warm-up)"
  run_logged "$work/kafka-produce-$round.out" bench kafka-produce --bootstrap "$kafka" --client-config "$kafka_client" \
    --prefix "benchraw$(date +%s)$RANDOM." --seconds "$seconds" --warmup "$warmup" --batch "$batch" --patients "$patients"
  kafka_line="$(result_line "$work/kafka-produce-$round.out")"
  [ -n "$kafka_line" ] || die "kafka-produce printed no result"
  kafka_lines+=("BENCH kafka-produce round=$round ${kafka_line#BENCH kafka-produce }")
  for topology in $topologies; do
    cs="$(bench pg-database --connection-string "$pg_server" --create vigil_bench_e2e)"
    db="$(sed -n 's/.*Database=\([^;]*\).*/\1/p' <<<"$cs")"
    databases+=("$db")
    prefix="bench$(date +%s)$RANDOM."
    case "$topology" in
      all)
        start_serve "dist-all" all "$cs" "$prefix"
        front_url="$serve_url"; front_data="$serve_data"; procs=("$serve_pid") ;;
      split)
        start_serve "dist-front" ingest,enrich,api "$cs" "$prefix"
        front_url="$serve_url"; front_data="$serve_data"; front_pid="$serve_pid"
        bench wait --url "$front_url/health/ready" --timeout 120 || { tail -20 "$work/dist-front.log" >&2; die "ingest,enrich,api not ready"; }
        start_serve "dist-analyze" analyze "$cs" "$prefix"
        bench wait --url "$serve_url/health/ready" --timeout 120 || { tail -20 "$work/dist-analyze.log" >&2; die "analyze not ready"; }
        procs=("$front_pid" "$serve_pid") ;;
      three)
        start_serve "dist-front" ingest,api "$cs" "$prefix"
        front_url="$serve_url"; front_data="$serve_data"; front_pid="$serve_pid"
        bench wait --url "$front_url/health/ready" --timeout 120 || { tail -20 "$work/dist-front.log" >&2; die "ingest,api not ready"; }
        start_serve "dist-enrich" enrich "$cs" "$prefix"
        enrich_pid="$serve_pid"
        bench wait --url "$serve_url/health/ready" --timeout 120 || { tail -20 "$work/dist-enrich.log" >&2; die "enrich not ready"; }
        start_serve "dist-analyze" analyze "$cs" "$prefix"
        bench wait --url "$serve_url/health/ready" --timeout 120 || { tail -20 "$work/dist-analyze.log" >&2; die "analyze not ready"; }
        procs=("$front_pid" "$enrich_pid" "$serve_pid") ;;
      *) die "unknown topology '$topology' (BENCH_DIST_TOPOLOGIES: all, split, three)" ;;
    esac
    bench setup --url "$front_url" --data-dir "$front_data" --key-out "$work/$topology.key" --patients "$patients" \
      || { tail -20 "$work"/dist-*.log >&2; die "setting up $topology"; }
    log "distributed end-to-end ($topology): $clients clients, ${seconds}s (+${warmup}s warm-up, processed before the measurement)"
    run_logged "$work/e2e-$topology-$round.out" bench e2e-throughput --url "$front_url" --key-file "$work/$topology.key" \
      --connection-string "$cs" --clients "$clients" --seconds "$seconds" --warmup "$warmup" --batch "$batch" --patients "$patients"
    line="$(result_line "$work/e2e-$topology-$round.out")"
    [ -n "$line" ] || die "e2e-throughput ($topology) printed no result"
    e2e_lines+=("BENCH distributed-e2e round=$round topology=$topology copy_rows_per_s=$(field "$copy_line" rows_per_s) kafka_messages_per_s=$(field "$kafka_line" messages_per_s) ${line#BENCH e2e-throughput }")
    for pid in "${procs[@]}"; do stop_pid "$pid"; done
    bench pg-database --connection-string "$pg_server" --drop "$db"
    rm -rf "$work"/dist-*-data
  done
done

# ---------------------------------------------------------------- report
load_after="$(load_average)"
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) printf "%.3f", v[(NR + 1) / 2]; else printf "%.3f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio_of() { ratio "$(field "$1" e2e_per_s)" "$(field "$1" copy_rows_per_s)"; }
kafka_ratio_of() { ratio "$(field "$1" e2e_per_s)" "$(field "$1" kafka_messages_per_s)"; }
section="$(mktemp)"
{
  echo "<!-- bench-distributed:begin (written by bench/distributed.sh; do not edit by hand) -->"
  echo "## Distributed end-to-end benchmark"
  echo
  echo "Run $(date -u '+%Y-%m-%d %H:%M UTC') by \`bench/distributed.sh\` (BENCH_SECONDS=$seconds, BENCH_WARMUP=$warmup, BENCH_DIST_ROUNDS=$rounds)."
  echo
  echo "### Machine"
  echo
  echo "| | |"
  echo "|---|---|"
  machine_rows
  echo "| load average before / after the run | $load_before / $load_after (the 2 cores are shared with other builds and tests) |"
  echo "| PostgreSQL | ${pg_version%% on *} on 127.0.0.1:$(port_of "$pg_server") (the test server, scripts/test-deps/postgres.sh; same machine, same disk); a fresh database per step, dropped afterwards |"
  echo "| Kafka | $kafka (the test broker of scripts/test-deps/kafka.sh is Apache Kafka 0.9.0.1, one broker, 12 partitions per topic); client settings: ${kafka_client:-none}; a fresh topic prefix per step |"
  echo "| vigil serve | Release build (artifacts/vigil), extra arguments: ${vigil_args:-none (as shipped)}; stdout/stderr to a file |"
  echo
  echo "### Reference: plain binary COPY"
  echo
  echo "The rows the load posts (customer_id, id, patient_id, device_id, type, value, text, observed_at, received_at; heart"
  echo "rate 60-100, observedAt 10-50 minutes ago, $patients patients) written by Npgsql's binary import straight into"
  echo "\`readings\` of a fresh database migrated with Vigil's PostgreSQL schema (unique (customer_id, id) index, patient/time"
  echo "index), $(field "$copy_line" batch) rows per COPY, one transaction each, one connection, server settings as shipped"
  echo "(synchronous_commit=$(field "$copy_line" synchronous_commit), fsync=$(field "$copy_line" fsync))."
  echo
  echo "| round | rows | rows/s | batch p50 ms | batch p99 ms | commit p50 ms |"
  echo "|---|---|---|---|---|---|"
  for l in "${copy_lines[@]}"; do
    echo "| $(field "$l" round) | $(field "$l" rows) | $(fmt "$(field "$l" rows_per_s)") | $(field "$l" batch_p50_ms) | $(field "$l" batch_p99_ms) | $(field "$l" commit_p50_ms) |"
  done
  echo
  echo "### Reference: raw Kafka producer"
  echo
  echo "The messages Vigil's outbox relay sends to \`readings.raw\` for the same readings (each reading's envelope in an"
  echo "outbox frame, keyed by patient, partitioned as Vigil partitions, 12 partitions), sent by one plain Confluent.Kafka"
  echo "producer with Vigil's producer settings (acks=all, one request in flight, no client retries), $batch messages at a time,"
  echo "each batch waited for until every delivery report is in (\`Vigil.Bench kafka-produce\`). A reading crosses Kafka"
  echo "twice in Vigil (readings.raw, then readings.enriched), so the producer's rate is twice what the pipeline could reach"
  echo "on Kafka alone."
  echo
  echo "| round | messages | messages/s | mean bytes | batch p50 ms | batch p99 ms |"
  echo "|---|---|---|---|---|---|"
  for l in "${kafka_lines[@]}"; do
    echo "| $(field "$l" round) | $(field "$l" messages) | $(fmt "$(field "$l" messages_per_s)") | $(field "$l" mean_bytes) | $(field "$l" batch_p50_ms) | $(field "$l" batch_p99_ms) |"
  done
  echo
  echo "### End-to-end: from POST to final 1-minute windows, PostgreSQL and Kafka"
  echo
  echo "As the embedded end-to-end throughput step (bench/e2e.sh): $clients clients POST batches of $batch readings for the"
  echo "measured seconds after a warm-up that is processed to the end first, then one closing reading per patient observed"
  echo "now; complete = the 1-minute window aggregates count every acknowledged reading and no window the watermark has"
  echo "passed is open, read from the PostgreSQL database every 150 ms. End-to-end readings/s = acknowledged readings /"
  echo "(completion - first POST); ingest readings/s = acknowledged readings / (last 202 - first POST). \`all\`: every role in"
  echo "one process; \`split\`: ingest,enrich,api in one process and analyze in another; \`three\`: ingest,api / enrich /"
  echo "analyze in three processes (each with a writer connection of its own); all on this machine."
  echo
  echo "$rounds rounds; each round measures the COPY, then each topology, and each end-to-end rate is divided by its own"
  echo "round's COPY rate. The verdict is on the median of a topology's rounds."
  echo
  echo "| topology | end-to-end / pg-copy per round | median | target >= 0.3 (distributed mode) | target >= 0.5 (every ratio) | end-to-end / raw Kafka producer per round | median |"
  echo "|---|---|---|---|---|---|---|"
  for topology in $topologies; do
    ratios=()
    kratios=()
    for l in "${e2e_lines[@]}"; do
      [ "$(field "$l" topology)" = "$topology" ] || continue
      ratios+=("$(ratio_of "$l")")
      kratios+=("$(kafka_ratio_of "$l")")
    done
    m="$(printf '%s\n' "${ratios[@]}" | median)"
    km="$(printf '%s\n' "${kratios[@]}" | median)"
    echo "| $topology | ${ratios[*]} | **$m** | $(verdict "$m" 0.3) | $(verdict "$m" 0.5) | ${kratios[*]} | **$km** |"
  done
  echo
  echo "| round | topology | readings | ingest readings/s | end-to-end readings/s | pg-copy rows/s | end-to-end / pg-copy | end-to-end / ingest | drain after the last 202 s | POST p50 / p99 ms |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  for l in "${e2e_lines[@]}"; do
    echo "| $(field "$l" round) | $(field "$l" topology) | $(field "$l" readings) | $(fmt "$(field "$l" ingest_per_s)") | $(fmt "$(field "$l" e2e_per_s)") | $(fmt "$(field "$l" copy_rows_per_s)") | $(ratio_of "$l") | $(field "$l" ratio) | $(field "$l" drain_s) | $(field "$l" post_p50_ms) / $(field "$l" post_p99_ms) |"
  done
  echo
  echo "Where processing stood when the last 202 came (messages each group had still to commit: the relay's confirmed"
  echo "Kafka offsets in relay_positions minus the group's consumer_offsets; outbox = rows not yet relayed to Kafka):"
  echo
  for l in "${e2e_lines[@]}"; do
    echo "- round $(field "$l" round), $(field "$l" topology): processing reflected $(fmt "$(field "$l" processed_during_ingest_per_s)") readings/s while the clients"
    echo "  posted and $(fmt "$(field "$l" processed_during_drain_per_s)") readings/s in the drain; $(field "$l" lag_at_ingest_end) readings acknowledged but not in"
    echo "  the windows at the last 202 (at most $(field "$l" max_lag)); $(field "$l" group_lag_at_ingest_end | sed 's/,/, /g; s/:/ /g')."
  done
  echo
  echo "### Raw results"
  echo
  echo '```'
  printf '%s\n' "${copy_lines[@]}" "${kafka_lines[@]}" "${e2e_lines[@]}"
  for topology in $topologies; do
    rates=(); copies=(); kafkas=()
    for l in "${e2e_lines[@]}"; do
      [ "$(field "$l" topology)" = "$topology" ] || continue
      rates+=("$(field "$l" e2e_per_s)"); copies+=("$(field "$l" copy_rows_per_s)"); kafkas+=("$(field "$l" kafka_messages_per_s)")
    done
    # The summary's line: the median round's rate against the median limits.
    ratio_line "distributed-e2e-$topology" "$(printf '%s\n' "${rates[@]}" | median)" pg-copy "$(printf '%s\n' "${copies[@]}" | median)" 0.5
    ratio_line "distributed-e2e-$topology" "$(printf '%s\n' "${rates[@]}" | median)" kafka-producer "$(printf '%s\n' "${kafkas[@]}" | median)" 0.5
  done
  echo '```'
  echo
  echo "### Commands"
  echo
  echo '```'
  echo "BENCH_SECONDS=$seconds BENCH_WARMUP=$warmup BENCH_DIST_ROUNDS=$rounds BENCH_DIST_TOPOLOGIES=\"$topologies\" bench/distributed.sh"
  echo "dotnet artifacts/bench/Vigil.Bench.dll pg-database --connection-string '<server>' --create vigil_bench_e2e   # one per topology, dropped afterwards"
  echo "dotnet artifacts/bench/Vigil.Bench.dll setup --url <vigil url> --data-dir <dir> --key-out <key file> --patients $patients"
  print_commands | hidden | sed -E 's#http://127\.0\.0\.1:[0-9]+#<vigil url>#g; s#Database=vigil_bench_e2e_[0-9a-f]+#Database=<fresh database>#g'
  echo '```'
  echo "<!-- bench-distributed:end -->"
} >"$section"

write_section "$report" bench-distributed "$section"
rm -f "$section"
log "report written to $report"
