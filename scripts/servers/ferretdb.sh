#!/usr/bin/env bash
# FerretDB v1 (MongoDB wire protocol) with its embedded SQLite backend, on
# loopback, for integration tests.
#
# Usage: scripts/servers/ferretdb.sh install|start [--fresh]|stop|restart|reset|status|env
#   install   build the ferretdb binary from the Go module proxy into .servers/cache
#   start     install if needed, start, wait until { ping: 1 } is answered;
#             no-op if already running with these settings and healthy (one
#             running with other settings is restarted). --fresh wipes the data dir first.
#   stop      TERM (KILL after a timeout); no error if not running
#   restart   stop + start, keeping data
#   reset     stop, wipe the SQLite data dir, start
#   status    exit 0 running+healthy, 1 running but not answering, 3 stopped
#   env       print MONGO_URL=...
# On success start/restart/reset print `MONGO_URL=mongodb://127.0.0.1:27018/` on
# stdout (all progress goes to stderr).
#
# Environment: LEDGER_SERVERS_DIR (default <repo>/.servers), LEDGER_FERRETDB_VERSION
# (v1.24.2), LEDGER_FERRETDB_PORT (27018), LEDGER_FERRETDB_LOG_LEVEL (error),
# LEDGER_FERRETDB_GOGC (400), LEDGER_FERRETDB_SYNCHRONOUS (normal),
# LEDGER_SERVERS_TIMEOUT (120 s); Go's own GOMODCACHE/GOCACHE/GOPROXY are honoured.
set -euo pipefail

SERVER_NAME=ferretdb
# shellcheck source=scripts/servers/common.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/common.sh"

FERRETDB_VERSION="${LEDGER_FERRETDB_VERSION:-v1.24.2}"
FERRETDB_MODULE=github.com/FerretDB/FerretDB
FERRETDB_PORT="${LEDGER_FERRETDB_PORT:-27018}"
# At "warn" FerretDB dumps every error reply, e.g. the driver's endSessions
# (unsupported in v1) on each MongoClient.close(); raise it when debugging.
LOG_LEVEL="${LEDGER_FERRETDB_LOG_LEVEL:-error}"
MONGO_URL="mongodb://127.0.0.1:$FERRETDB_PORT/"

INSTALL_DIR="$CACHE_DIR/ferretdb-$FERRETDB_VERSION"
FERRETDB_BIN="$INSTALL_DIR/bin/ferretdb"
DATA_DIR="$SERVERS_DIR/ferretdb-data"
STATE_DIR="$SERVERS_DIR/ferretdb-state"
LOG_FILE="$SERVERS_DIR/ferretdb.log"
PID_FILE="$SERVERS_DIR/ferretdb.pid"
# Tuning for write throughput (a projection rebuild inserts tens of thousands of
# documents; FerretDB spends its CPU converting them, not in SQLite):
#  - synchronous=NORMAL: with FerretDB's WAL journal, a commit no longer waits
#    for fsync; the WAL is synced at checkpoints. A killed FerretDB loses
#    nothing; a power cut or OS crash may lose the last commits, never corrupts
#    the file (the usual production setting for SQLite in WAL mode). No test
#    cuts the power; `full` restores fsync per commit.
#  - GOGC=400: Go's collector ran often enough to cost ~25% of each insert's
#    CPU; 400 cuts that for ~300 MB peak RSS instead of ~170 MB.
#  - --test-batch-size=1000 (FerretDB's own flag, default 100): rows per SQLite
#    INSERT statement within an insert command's one transaction; ~15% less CPU
#    per document than 100.
SQLITE_SYNCHRONOUS="${LEDGER_FERRETDB_SYNCHRONOUS:-normal}"
FERRETDB_GOGC="${LEDGER_FERRETDB_GOGC:-400}"
INSERT_BATCH=1000
SQLITE_URL="file:$DATA_DIR/"
# The data-dir URL is unique per .servers dir: identifies *our* process (a
# substring of the command line, which adds the pragmas after it).
PID_MARKER="--sqlite-url=$SQLITE_URL"

