#!/usr/bin/env bash
# Single-node Apache Kafka (KRaft, no ZooKeeper) on loopback for integration tests.
#
# Usage: scripts/servers/kafka.sh install|start [--fresh]|stop|restart|reset|status|env
#   install   resolve the broker jars from Maven Central into .servers/cache (idempotent)
#   start     install if needed, start, wait until a Metadata request is answered;
#             no-op if already running with these settings and healthy (one
#             running with other settings is restarted). --fresh wipes the data dir first.
#   stop      controlled shutdown (TERM, KILL after a timeout); no error if not running
#   restart   stop + start, keeping topics/offsets (tests restart the broker mid-run)
#   reset     stop, wipe the data dir, start a clean broker
#   status    exit 0 running+healthy, 1 running but not answering, 3 stopped
#   env       print KAFKA_BROKERS=...
# On success start/restart/reset print `KAFKA_BROKERS=host:port` on stdout (all
# progress goes to stderr).
#
# Environment: LEDGER_SERVERS_DIR (default <repo>/.servers), LEDGER_KAFKA_VERSION
# (3.9.2), LEDGER_KAFKA_PORT (19092), LEDGER_KAFKA_CONTROLLER_PORT (19093),
# KAFKA_HEAP_OPTS (-Xms256m -Xmx512m), LEDGER_SERVERS_TIMEOUT (120 s), JAVA_HOME.
set -euo pipefail

SERVER_NAME=kafka
# shellcheck source=scripts/servers/common.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/common.sh"

KAFKA_VERSION="${LEDGER_KAFKA_VERSION:-3.9.2}"
SCALA_VERSION=2.13
KAFKA_PORT="${LEDGER_KAFKA_PORT:-19092}"
CONTROLLER_PORT="${LEDGER_KAFKA_CONTROLLER_PORT:-19093}"
BROKERS="127.0.0.1:$KAFKA_PORT"
# Pinned so a cold machine resolves exactly the same plugin as a warm one.
DEPENDENCY_PLUGIN=org.apache.maven.plugins:maven-dependency-plugin:3.6.1

KAFKA_HOME="$CACHE_DIR/kafka_${SCALA_VERSION}-${KAFKA_VERSION}"
KAFKA_LIB="$KAFKA_HOME/lib"
DATA_DIR="$SERVERS_DIR/kafka-data"
CONF_DIR="$SERVERS_DIR/kafka-conf"
CONF_FILE="$CONF_DIR/server.properties"
LOG_FILE="$SERVERS_DIR/kafka.log"
PID_FILE="$SERVERS_DIR/kafka.pid"
FORMAT_LOG="$SERVERS_DIR/kafka-format.log"
# The config path is unique per .servers dir, so it identifies *our* broker
# in /proc/<pid>/cmdline (and not some other Kafka on the machine).
PID_MARKER="$CONF_FILE"

java_bin() {
  if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then
    printf '%s\n' "$JAVA_HOME/bin/java"
  else
    need_cmd java "install a JDK 17 or set JAVA_HOME"
    command -v java
  fi
}

check_java() {
  local java major
  java="$(java_bin)"
  major="$("$java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p')"
  [[ -n "$major" && "$major" -ge 11 ]] || die "Kafka $KAFKA_VERSION needs Java 11+ (found '${major:-?}' at $java)"
}

installed() { [[ -f "$KAFKA_HOME/.installed" && -d "$KAFKA_LIB" ]]; }

