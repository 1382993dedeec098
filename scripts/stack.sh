#!/usr/bin/env bash
# Local stack of real services for development and tests, without Docker.
#
#   bash scripts/stack.sh up            start everything (idempotent), write .stack/stack.env
#   bash scripts/stack.sh down          stop everything this script started (keeps data and caches)
#   bash scripts/stack.sh down --purge  ... and delete the state dir (data, logs, pid files)
#   bash scripts/stack.sh status        one line per service; exit 0 only if all are healthy
#   bash scripts/stack.sh env           print the connection settings (KEY=VALUE lines)
#
# Services (all bound to 127.0.0.1):
#   kafka            Apache Kafka 4.x, KRaft, single combined broker+controller. Jars come
#                    from Maven Central via `mvn dependency:copy-dependencies` (kafka_2.13 plus
#                    a log4j2 backend: Kafka 4 logs through slf4j 1.7, so log4j-slf4j-impl).
#   schema-registry  Apicurio Registry 3.x (Confluent-compatible API at /apis/ccompat/v7), the
#                    `apicurio-registry-app:<ver>:tar.gz:all` artifact from Maven Central, with
#                    H2 file storage in the state dir. Apicurio >= 3.1 needs Java 21+: the script
#                    looks for one (JAVA_HOME, PATH, /usr/lib/jvm/*); if only Java 17 exists it
#                    falls back to Apicurio 3.0.9, the last 3.x line that runs on Java 17.
#   postgres         PostgreSQL from Debian packages (apt-get install postgresql if missing),
#                    a throwaway cluster created with initdb; runs as the `postgres` user when
#                    this script runs as root.
#   s3               versitygw (Apache-2.0 S3 gateway), built with `go install`, posix backend.
#
# Downloads are cached in ${MEDIA_STUDIO_CACHE:-$HOME/.cache/media-studio}; runtime state
# (data, logs, pid files) lives in ${MEDIA_STUDIO_STACK_DIR:-<repo>/.stack}.
#
# Optional overrides: STACK_KAFKA_PORT (19092), STACK_KAFKA_CONTROLLER_PORT (19093),
# STACK_REGISTRY_PORT (18081), STACK_REGISTRY_MANAGEMENT_PORT (18082), STACK_POSTGRES_PORT
# (15432), STACK_S3_PORT (17070), STACK_TIMEOUT (readiness timeout per service, 180 s),
# STACK_KAFKA_VERSION, STACK_APICURIO_VERSION, STACK_VERSITYGW_VERSION, STACK_KAFKA_JAVA,
# STACK_REGISTRY_JAVA (path to a java binary), STACK_PG_BIN (PostgreSQL bin dir).
# Changing the Kafka controller port after the first `up` needs `down --purge`.
set -euo pipefail
shopt -s inherit_errexit nullglob

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$SCRIPT_DIR/.." && pwd)

