# shellcheck shell=bash
# Shared helpers for scripts/servers/*.sh. Sourced, never executed.
#
# Conventions:
#   - progress/diagnostics go to stderr; stdout carries only the env lines
#     (KAFKA_BROKERS=..., MONGO_URL=...) so callers can capture them;
#   - every server runs in its own session/process group (setsid) so `stop`
#     can signal the whole tree, and its pid file holds that group leader.

# Paths are absolute so the scripts work from any cwd.
SERVERS_SCRIPT_DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)"
PROJECT_ROOT="$(cd -- "$SERVERS_SCRIPT_DIR/../.." && pwd -P)"
SERVERS_DIR="${LEDGER_SERVERS_DIR:-$PROJECT_ROOT/.servers}"
CACHE_DIR="$SERVERS_DIR/cache"
STARTUP_TIMEOUT="${LEDGER_SERVERS_TIMEOUT:-120}"
STOP_TIMEOUT="${LEDGER_SERVERS_STOP_TIMEOUT:-60}"
# shellcheck disable=SC2034 # used by the scripts that source this file
PROBE_JS="$SERVERS_SCRIPT_DIR/probe.cjs"

mkdir -p "$SERVERS_DIR" "$CACHE_DIR"
SERVERS_DIR="$(cd -- "$SERVERS_DIR" && pwd -P)"
CACHE_DIR="$SERVERS_DIR/cache"

# The leading comment block of a script is its usage text.
print_header() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$1" >&2; }

log() { printf '[%s %s] %s\n' "${SERVER_NAME:-servers}" "$(date +%H:%M:%S)" "$*" >&2; }
die() {
  log "ERROR: $*"
  exit 1
}

need_cmd() {
  command -v "$1" >/dev/null 2>&1 || die "'$1' is required but not on PATH${2:+ ($2)}"
}

# Serialise install/start/stop of one server: CI steps and a developer's shell
# (or all.sh plus a test's globalSetup) may race on the same .servers dir.
# The lock fd stays open for the life of the script.
take_lock() {
  local lockfile="$SERVERS_DIR/.$1.lock"
  exec 9>"$lockfile"
  if ! flock -w "$((STARTUP_TIMEOUT + STOP_TIMEOUT + 600))" 9; then
    die "timed out waiting for lock $lockfile"
  fi
}

# pid_alive PIDFILE MARKER -> prints the pid and succeeds if the pid file
# names a live process whose command line contains MARKER (guards against a
# stale pid file whose pid was recycled by an unrelated process).
pid_alive() {
  local pidfile="$1" marker="$2" pid cmdline
  [[ -s "$pidfile" ]] || return 1
  pid="$(<"$pidfile")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  cmdline="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" || return 1
  [[ "$cmdline" == *"$marker"* ]] || return 1
  printf '%s\n' "$pid"
}

# True if something accepts TCP connections on 127.0.0.1:PORT.
port_open() {
  # shellcheck disable=SC2016 # $1 is expanded by the inner bash
  timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$1" 2>/dev/null
}

# True if node and the given package from the project's node_modules exist,
# so probe.cjs can do a protocol-level check instead of a bare TCP check.
have_node_pkg() {
  command -v node >/dev/null 2>&1 && [[ -f "$PROJECT_ROOT/node_modules/$1/package.json" ]]
}

# launch PIDFILE LOGFILE CMD... : start CMD detached in a new session, with
# stdout/stderr appended to LOGFILE. The pid is written by the child itself
# after setsid, so it is the process-group leader that `stop` will signal.
launch() {
  local pidfile="$1" logfile="$2"
  shift 2
  rm -f "$pidfile"
  # Keep the previous run's log for post-mortems; the fresh one only holds
  # this run, so the "tail on failure" shows the relevant lines.
  [[ -f "$logfile" ]] && mv -f "$logfile" "$logfile.1"
  printf '=== %s starting: %s\n' "$(date -Is)" "$*" >"$logfile"
  # fd 9 (the flock) is closed in the child, or the server would hold the
  # lock for its whole life and block the next start/stop.
  # shellcheck disable=SC2016 # $$ / "$@" must expand in the child shell
  setsid bash -c 'echo "$$" >"$0"; exec "$@"' "$pidfile" "$@" </dev/null >>"$logfile" 2>&1 9>&- &
  local i
  for ((i = 0; i < 50; i++)); do
    [[ -s "$pidfile" ]] && return 0
    sleep 0.1
  done
  die "process did not write its pid file $pidfile"
}

# A server's settings (its command line, its configuration's text) are recorded
# beside its pid file when it is launched. `start` compares them with the
# current ones, so a server left running with other settings (an older
# version of these scripts, another port or tuning) is restarted, not reused.
record_settings() { printf '%s' "$2" >"$1.settings"; }
same_settings() { [[ -f "$1.settings" && "$(<"$1.settings")" == "$(printf '%s' "$2")" ]]; }

# wait_ready NAME PIDFILE MARKER LOGFILE CHECK_FN : poll CHECK_FN until it
# succeeds; fail early if the process dies, and after STARTUP_TIMEOUT.
wait_ready() {
  local name="$1" pidfile="$2" marker="$3" logfile="$4" check="$5"
  local deadline=$((SECONDS + STARTUP_TIMEOUT))
  while ((SECONDS < deadline)); do
    if ! pid_alive "$pidfile" "$marker" >/dev/null; then
      log "$name exited during startup; last log lines ($logfile):"
      tail -n 60 "$logfile" >&2 || true
      return 1
    fi
    if "$check"; then return 0; fi
    sleep 0.5
  done
  log "$name not ready after ${STARTUP_TIMEOUT}s; last log lines ($logfile):"
  tail -n 60 "$logfile" >&2 || true
  return 1
}

# stop_pidfile NAME PIDFILE MARKER : TERM the process group, wait up to
# STOP_TIMEOUT for it to exit (Kafka does a controlled shutdown), then KILL.
# Idempotent: a missing/stale pid file is fine.
stop_pidfile() {
  local name="$1" pidfile="$2" marker="$3" pid
  if ! pid="$(pid_alive "$pidfile" "$marker")"; then
    rm -f "$pidfile"
    log "$name is not running"
    return 0
  fi
  log "stopping $name (pid $pid)"
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + STOP_TIMEOUT))
  while kill -0 -- "-$pid" 2>/dev/null || kill -0 "$pid" 2>/dev/null; do
    if ((SECONDS >= deadline)); then
      log "$name did not exit within ${STOP_TIMEOUT}s; sending KILL"
      kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
      sleep 0.5
      break
    fi
    sleep 0.2
  done
  rm -f "$pidfile" "$pidfile.settings"
  log "$name stopped"
}
