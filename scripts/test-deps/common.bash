# Shared by the test dependency scripts (sourced, not run: test.sh runs only scripts/test-deps/*.sh).
# Each server lives under artifacts/test-deps/<name>, listens on 127.0.0.1 only, and is found by the tests through
# artifacts/test-deps/env, which test.sh sources.

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# VIGIL_TEST_DEPS_DIR puts a second set of servers elsewhere (with other ports): the tests that restart PostgreSQL or
# Kafka under a running Vigil use one of their own, so the servers other tests share never go down.
deps_dir="${VIGIL_TEST_DEPS_DIR:-$repo_root/artifacts/test-deps}"
env_file="$deps_dir/env"

say() { echo "test-deps: $*" >&2; }
die() { echo "test-deps: ERROR: $*" >&2; exit 1; }

is_root() { [ "$(id -u)" -eq 0 ]; }

# Installs Debian packages quietly. apt-get update runs only when the first attempt fails (a fresh machine's
# package lists may be missing or stale); a user who is not root needs password-less sudo.
apt_install() {
  local -a apt=(apt-get)
  if ! is_root; then
    sudo -n true 2>/dev/null || die "need the Debian package(s) $* but cannot install them: not root and no password-less sudo. Install them, then run again."
    apt=(sudo -n apt-get)
  fi
  say "installing $* (apt-get)..."
  export DEBIAN_FRONTEND=noninteractive
  if ! "${apt[@]}" install -y -q --no-install-recommends "$@" >"$deps_dir/apt.log" 2>&1; then
    say "apt-get install failed; running apt-get update and trying again"
    "${apt[@]}" update -q >>"$deps_dir/apt.log" 2>&1 || true
    "${apt[@]}" install -y -q --no-install-recommends "$@" >>"$deps_dir/apt.log" 2>&1 \
      || { tail -n 20 "$deps_dir/apt.log" >&2; die "apt-get install $* failed (log: $deps_dir/apt.log)"; }
  fi
}

# True when something accepts TCP connections on 127.0.0.1:$1.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# True when the process in pid file $1 is alive and its command line mentions $2 (so a reused pid is not mistaken for ours).
pid_alive() {
  local pid
  [ -s "$1" ] && pid="$(cat "$1")" && [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$2"
}

# True while process $1 runs. An exited server whose parent (init, here) has not reaped it yet is a zombie: done.
running() { [ -r "/proc/$1/status" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status"; }

# Sends TERM to the process in pid file $1 (if it is still the one whose command line mentions $2), waits up to $3
# seconds for it to exit, then KILLs it.
stop_pid() {
  local pidfile="$1" match="$2" timeout="$3" pid i
  [ -s "$pidfile" ] || return 0
  pid="$(cat "$pidfile")"
  if pid_alive "$pidfile" "$match"; then
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < timeout * 10; i++)); do
      running "$pid" || break
      sleep 0.1
    done
    if running "$pid"; then
      say "pid $pid did not stop within ${timeout}s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$pidfile"
}

# Sets NAME=VALUE in artifacts/test-deps/env, replacing an earlier value; the file is sourced by test.sh.
env_set() {
  mkdir -p "$deps_dir"
  local tmp="$env_file.tmp.$$"
  { [ -f "$env_file" ] && grep -v "^$1=" "$env_file" || true; printf "%s='%s'\n" "$1" "$2"; } >"$tmp"
  mv "$tmp" "$env_file"
}

env_unset() {
  [ -f "$env_file" ] || return 0
  local tmp="$env_file.tmp.$$"
  grep -v "^$1=" "$env_file" >"$tmp" || true
  mv "$tmp" "$env_file"
}
