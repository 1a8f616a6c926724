# Shared by bench/run.sh and bench/e2e.sh (sourced, not run): logging, the work directory, process bookkeeping,
# the Release builds, starting a fresh `vigil serve` with the benchmark tenant, the machine description and writing a
# marked section of the report. Expects $root, $keep and $vigil_args to be set by the caller.

log() { printf '[bench %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "FAILED: $*"; exit 1; }

command -v dotnet >/dev/null || die "dotnet is not on PATH"

# ---------------------------------------------------------------- work dir and process bookkeeping
mkdir -p "$root/artifacts"
work="${BENCH_WORK_DIR:-$(mktemp -d "$root/artifacts/bench-run.XXXXXX")}"
mkdir -p "$work"
pids=()

stop_pid() {
  local pid="$1" i
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 150); do            # up to 30 s for a graceful drain
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "process $pid did not stop in 30 s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  local rc=$?
  local pid
  for pid in "${pids[@]}"; do stop_pid "$pid"; done
  if [ "$keep" != 1 ] && [ $rc -eq 0 ]; then rm -rf "$work"; else log "work directory kept: $work"; fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- build (Release)
vigil_dll="$root/artifacts/vigil/vigil.dll"
bench_dll="$root/artifacts/bench/Vigil.Bench.dll"

build() {
  log "building vigil (Release) and Vigil.Bench (Release)"
  "$root/vigil" --help >/dev/null                   # the vigil script rebuilds artifacts/vigil when sources changed
  dotnet publish "$root/bench/Vigil.Bench/Vigil.Bench.csproj" -c Release -o "$root/artifacts/bench" --nologo -v quiet -p:UseAppHost=false >&2
}

bench() { dotnet "$bench_dll" "$@"; }

# "BENCH kind k=v ..." -> value of k
field() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p" | head -1; }
result_line() { grep '^BENCH ' "$1" | tail -1; }
free_port() { bench freeport; }

start_vigil() {   # name [setup options...] -> sets vigil_pid, vigil_url, vigil_grpc_url, vigil_data
  local name="$1" port grpc_port
  shift
  port="$(free_port)"
  grpc_port="$(free_port)"
  vigil_data="$work/$name-data"
  vigil_url="http://127.0.0.1:$port"
  vigil_grpc_url="http://127.0.0.1:$grpc_port"
  # shellcheck disable=SC2086  # BENCH_VIGIL_ARGS is split into words on purpose
  dotnet "$vigil_dll" serve --data-dir "$vigil_data" --urls "$vigil_url" --Vigil:Grpc:Port "$grpc_port" $vigil_args >"$work/$name.log" 2>&1 &
  vigil_pid=$!
  pids+=("$vigil_pid")
  log "vigil serve ($name) pid $vigil_pid on $vigil_url, data in $vigil_data"
  bench setup --url "$vigil_url" --data-dir "$vigil_data" --key-out "$work/$name.key" "$@" \
    || { tail -20 "$work/$name.log" >&2; die "setting up $name"; }
}

commands=()
run_logged() {    # output file, command...
  local out="$1"; shift
  commands+=("$*")
  "$@" | tee "$out" >&2
}

# The commands as run, with the work directory and repository root taken out.
print_commands() {
  printf '%s\n' "${commands[@]}" | sed "s#$work#<work>#g; s#$root/##g; s#^bench #dotnet artifacts/bench/Vigil.Bench.dll #"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b > 0 ? a / b : 0) }'; }
fmt() { awk -v x="$1" 'BEGIN { printf "%.0f", x }'; }
verdict() { awk -v a="$1" -v b="$2" 'BEGIN { print (a >= b ? "met" : "NOT met") }'; }

# Rows of the machine table (the caller prints the header and any rows of its own).
machine_rows() {
  local cpu mem disk os fsync_probe
  cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  mem="$(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
  disk="$(df -hT "$work" | awk 'NR == 2 { print $1 ", " $2 ", " $3 " total" }')"
  os="$(. /etc/os-release && echo "$PRETTY_NAME"), kernel $(uname -r)"
  fsync_probe="$(dd if=/dev/zero of="$work/fsync-probe" bs=4k count=200 oflag=dsync 2>&1 | tail -1 | sed 's/.*copied, //')"
  rm -f "$work/fsync-probe"
  echo "| CPUs (\`nproc\`) | $(nproc) |"
  echo "| CPU model | $cpu |"
  echo "| memory | $mem |"
  echo "| disk (data directories) | $disk; 200 x 4 KiB O_DSYNC writes took $fsync_probe |"
  echo "| OS | $os |"
  echo "| .NET | SDK $(dotnet --version), runtime $(dotnet --list-runtimes | awk '/Microsoft.NETCore.App/ { v = $2 } END { print v }') |"
}

load_average() { cut -d' ' -f1-3 /proc/loadavg; }

# Replaces the section between "<!-- NAME:begin" and "<!-- NAME:end -->" of the report with the file's content, or
# appends it (a new report starts with a title).
write_section() { # report name section-file
  local report="$1" name="$2" section="$3"
  mkdir -p "$(dirname "$report")"
  if [ -f "$report" ] && grep -q "<!-- $name:begin" "$report" && grep -q "<!-- $name:end -->" "$report"; then
    awk -v f="$section" -v b="<!-- $name:begin" -v e="<!-- $name:end -->" '
      index($0, b) == 1 { while ((getline l < f) > 0) print l; skip = 1; next }
      index($0, e) == 1 { skip = 0; next }
      !skip { print }' "$report" >"$report.tmp" && mv "$report.tmp" "$report"
  elif [ -f "$report" ]; then
    { echo; cat "$section"; } >>"$report"
  else
    { echo "# Benchmarks"; echo; cat "$section"; } >"$report"
  fi
}

# The plain SQLite insert of the ingest benchmark's rows with one prepared statement per row (the product's way and the
# fastest variant), as the reference of a step that runs without bench/run.sh's (a): sets sqlite_line.
sqlite_reference() {  # label
  log "$1: plain SQLite insert reference, ${seconds}s (+${warmup}s warm-up), batches of $batch"
  run_logged "$work/sqlite-ref-$1.out" bench sqlite --data-dir "$work/sqlite-ref-$1-data" --seconds "$seconds" --warmup "$warmup" \
    --batch "$batch" --rows-per-statement 1 --patients "$patients"
  sqlite_line="$(result_line "$work/sqlite-ref-$1.out")"
  rm -rf "$work/sqlite-ref-$1-data"
}

# One line per measured ratio, kept in each section's raw results; bench/run.sh gathers them into the summary.
ratio_line() {  # benchmark rate limit-name limit-rate target
  echo "BENCH ratio bench=$1 rate=$(fmt "$2") limit=$3 limit_rate=$(fmt "$4") ratio=$(ratio "$2" "$4") target=$5"
}