installed() {
  [[ -x "$FERRETDB_BIN" ]] || return 1
  # Captured first: `cmd | grep -q` can fail under pipefail via SIGPIPE.
  local out
  out="$("$FERRETDB_BIN" --version 2>/dev/null)" || return 1
  grep -qx "version: $FERRETDB_VERSION" <<<"$out"
}

cmd_install() {
  if installed; then
    log "ferretdb $FERRETDB_VERSION already installed at $FERRETDB_BIN"
    return 0
  fi
  need_cmd go "install Go 1.24+"
  local install_log="$SERVERS_DIR/ferretdb-install.log" src="$INSTALL_DIR/src" moddir
  : >"$install_log"
  # Not `go install $FERRETDB_MODULE/cmd/ferretdb@$FERRETDB_VERSION`, for two reasons:
  #  - it also asks the proxy for the module's version list (deprecation
  #    check), which a filtering proxy may refuse (403) and which is fatal;
  #  - the module zip lacks the generated build/version/version.txt that the
  #    binary embeds, so a plain build panics at startup ("Invalid
  #    build/version/version.txt"). So: download the exact version into Go's
  #    module cache, copy it, write version.txt, and build from the copy.
  log "downloading $FERRETDB_MODULE@$FERRETDB_VERSION via the Go module proxy (log: $install_log)"
  moddir="$(go mod download -json "$FERRETDB_MODULE@$FERRETDB_VERSION" 2>>"$install_log" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')" || true
  [[ -n "$moddir" && -f "$moddir/go.mod" ]] || {
    tail -n 40 "$install_log" >&2
    die "go mod download $FERRETDB_MODULE@$FERRETDB_VERSION failed"
  }
  rm -rf "$src" "$INSTALL_DIR/bin.partial"
  mkdir -p "$INSTALL_DIR/bin.partial"
  cp -R "$moddir" "$src"
  chmod -R u+w "$src" # module cache files are read-only
  printf '%s\n' "$FERRETDB_VERSION" >"$src/build/version/version.txt"
  printf 'go-module-proxy\n' >"$src/build/version/package.txt"
  log "building ferretdb (pure Go, SQLite + PostgreSQL handlers; ~1-2 min cold on 2 cores)"
  # CGO off: the SQLite backend is modernc.org/sqlite (pure Go), so no C
  # toolchain is needed and the binary is static. GOFLAGS=-mod=readonly uses
  # FerretDB's own go.sum exactly.
  if ! (cd "$src" && CGO_ENABLED=0 GOFLAGS=-mod=readonly go build -trimpath \
    -o "$INSTALL_DIR/bin.partial/ferretdb" ./cmd/ferretdb) >>"$install_log" 2>&1; then
    tail -n 40 "$install_log" >&2
    die "go build of ferretdb failed"
  fi
  rm -rf "${INSTALL_DIR:?}/bin"
  mv "$INSTALL_DIR/bin.partial" "$INSTALL_DIR/bin"
  rm -rf "$src" # the module cache keeps the source; ours was only for the build
  installed || die "built binary does not report version $FERRETDB_VERSION"
  log "installed ferretdb $FERRETDB_VERSION at $FERRETDB_BIN"
}

healthy() {
  if command -v node >/dev/null 2>&1; then
    # { ping: 1 } through the project's mongodb driver, or a raw OP_MSG when
    # node_modules is not installed yet (see probe.cjs).
    node "$PROBE_JS" mongo "$MONGO_URL"
  else
    # (`ferretdb ping` is no substitute: it needs --setup-username/auth.)
    port_open "$FERRETDB_PORT"
  fi
}

print_env() { printf 'MONGO_URL=%s\n' "$MONGO_URL"; }