cmd_install() {
  if installed; then
    log "kafka $KAFKA_VERSION already installed in $KAFKA_HOME"
    return 0
  fi
  need_cmd mvn "apt-get install maven"
  check_java
  mkdir -p "$KAFKA_HOME"
  # A throwaway pom whose runtime classpath is the broker: kafka_2.13 pulls in
  # kafka-server, -raft, -metadata, -storage, -clients, scala, jackson, ...;
  # slf4j-reload4j is the log4j 1.x binding the official distribution ships.
  cat >"$KAFKA_HOME/pom.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.ledger.servers</groupId>
  <artifactId>kafka-broker-classpath</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka_${SCALA_VERSION}</artifactId>
      <version>${KAFKA_VERSION}</version>
    </dependency>
    <dependency>
      <groupId>org.slf4j</groupId>
      <artifactId>slf4j-reload4j</artifactId>
      <version>1.7.36</version>
    </dependency>
  </dependencies>
</project>
EOF
  local install_log="$SERVERS_DIR/kafka-install.log"
  log "resolving org.apache.kafka:kafka_${SCALA_VERSION}:$KAFKA_VERSION and its runtime deps with mvn (log: $install_log)"
  # Resolve into a scratch dir and rename at the end, so an interrupted
  # install never leaves a half-filled lib/ that looks complete.
  rm -rf "$KAFKA_HOME/lib.partial"
  if ! mvn -B -ntp -f "$KAFKA_HOME/pom.xml" \
    "$DEPENDENCY_PLUGIN:copy-dependencies" \
    -DincludeScope=runtime -DoutputDirectory="$KAFKA_HOME/lib.partial" >"$install_log" 2>&1; then
    tail -n 40 "$install_log" >&2
    die "mvn failed to resolve Kafka $KAFKA_VERSION"
  fi
  [[ -f "$KAFKA_HOME/lib.partial/kafka_${SCALA_VERSION}-${KAFKA_VERSION}.jar" ]] ||
    die "kafka_${SCALA_VERSION}-${KAFKA_VERSION}.jar missing after mvn (see $install_log)"
  rm -rf "$KAFKA_LIB"
  mv "$KAFKA_HOME/lib.partial" "$KAFKA_LIB"
  date -Is >"$KAFKA_HOME/.installed"
  log "installed kafka $KAFKA_VERSION ($(find "$KAFKA_LIB" -name '*.jar' | wc -l) jars) in $KAFKA_HOME"
}

# The broker's configuration. Regenerated on every start so port/path changes
# apply; the data dir keeps the cluster id (meta.properties) across restarts.
broker_config() {
  cat <<EOF
# Generated by scripts/servers/kafka.sh; edits are overwritten on start.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:${CONTROLLER_PORT}
listeners=PLAINTEXT://127.0.0.1:${KAFKA_PORT},CONTROLLER://127.0.0.1:${CONTROLLER_PORT}
advertised.listeners=PLAINTEXT://127.0.0.1:${KAFKA_PORT}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=${DATA_DIR}
# Single node: every replication factor / ISR must be 1.
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
# One partition each for the internal topics: the first consumer group /
# transactional producer then starts in well under a second, not 50 partitions.
offsets.topic.num.partitions=1
transaction.state.log.num.partitions=1
auto.create.topics.enable=true
delete.topic.enable=true
# Tests join groups constantly; don't wait 3 s for more members.
group.initial.rebalance.delay.ms=0
# Sized for a 2-core CI box and a 512 MiB heap (default dedupe buffer is 128 MiB).
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
log.cleaner.dedupe.buffer.size=33554432
log.retention.hours=168
EOF
}

log4j_config() {
  cat <<'EOF'
# Everything to stdout, which kafka.sh appends to .servers/kafka.log.
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.org.apache.kafka.clients=WARN
log4j.logger.kafka.request.logger=WARN
log4j.logger.state.change.logger=WARN
log4j.logger.kafka.log.LogCleaner=WARN
EOF
}

write_config() {
  mkdir -p "$CONF_DIR" "$DATA_DIR"
  broker_config >"$CONF_FILE"
  log4j_config >"$CONF_DIR/log4j.properties"
}

# A KRaft cluster id is 16 random bytes, base64url without padding; Kafka's
# own generator avoids ids starting with '-', which CLIs would read as a flag.
new_cluster_id() {
  local id
  while :; do
    id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
    [[ "$id" != -* ]] && break
  done
  printf '%s\n' "$id"
}

jvm_opts() {
  # Word-splitting of KAFKA_HEAP_OPTS is intended (it is a list of flags).
  # shellcheck disable=SC2206
  JVM_OPTS=(${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}
    -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35
    -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true
    "-Dlog4j.configuration=file:$CONF_DIR/log4j.properties"
    "-Dkafka.logs.dir=$SERVERS_DIR")
}