CACHE_DIR=${MEDIA_STUDIO_CACHE:-$HOME/.cache/media-studio}
STATE_DIR=${MEDIA_STUDIO_STACK_DIR:-$REPO_DIR/.stack}
case $CACHE_DIR in /*) ;; *) CACHE_DIR=$PWD/$CACHE_DIR ;; esac
case $STATE_DIR in /*) ;; *) STATE_DIR=$PWD/$STATE_DIR ;; esac
LOG_DIR=$STATE_DIR/logs
RUN_DIR=$STATE_DIR/run
ENV_FILE=$STATE_DIR/stack.env

KAFKA_VERSION=${STACK_KAFKA_VERSION:-4.4.0}
LOG4J_VERSION=${STACK_LOG4J_VERSION:-2.26.1}
APICURIO_VERSION=${STACK_APICURIO_VERSION:-3.3.3}
APICURIO_JAVA17_VERSION=3.0.9
VERSITYGW_VERSION=${STACK_VERSITYGW_VERSION:-v1.8.0}
MVN_DEPENDENCY_PLUGIN=org.apache.maven.plugins:maven-dependency-plugin:3.8.1

HOST=127.0.0.1
KAFKA_PORT=${STACK_KAFKA_PORT:-19092}
KAFKA_CONTROLLER_PORT=${STACK_KAFKA_CONTROLLER_PORT:-19093}
REGISTRY_PORT=${STACK_REGISTRY_PORT:-18081}
REGISTRY_MGMT_PORT=${STACK_REGISTRY_MANAGEMENT_PORT:-18082}
POSTGRES_PORT=${STACK_POSTGRES_PORT:-15432}
S3_PORT=${STACK_S3_PORT:-17070}
TIMEOUT=${STACK_TIMEOUT:-180}

DB_USER=media_studio
DB_PASSWORD=media_studio
DB_NAME=media_studio
DB_TEST_NAME=media_studio_test
S3_ACCESS_KEY=media-studio
S3_SECRET_KEY=media-studio-secret
S3_REGION=us-east-1

SERVICES=(kafka schema-registry postgres s3)

# ---------------------------------------------------------------------------------------------
# helpers

say() { printf '[%s] %s\n' "$1" "$2"; }
warn() { printf 'stack: %s\n' "$*" >&2; }
die() {
  warn "$*"
  exit 1
}

svc_port() {
  case $1 in
    kafka) echo "$KAFKA_PORT" ;;
    schema-registry) echo "$REGISTRY_PORT" ;;
    postgres) echo "$POSTGRES_PORT" ;;
    s3) echo "$S3_PORT" ;;
  esac
}

# A word that must appear in the command line of the service's process (guards against pid reuse).
svc_marker() {
  case $1 in
    kafka) echo "kafka.Kafka" ;;
    schema-registry) echo "apicurio" ;;
    postgres) echo "postgres" ;;
    s3) echo "versitygw" ;;
  esac
}

port_open() { timeout 2 bash -c "exec 3<>/dev/tcp/$HOST/$1" 2>/dev/null; }

http_code() { curl -s -o /dev/null -m 5 -w '%{http_code}' "$1" 2>/dev/null || true; }

pid_matches() { # pid marker
  local pid=$1 marker=$2 cmd
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  if [[ -r /proc/$pid/cmdline ]]; then
    cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline")
  else
    cmd=$(ps -o args= -p "$pid" 2>/dev/null || true)
  fi
  [[ $cmd == *"$marker"* ]]
}

# Rotate a service log so readiness checks only see the current run.
rotate_log() {
  local f=$LOG_DIR/$1.log
  if [[ -s $f ]]; then mv -f "$f" "$f.1"; fi
  : >"$f"
}

# Start "$@" detached (own session, no inherited terminal/pipes/lock) and record its pid.
daemonize() { # svc cmd...
  local svc=$1 pidf
  shift
  pidf=$RUN_DIR/$svc.pid
  rm -f "$pidf"
  # shellcheck disable=SC2016 # $$ and "$@" belong to the inner shell
  setsid bash -c 'echo $$ >"$0"; exec "$@"' "$pidf" "$@" >>"$LOG_DIR/$svc.log" 2>&1 </dev/null 9>&- &
  local i
  for ((i = 0; i < 100; i++)); do
    [[ -s $pidf ]] && return 0
    sleep 0.1
  done
  return 1
}

stop_pid() { # pid marker label
  local pid=$1 marker=$2 label=$3 i
  pid_matches "$pid" "$marker" || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 300; i++)); do
    pid_matches "$pid" "$marker" || return 0
    sleep 0.1
  done
  say "$label" "still running after 30 s, sending KILL"
  kill -KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    pid_matches "$pid" "$marker" || return 0
    sleep 0.1
  done
}

java_major() { # path -> major version (8, 17, 21, ...)
  local v
  v=$("$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p' | head -n1)
  case $v in
    1.*) echo "${v#1.}" ;;
    '') echo 0 ;;
    *) echo "${v%%.*}" ;;
  esac
}

# Print the newest java (>= $1) among the usual places, preferring $2 (an explicit choice).
find_java() { # min [preferred]
  local min=$1 preferred=${2:-} c real best='' bestv=0 v
  local -A seen=()
  if [[ -n $preferred ]]; then
    [[ -x $preferred ]] || die "java not found at $preferred"
    (($(java_major "$preferred") >= min)) || return 1
    echo "$preferred"
    return 0
  fi
  local cands=()
  [[ -n ${JAVA_HOME:-} ]] && cands+=("$JAVA_HOME/bin/java")
  c=$(command -v java || true)
  [[ -n $c ]] && cands+=("$c")
  cands+=(/usr/lib/jvm/*/bin/java /opt/java/*/bin/java /usr/local/lib/jvm/*/bin/java)
  for c in "${cands[@]}"; do
    [[ -x $c ]] || continue
    real=$(readlink -f "$c")
    [[ -n ${seen[$real]:-} ]] && continue
    seen[$real]=1
    v=$(java_major "$c")
    if ((v >= min && v > bestv)); then
      best=$c
      bestv=$v
    fi
  done
  [[ -n $best ]] || return 1
  echo "$best"
}