# The server's command line (GOGC included): its settings.
server_command() {
  # --debug-addr=- : no metrics/pprof listener (its default 127.0.0.1:8088
  # would clash with other things); --telemetry=disable : no beacon calls.
  SERVER_CMD=(env GOGC="$FERRETDB_GOGC" "$FERRETDB_BIN"
    --handler=sqlite "$PID_MARKER?_pragma=synchronous($SQLITE_SYNCHRONOUS)"
    --test-batch-size="$INSERT_BATCH"
    --listen-addr="127.0.0.1:$FERRETDB_PORT"
    --state-dir="$STATE_DIR"
    --debug-addr=-
    --telemetry=disable
    --log-level="$LOG_LEVEL")
}

do_start() {
  local pid settings
  cmd_install
  server_command
  settings="$(printf '%q ' "${SERVER_CMD[@]}")"
  if pid="$(pid_alive "$PID_FILE" "$PID_MARKER")"; then
    if ! same_settings "$PID_FILE" "$settings"; then
      log "running (pid $pid) with other settings than these: restarting it"
      do_stop
    elif healthy || wait_ready ferretdb "$PID_FILE" "$PID_MARKER" "$LOG_FILE" healthy; then
      log "already running (pid $pid)"
      print_env
      return 0
    else
      die "ferretdb (pid $pid) is running but not answering; try: $0 restart"
    fi
  fi
  rm -f "$PID_FILE"
  port_open "$FERRETDB_PORT" &&
    die "127.0.0.1:$FERRETDB_PORT is already in use by another process (not started by this script)"
  mkdir -p "$DATA_DIR" "$STATE_DIR"
  log "starting ferretdb $FERRETDB_VERSION on 127.0.0.1:$FERRETDB_PORT (data $DATA_DIR, log $LOG_FILE)"
  local started=$SECONDS
  launch "$PID_FILE" "$LOG_FILE" "${SERVER_CMD[@]}"
  record_settings "$PID_FILE" "$settings"
  if ! wait_ready ferretdb "$PID_FILE" "$PID_MARKER" "$LOG_FILE" healthy; then
    stop_pidfile ferretdb "$PID_FILE" "$PID_MARKER"
    die "ferretdb failed to start"
  fi
  log "ready in $((SECONDS - started))s (pid $(<"$PID_FILE"))"
  print_env
}

do_stop() { stop_pidfile ferretdb "$PID_FILE" "$PID_MARKER"; }

wipe_data() {
  log "wiping $DATA_DIR"
  rm -rf "$DATA_DIR"
}

cmd_status() {
  local pid
  if ! pid="$(pid_alive "$PID_FILE" "$PID_MARKER")"; then
    echo "ferretdb: stopped"
    return 3
  fi
  if healthy; then
    echo "ferretdb: running (pid $pid), healthy, MONGO_URL=$MONGO_URL"
  else
    echo "ferretdb: running (pid $pid) but not answering on 127.0.0.1:$FERRETDB_PORT"
    return 1
  fi
}

usage() { print_header "${BASH_SOURCE[0]}"; }

main() {
  local verb="${1:-}"
  [[ $# -gt 0 ]] && shift
  case "$verb" in
  install)
    take_lock ferretdb
    cmd_install
    ;;
  start)
    take_lock ferretdb
    if [[ "${1:-}" == "--fresh" ]]; then
      do_stop
      wipe_data
    elif [[ -n "${1:-}" ]]; then
      usage
      exit 2
    fi
    do_start
    ;;
  stop)
    take_lock ferretdb
    do_stop
    ;;
  restart)
    take_lock ferretdb
    do_stop
    do_start
    ;;
  reset)
    take_lock ferretdb
    do_stop
    wipe_data
    do_start
    ;;
  status) cmd_status ;;
  env) print_env ;;
  -h | --help | help)
    usage
    ;;
  *)
    usage
    exit 2
    ;;
  esac
}

main "$@"