format_storage() {
  [[ -f "$DATA_DIR/meta.properties" ]] && return 0
  local cluster_id
  cluster_id="$(new_cluster_id)"
  log "formatting $DATA_DIR (cluster id $cluster_id)"
  "$(java_bin)" -Xmx256m "-Dlog4j.configuration=file:$CONF_DIR/log4j.properties" -cp "$KAFKA_LIB/*" \
    kafka.tools.StorageTool format -t "$cluster_id" -c "$CONF_FILE" --ignore-formatted >>"$FORMAT_LOG" 2>&1 ||
    {
      tail -n 40 "$FORMAT_LOG" >&2
      die "kafka storage format failed"
    }
}

healthy() {
  if have_node_pkg kafkajs; then
    node "$PROBE_JS" kafka "$BROKERS"
  else
    # No node_modules yet: a listening socket plus the broker's own
    # "started" line (the log is rotated per start, so it is this run's).
    port_open "$KAFKA_PORT" &&
      grep -qE 'Kafka Server started|Transition from STARTING to STARTED' "$LOG_FILE" 2>/dev/null
  fi
}

print_env() { printf 'KAFKA_BROKERS=%s\n' "$BROKERS"; }

do_start() {
  local pid settings java
  cmd_install
  java="$(java_bin)"
  jvm_opts
  SERVER_CMD=("$java" "${JVM_OPTS[@]}" -cp "$KAFKA_LIB/*" kafka.Kafka "$CONF_FILE")
  settings="$(printf '%q ' "${SERVER_CMD[@]}")
$(broker_config)
$(log4j_config)"
  if pid="$(pid_alive "$PID_FILE" "$PID_MARKER")"; then
    if ! same_settings "$PID_FILE" "$settings"; then
      log "running (pid $pid) with other settings than these: restarting it"
      do_stop
    elif healthy || wait_ready kafka "$PID_FILE" "$PID_MARKER" "$LOG_FILE" healthy; then
      log "already running (pid $pid)"
      print_env
      return 0
    else
      die "kafka (pid $pid) is running but not answering; try: $0 restart"
    fi
  fi
  rm -f "$PID_FILE"
  local port
  for port in "$KAFKA_PORT" "$CONTROLLER_PORT"; do
    port_open "$port" && die "127.0.0.1:$port is already in use by another process (not started by this script)"
  done
  check_java
  write_config
  format_storage
  log "starting kafka $KAFKA_VERSION on $BROKERS (controller 127.0.0.1:$CONTROLLER_PORT, log $LOG_FILE)"
  local started=$SECONDS
  launch "$PID_FILE" "$LOG_FILE" "${SERVER_CMD[@]}"
  record_settings "$PID_FILE" "$settings"
  if ! wait_ready kafka "$PID_FILE" "$PID_MARKER" "$LOG_FILE" healthy; then
    stop_pidfile kafka "$PID_FILE" "$PID_MARKER"
    die "kafka failed to start"
  fi
  log "ready in $((SECONDS - started))s (pid $(<"$PID_FILE"))"
  print_env
}

do_stop() { stop_pidfile kafka "$PID_FILE" "$PID_MARKER"; }

wipe_data() {
  log "wiping $DATA_DIR"
  rm -rf "$DATA_DIR" "$FORMAT_LOG"
}

cmd_status() {
  local pid
  if ! pid="$(pid_alive "$PID_FILE" "$PID_MARKER")"; then
    echo "kafka: stopped"
    return 3
  fi
  if healthy; then
    echo "kafka: running (pid $pid), healthy, KAFKA_BROKERS=$BROKERS"
  else
    echo "kafka: running (pid $pid) but not answering on $BROKERS"
    return 1
  fi
}

usage() { print_header "${BASH_SOURCE[0]}"; }

main() {
  local verb="${1:-}"
  [[ $# -gt 0 ]] && shift
  case "$verb" in
  install)
    take_lock kafka
    cmd_install
    ;;
  start)
    take_lock kafka
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
    take_lock kafka
    do_stop
    ;;
  restart)
    take_lock kafka
    do_stop
    do_start
    ;;
  reset)
    take_lock kafka
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