# The default java (JAVA_HOME, then PATH) if it is >= $1, else the newest one that is.
default_java() { # min [preferred]
  local c=''
  if [[ -n ${2:-} ]]; then
    find_java "$1" "$2"
    return
  fi
  if [[ -n ${JAVA_HOME:-} && -x $JAVA_HOME/bin/java ]]; then c=$JAVA_HOME/bin/java; else c=$(command -v java || true); fi
  if [[ -n $c ]] && (($(java_major "$c") >= $1)); then
    echo "$c"
    return 0
  fi
  find_java "$1"
}

mvn_q() { # args... (serialised: parallel mvn runs must not share a local repo)
  local lock=$CACHE_DIR/.mvn.lock
  command -v mvn >/dev/null || die "mvn not found (needed to fetch Kafka and Apicurio from Maven Central)"
  if command -v flock >/dev/null; then
    flock "$lock" mvn -B -q -Dstyle.color=never -Dmaven.repo.local="$CACHE_DIR/m2" "$@"
  else
    mvn -B -q -Dstyle.color=never -Dmaven.repo.local="$CACHE_DIR/m2" "$@"
  fi
}

# ---------------------------------------------------------------------------------------------
# downloads (cached; a `.complete` marker means "done, never fetch again")

KAFKA_HOME=$CACHE_DIR/kafka/kafka_2.13-$KAFKA_VERSION-log4j-$LOG4J_VERSION

fetch_kafka() {
  [[ -f $KAFKA_HOME/.complete ]] && return 0
  local dl=$LOG_DIR/download-kafka.log
  say kafka "fetching Kafka $KAFKA_VERSION jars from Maven Central (log: $dl)"
  mkdir -p "$KAFKA_HOME"
  cat >"$KAFKA_HOME/pom.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<!-- generated by scripts/stack.sh: only used to fetch the broker's runtime classpath -->
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.media-studio</groupId>
  <artifactId>kafka-runtime</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>$KAFKA_VERSION</version></dependency>
    <!-- Kafka 4 uses slf4j-api 1.7 and log4j2 (the distribution ships log4j-slf4j-impl + log4j-core) -->
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-core</artifactId><version>$LOG4J_VERSION</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j-impl</artifactId><version>$LOG4J_VERSION</version></dependency>
  </dependencies>
</project>
EOF
  rm -rf "$KAFKA_HOME/libs" "$KAFKA_HOME/libs.tmp"
  (cd "$KAFKA_HOME" && mvn_q "$MVN_DEPENDENCY_PLUGIN:copy-dependencies" -DincludeScope=runtime \
    -DoutputDirectory="$KAFKA_HOME/libs.tmp") >>"$dl" 2>&1 || {
    say kafka "mvn failed; see $dl"
    return 1
  }
  mv "$KAFKA_HOME/libs.tmp" "$KAFKA_HOME/libs"
  touch "$KAFKA_HOME/.complete"
}

fetch_apicurio() { # version -> sets APICURIO_HOME
  local ver=$1 dl=$LOG_DIR/download-schema-registry.log tmp
  APICURIO_HOME=$CACHE_DIR/apicurio/apicurio-registry-app-$ver
  [[ -f $APICURIO_HOME/.complete ]] && return 0
  say schema-registry "fetching Apicurio Registry $ver from Maven Central (log: $dl)"
  mkdir -p "$CACHE_DIR/apicurio"
  tmp=$CACHE_DIR/apicurio/.tmp-$ver
  rm -rf "$tmp" "$APICURIO_HOME"
  mkdir -p "$tmp/x"
  (cd "$tmp" && mvn_q "$MVN_DEPENDENCY_PLUGIN:copy" \
    -Dartifact="io.apicurio:apicurio-registry-app:$ver:tar.gz:all" -DoutputDirectory="$tmp") >>"$dl" 2>&1 || {
    say schema-registry "mvn failed; see $dl"
    return 1
  }
  tar -xzf "$tmp/apicurio-registry-app-$ver-all.tar.gz" -C "$tmp/x"
  mv "$tmp/x" "$APICURIO_HOME"
  rm -rf "$tmp"
  touch "$APICURIO_HOME/.complete"
}

