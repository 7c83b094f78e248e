#!/usr/bin/env bash
# Kafka + FerretDB together for integration tests.
#
# Usage: scripts/servers/all.sh start|stop|status|install
#   start    install (if needed) and start both in parallel, wait for both to be
#            ready, then print the env lines on stdout:
#              KAFKA_BROKERS=127.0.0.1:19092
#              MONGO_URL=mongodb://127.0.0.1:27018/
#            e.g.  set -a; eval "$(scripts/servers/all.sh start)"; set +a
#   stop     stop both (no error if they are not running)
#   status   status of both; non-zero unless both are running and healthy
#   install  install both without starting them (e.g. to warm a CI cache)
# See kafka.sh / ferretdb.sh for per-server verbs (restart, reset, --fresh).
set -euo pipefail

here="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)"
servers=(kafka ferretdb)

# Runs VERB on both servers concurrently (the FerretDB Go build and the Maven
# resolution overlap on a cold machine); stdout of each is kept apart so the
# env lines come out whole and in a fixed order.
run_both() {
  local verb="$1" tmp rc=0 s
  tmp="$(mktemp -d)"
  # shellcheck disable=SC2064 # expand $tmp now
  trap "rm -rf '$tmp'" RETURN
  declare -A pids=()
  for s in "${servers[@]}"; do
    "$here/$s.sh" "$verb" >"$tmp/$s.out" &
    pids[$s]=$!
  done
  for s in "${servers[@]}"; do
    if ! wait "${pids[$s]}"; then
      echo "[all] $s $verb FAILED" >&2
      rc=1
    fi
  done
  for s in "${servers[@]}"; do cat "$tmp/$s.out"; done
  return "$rc"
}

case "${1:-}" in
start | install) run_both "$1" ;;
stop)
  rc=0
  for s in "${servers[@]}"; do "$here/$s.sh" stop || rc=1; done
  exit "$rc"
  ;;
status)
  rc=0
  for s in "${servers[@]}"; do "$here/$s.sh" status || rc=1; done
  exit "$rc"
  ;;
*)
  # The header comment is the usage text.
  awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}" >&2
  exit 2
  ;;
esac