VERSITYGW_BIN=$CACHE_DIR/go/versitygw-$VERSITYGW_VERSION/versitygw

fetch_versitygw() {
  [[ -x $VERSITYGW_BIN ]] && return 0
  local dl=$LOG_DIR/download-s3.log dir gocache
  command -v go >/dev/null || die "go not found (needed to build versitygw)"
  dir=$(dirname "$VERSITYGW_BIN")
  say s3 "building versitygw $VERSITYGW_VERSION with go install (log: $dl)"
  mkdir -p "$dir" "$CACHE_DIR/go/mod"
  gocache=$(mktemp -d "$CACHE_DIR/go/build.XXXXXX")
  # The module cache stays in the cache dir; the build cache is only needed once.
  if ! GOBIN=$dir GOMODCACHE=$CACHE_DIR/go/mod GOCACHE=$gocache GOFLAGS="-modcacherw ${GOFLAGS:-}" \
    go install -trimpath "github.com/versity/versitygw/cmd/versitygw@$VERSITYGW_VERSION" >>"$dl" 2>&1; then
    rm -rf "$gocache"
    say s3 "go install failed; see $dl"
    return 1
  fi
  rm -rf "$gocache"
}

# ---------------------------------------------------------------------------------------------
# postgres paths (the server must run as `postgres` when we are root)

is_root() { [[ $(id -u) == 0 ]]; }

pg_bin_dir() { # the newest /usr/lib/postgresql/<major>/bin, else wherever initdb is on PATH
  if [[ -n ${STACK_PG_BIN:-} ]]; then
    echo "$STACK_PG_BIN"
    return 0
  fi
  local d v best='' bestv=-1 i
  for d in /usr/lib/postgresql/*/bin; do
    v=$(basename "$(dirname "$d")")
    [[ $v =~ ^[0-9]+$ && -x $d/initdb && -x $d/pg_ctl ]] || continue
    if ((v > bestv)); then
      best=$d
      bestv=$v
    fi
  done
  if [[ -z $best ]]; then
    i=$(command -v initdb || true)
    [[ -n $i ]] && best=$(dirname "$(readlink -f "$i")")
  fi
  [[ -n $best ]] || return 1
  echo "$best"
}

ensure_pg_bin() {
  PG_BIN=$(pg_bin_dir || true)
  if [[ -z $PG_BIN ]]; then
    is_root || die "PostgreSQL server binaries not found; install them (Debian: apt-get install postgresql) or set STACK_PG_BIN"
    local dl=$LOG_DIR/download-postgres.log
    say postgres "PostgreSQL binaries missing; apt-get install postgresql (log: $dl)"
    {
      apt-get update
      DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql
    } >>"$dl" 2>&1 || {
      say postgres "apt-get failed; see $dl"
      return 1
    }
    PG_BIN=$(pg_bin_dir || true)
    [[ -n $PG_BIN ]] || die "PostgreSQL still not found after apt-get install"
  fi
}

# PG_ROOT: the real directory holding data/ and run/. Normally $STATE_DIR/postgres; if the
# postgres user cannot reach the state dir (e.g. a checkout under /root), it lives in /var/tmp
# and $STATE_DIR/postgres is a symlink to it.
pg_paths() {
  local link=$STATE_DIR/postgres
  if [[ -L $link || -d $link ]]; then
    PG_ROOT=$(readlink -f "$link")
  else
    PG_ROOT=$link
  fi
  PG_DATA=$PG_ROOT/data
  PG_SOCK=$PG_ROOT/run
  if ((${#PG_SOCK} > 90)); then # unix socket paths are limited to ~107 bytes
    PG_SOCK=/tmp/media-studio-pg-$(printf '%s' "$PG_ROOT" | cksum | cut -d' ' -f1)
  fi
}

pg_prepare_root() {
  local link=$STATE_DIR/postgres
  if [[ ! -e $link ]]; then
    if is_root && ! runuser -u postgres -- test -x "$STATE_DIR" 2>/dev/null; then
      local alt
      alt=/var/tmp/media-studio-pg-$(printf '%s' "$STATE_DIR" | cksum | cut -d' ' -f1)
      say postgres "the postgres user cannot reach $STATE_DIR; keeping its data in $alt"
      mkdir -p "$alt"
      ln -sfn "$alt" "$link"
    else
      mkdir -p "$link"
    fi
  fi
  pg_paths
  mkdir -p "$PG_ROOT" "$PG_SOCK"
  if is_root; then
    id postgres >/dev/null 2>&1 || die "user 'postgres' does not exist (install the postgresql package)"
    chown postgres:postgres "$PG_ROOT" "$PG_SOCK"
  fi
  chmod 0755 "$PG_SOCK"
}

as_pg() { # run a command as the postgres user when we are root
  if is_root; then
    (cd "$PG_ROOT" && runuser -u postgres -- "$@")
  else
    (cd "$PG_ROOT" && "$@")
  fi
}

# ---------------------------------------------------------------------------------------------
# per-service: pid, health, start

svc_pid() { # prints the live pid or nothing; removes stale pid files
  local svc=$1 pidf pid
  if [[ $svc == postgres ]]; then
    pg_paths
    pid=$(head -n1 "$PG_DATA/postmaster.pid" 2>/dev/null || true)
    if pid_matches "$pid" postgres; then echo "$pid"; fi
    return 0
  fi
  pidf=$RUN_DIR/$svc.pid
  [[ -f $pidf ]] || return 0
  pid=$(cat "$pidf" 2>/dev/null || true)
  if pid_matches "$pid" "$(svc_marker "$svc")"; then
    echo "$pid"
  else
    rm -f "$pidf"
  fi
}

svc_healthy() {
  case $1 in
    kafka) port_open "$KAFKA_PORT" ;;
    schema-registry) [[ $(http_code "http://$HOST:$REGISTRY_PORT/apis/ccompat/v7/subjects") == 200 ]] ;;
    postgres)
      local isready=${PG_BIN:-}/pg_isready
      [[ -x $isready ]] || isready=$(command -v pg_isready || true)
      if [[ -n $isready ]]; then
        "$isready" -q -h "$HOST" -p "$POSTGRES_PORT" -t 3
      else
        port_open "$POSTGRES_PORT"
      fi
      ;;
    s3) [[ $(http_code "http://$HOST:$S3_PORT/health") == 200 ]] ;;
  esac
}

# Readiness right after a start (kafka also needs its "started" log line).
svc_ready() {
  case $1 in
    kafka) grep -q 'Kafka Server started' "$LOG_DIR/kafka.log" 2>/dev/null && port_open "$KAFKA_PORT" ;;
    *) svc_healthy "$1" ;;
  esac
}

start_kafka() {
  local java dir=$STATE_DIR/kafka cp
  java=$(default_java 17 "${STACK_KAFKA_JAVA:-}") || die "Kafka $KAFKA_VERSION needs Java 17+, none found"
  fetch_kafka
  mkdir -p "$dir/data"
  cp="$KAFKA_HOME/libs/*"
  cat >"$dir/server.properties" <<EOF
# generated by scripts/stack.sh
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=$HOST:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://$HOST:$KAFKA_PORT,CONTROLLER://$HOST:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$HOST:$KAFKA_PORT,CONTROLLER://$HOST:$KAFKA_CONTROLLER_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$dir/data
num.partitions=1
auto.create.topics.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
EOF
  cat >"$dir/log4j2.properties" <<'EOF'
# generated by scripts/stack.sh
status = warn
name = media-studio-kafka
# keep logging while Kafka's own shutdown hook runs
shutdownHook = disable
appender.stdout.type = Console
appender.stdout.name = STDOUT
appender.stdout.layout.type = PatternLayout
appender.stdout.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.stdout.ref = STDOUT
logger.state.name = state.change.logger
logger.state.level = WARN
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.authorizer.name = kafka.authorizer.logger
logger.authorizer.level = WARN
logger.config.name = org.apache.kafka.common.config.AbstractConfig
logger.config.level = WARN
EOF
  local jopts=(-Xms256m -Xmx512m -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true
    "-Dlog4j2.configurationFile=file:$dir/log4j2.properties" "-Dkafka.logs.dir=$LOG_DIR")
  rotate_log kafka
  if [[ ! -f $dir/data/meta.properties ]]; then
    local cid
    cid=$("$java" "${jopts[@]}" -cp "$cp" kafka.tools.StorageTool random-uuid 2>>"$LOG_DIR/kafka.log" | tail -n1)
    say kafka "formatting KRaft storage (cluster id $cid)"
    "$java" "${jopts[@]}" -cp "$cp" kafka.tools.StorageTool format --standalone -t "$cid" \
      -c "$dir/server.properties" >>"$LOG_DIR/kafka.log" 2>&1 || {
      say kafka "storage format failed"
      return 1
    }
  fi
  say kafka "starting Kafka $KAFKA_VERSION on $HOST:$KAFKA_PORT (controller $KAFKA_CONTROLLER_PORT, java $(java_major "$java"))"
  (cd "$dir" && daemonize kafka "$java" "${jopts[@]}" -cp "$cp" kafka.Kafka "$dir/server.properties")
}

start_schema_registry() {
  local java ver jar dir=$STATE_DIR/schema-registry
  if java=$(find_java 21 "${STACK_REGISTRY_JAVA:-}"); then
    ver=$APICURIO_VERSION
  elif java=$(default_java 17); then
    ver=$APICURIO_JAVA17_VERSION
    say schema-registry "no Java 21+ found; using Apicurio $ver, which runs on Java 17"
  else
    die "Apicurio Registry needs Java 17+ (21+ for >= 3.1), none found"
  fi
  fetch_apicurio "$ver"
  jar=$APICURIO_HOME/quarkus-run.jar
  if [[ ! -f $jar ]]; then
    local j
    for j in "$APICURIO_HOME"/*-runner.jar; do jar=$j; done
  fi
  [[ -f $jar ]] || die "no runnable jar in $APICURIO_HOME"
  mkdir -p "$dir/db" "$dir/tmp"
  rotate_log schema-registry
  say schema-registry "starting Apicurio Registry $ver on $HOST:$REGISTRY_PORT (java $(java_major "$java"))"
  (cd "$dir" && daemonize schema-registry "$java" -Xms128m -Xmx512m -Djava.awt.headless=true \
    "-Djava.io.tmpdir=$dir/tmp" \
    -Dquarkus.http.host="$HOST" -Dquarkus.http.port="$REGISTRY_PORT" \
    -Dquarkus.management.host="$HOST" -Dquarkus.management.port="$REGISTRY_MGMT_PORT" \
    "-Dapicurio.datasource.url=jdbc:h2:file:$dir/db/registry" \
    "-Dapicurio.storage.snapshot.location=$dir/tmp" \
    -Dapicurio.rest.deletion.group.enabled=true \
    -Dapicurio.rest.deletion.artifact.enabled=true \
    -Dapicurio.rest.deletion.artifact-version.enabled=true \
    -jar "$jar")
}

start_postgres() {
  ensure_pg_bin
  pg_prepare_root
  local log=$LOG_DIR/postgres.log
  rotate_log postgres
  if [[ ! -f $PG_DATA/PG_VERSION ]]; then
    say postgres "initdb in $PG_DATA ($PG_BIN)"
    rm -rf "$PG_DATA"
    if is_root; then
      mkdir -p "$PG_DATA"
      chown postgres:postgres "$PG_DATA"
    fi
    as_pg "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
      -E UTF8 --no-locale >>"$log" 2>&1 </dev/null || {
      say postgres "initdb failed"
      return 1
    }
    echo "include_if_exists = 'media_studio_stack.conf'" >>"$PG_DATA/postgresql.conf"
  fi
  # Rewritten on every start so that port overrides apply without a new cluster.
  cat >"$PG_DATA/media_studio_stack.conf" <<EOF
# generated by scripts/stack.sh (throwaway dev/test cluster: durability traded for speed)
listen_addresses = '$HOST'
port = $POSTGRES_PORT
unix_socket_directories = '$PG_SOCK'
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
  is_root && chown postgres:postgres "$PG_DATA/media_studio_stack.conf"
  say postgres "starting PostgreSQL $(basename "$(dirname "$PG_BIN")") on $HOST:$POSTGRES_PORT"
  # No -l: the server inherits this stdout, which we (not the postgres user) opened.
  as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -w -t "$TIMEOUT" start >>"$log" 2>&1 </dev/null 9>&- || {
    say postgres "pg_ctl start failed"
    return 1
  }
}

pg_bootstrap() { # idempotent: role + databases
  as_pg "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_SOCK" -p "$POSTGRES_PORT" -U postgres -d postgres \
    >>"$LOG_DIR/postgres.log" 2>&1 <<SQL
DO \$do\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$DB_USER') THEN
    CREATE ROLE $DB_USER LOGIN CREATEDB PASSWORD '$DB_PASSWORD';
  ELSE
    ALTER ROLE $DB_USER LOGIN CREATEDB PASSWORD '$DB_PASSWORD';
  END IF;
END \$do\$;
SELECT 'CREATE DATABASE $DB_NAME OWNER $DB_USER' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$DB_NAME')\gexec
SELECT 'CREATE DATABASE $DB_TEST_NAME OWNER $DB_USER' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$DB_TEST_NAME')\gexec
SQL
}

start_s3() {
  local dir=$STATE_DIR/s3
  fetch_versitygw
  mkdir -p "$dir/data"
  rotate_log s3
  say s3 "starting versitygw $VERSITYGW_VERSION (posix backend) on $HOST:$S3_PORT"
  (cd "$dir" && daemonize s3 env ROOT_ACCESS_KEY_ID="$S3_ACCESS_KEY" ROOT_SECRET_ACCESS_KEY="$S3_SECRET_KEY" \
    "$VERSITYGW_BIN" --port "$HOST:$S3_PORT" --region "$S3_REGION" --health /health --quiet \
    posix "$dir/data")
}

wait_ready() { # svc
  local svc=$1 deadline=$((SECONDS + TIMEOUT)) pid
  while :; do
    if svc_ready "$svc"; then return 0; fi
    pid=$(svc_pid "$svc")
    if [[ -z $pid ]]; then
      say "$svc" "process exited before becoming ready"
      return 1
    fi
    if ((SECONDS >= deadline)); then
      say "$svc" "not ready after ${TIMEOUT}s"
      return 1
    fi
    sleep 0.5
  done
}

svc_up() {
  local svc=$1 pid t0=$SECONDS
  [[ $svc == postgres ]] && { PG_BIN=$(pg_bin_dir || true); }
  pid=$(svc_pid "$svc")
  if [[ -n $pid ]]; then
    if svc_healthy "$svc"; then
      say "$svc" "already running (pid $pid)"
      [[ $svc == postgres ]] && pg_bootstrap
      return 0
    fi
    say "$svc" "running (pid $pid) but not healthy yet; waiting"
  else
    if port_open "$(svc_port "$svc")"; then
      # e.g. the docker-compose.yml stack: same ports and credentials, so just use it
      if svc_healthy "$svc"; then
        say "$svc" "port $(svc_port "$svc") already serves a healthy $svc not started by this script; using it"
        return 0
      fi
      say "$svc" "port $(svc_port "$svc") is already in use by a process this script did not start"
      return 1
    fi
    case $svc in
      kafka) start_kafka ;;
      schema-registry) start_schema_registry ;;
      postgres) start_postgres ;;
      s3) start_s3 ;;
    esac
  fi
  wait_ready "$svc"
  if [[ $svc == postgres ]]; then
    pg_bootstrap || {
      say postgres "creating role/databases failed"
      return 1
    }
  fi
  say "$svc" "ready (pid $(svc_pid "$svc"), $((SECONDS - t0))s)"
}

write_env() {
  cat <<EOF
KAFKA_BROKERS=$HOST:$KAFKA_PORT
SCHEMA_REGISTRY_URL=http://$HOST:$REGISTRY_PORT/apis/ccompat/v7
DATABASE_URL=postgres://$DB_USER:$DB_PASSWORD@$HOST:$POSTGRES_PORT/$DB_NAME
TEST_DATABASE_URL=postgres://$DB_USER:$DB_PASSWORD@$HOST:$POSTGRES_PORT/$DB_TEST_NAME
S3_ENDPOINT=http://$HOST:$S3_PORT
S3_REGION=$S3_REGION
S3_ACCESS_KEY_ID=$S3_ACCESS_KEY
S3_SECRET_ACCESS_KEY=$S3_SECRET_KEY
S3_FORCE_PATH_STYLE=true
EOF
}

lock_state() {
  mkdir -p "$STATE_DIR" "$LOG_DIR" "$RUN_DIR"
  exec 9>"$RUN_DIR/stack.lock"
  if command -v flock >/dev/null; then flock 9; fi
}

# ---------------------------------------------------------------------------------------------
# commands

cmd_up() {
  local t0=$SECONDS svc failed=()
  command -v curl >/dev/null || die "curl is required"
  mkdir -p "$CACHE_DIR"
  lock_state
  touch "$RUN_DIR/up.stamp"
  local -A pids=()
  for svc in "${SERVICES[@]}"; do
    (svc_up "$svc") &
    pids[$svc]=$!
  done
  for svc in "${SERVICES[@]}"; do
    if ! wait "${pids[$svc]}"; then failed+=("$svc"); fi
  done
  if ((${#failed[@]})); then
    for svc in "${failed[@]}"; do
      local f
      for f in "$LOG_DIR/download-$svc.log" "$LOG_DIR/$svc.log"; do
        # only logs written by this run
        [[ -s $f && ! $f -ot $RUN_DIR/up.stamp ]] || continue
        printf '\n----- %s failed; last lines of %s -----\n' "$svc" "$f" >&2
        tail -n 40 "$f" >&2
      done
    done
    warn "FAILED: ${failed[*]} (after $((SECONDS - t0))s); logs in $LOG_DIR"
    exit 1
  fi
  write_env >"$ENV_FILE.tmp"
  mv "$ENV_FILE.tmp" "$ENV_FILE"
  echo "stack up in $((SECONDS - t0))s"
  echo "connection settings: $ENV_FILE"
  echo "logs: $LOG_DIR/{kafka,schema-registry,postgres,s3}.log"
}

cmd_down() {
  local purge=0 arg svc
  for arg in "$@"; do
    case $arg in
      --purge) purge=1 ;;
      *) die "unknown option for down: $arg" ;;
    esac
  done
  if [[ ! -d $STATE_DIR ]]; then
    echo "nothing running (no $STATE_DIR)"
    return 0
  fi
  lock_state
  local bg=()
  for svc in "${SERVICES[@]}"; do
    (
      pid=$(svc_pid "$svc")
      if [[ -z $pid ]]; then
        say "$svc" "not running"
        rm -f "$RUN_DIR/$svc.pid"
        exit 0
      fi
      if [[ $svc == postgres ]]; then
        PG_BIN=$(pg_bin_dir || true)
        if [[ -n $PG_BIN ]] && as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 60 stop >>"$LOG_DIR/postgres.log" 2>&1 </dev/null 9>&-; then
          :
        else
          stop_pid "$pid" postgres postgres
        fi
      else
        stop_pid "$pid" "$(svc_marker "$svc")" "$svc"
      fi
      rm -f "$RUN_DIR/$svc.pid"
      say "$svc" "stopped (was pid $pid)"
    ) &
    bg+=($!)
  done
  local p rc=0
  for p in "${bg[@]}"; do wait "$p" || rc=1; done
  if ((purge)); then
    case $STATE_DIR in
      / | "$HOME" | "$REPO_DIR" | '') die "refusing to delete $STATE_DIR" ;;
    esac
    pg_paths
    if [[ -L $STATE_DIR/postgres && $PG_ROOT == /var/tmp/media-studio-pg-* ]]; then rm -rf "$PG_ROOT"; fi
    exec 9>&-
    rm -rf "$STATE_DIR"
    echo "purged $STATE_DIR (caches kept in $CACHE_DIR)"
  fi
  return "$rc"
}

cmd_status() {
  local svc pid state health all=0
  PG_BIN=$(pg_bin_dir || true)
  for svc in "${SERVICES[@]}"; do
    pid=$(svc_pid "$svc")
    state=stopped
    [[ -n $pid ]] && state=running
    if svc_healthy "$svc"; then health=healthy; else
      health=unhealthy
      all=1
    fi
    [[ -z $pid && $health == healthy ]] && health="healthy (port answered, but not started by this script)"
    printf '%-16s %-8s pid=%-8s port=%-6s %s\n' "$svc" "$state" "${pid:--}" "$(svc_port "$svc")" "$health"
  done
  return "$all"
}

cmd_env() {
  if [[ -f $ENV_FILE ]]; then cat "$ENV_FILE"; else write_env; fi
}

usage() {
  sed -n '2,8p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

main() {
  local cmd=${1:-}
  pg_paths
  [[ $# -gt 0 ]] && shift
  case $cmd in
    up) cmd_up "$@" ;;
    down) cmd_down "$@" ;;
    status) cmd_status "$@" ;;
    env) cmd_env "$@" ;;
    -h | --help | help) usage ;;
    *)
      usage >&2
      exit 2
      ;;
  esac
}

main "$@"
