#!/usr/bin/env bash
# Makes sure what llmops needs on this machine is installed and running on 127.0.0.1:
#   Redis (6379), PostgreSQL (5432, role and database "llmops"), RabbitMQ (5672), plus a JDK 17+ and jq.
# Installs missing packages with apt (Debian/Ubuntu) and says so; starts stopped servers; never touches running ones.
set -euo pipefail

say() { printf '[ensure-servers] %s\n' "$*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_port() { # port name seconds
  for _ in $(seq 1 "$3"); do port_open "$1" && return 0; sleep 1; done
  say "$2 did not open port $1 in $3 s"; return 1
}

missing=()
command -v java >/dev/null 2>&1 || missing+=(openjdk-17-jdk-headless)
command -v jq >/dev/null 2>&1 || missing+=(jq)
command -v curl >/dev/null 2>&1 || missing+=(curl)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v redis-cli >/dev/null 2>&1 || missing+=(redis-tools) # LedgerCrashIT reads budget counters with it
command -v pg_ctlcluster >/dev/null 2>&1 || missing+=(postgresql)
command -v rabbitmq-server >/dev/null 2>&1 || missing+=(rabbitmq-server)
if [ ${#missing[@]} -gt 0 ]; then
  command -v apt-get >/dev/null 2>&1 || { say "missing: ${missing[*]}; install them (no apt-get here)"; exit 1; }
  say "installing with apt-get: ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" \
    || say "apt-get reported an error (often only its attempt to start a service without systemd); going on"
fi

# Redis: a cache and counter store; nothing is kept on disk.
if ! port_open 6379; then
  say "starting Redis on 127.0.0.1:6379"
  as_root mkdir -p /var/lib/redis /var/log/redis
  as_root redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/llmops.log
  wait_port 6379 Redis 30
fi

# PostgreSQL: the cost ledger.
if ! port_open 5432; then
  version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)
  if [ -z "$version" ]; then
    version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
    say "creating PostgreSQL $version cluster main"
    as_root pg_createcluster "$version" main
  fi
  say "starting PostgreSQL $version on 127.0.0.1:5432"
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start
  wait_port 5432 PostgreSQL 60
fi
psql_admin() {
  if psql -h 127.0.0.1 -U postgres -d postgres -tAc 'select 1' >/dev/null 2>&1; then
    psql -h 127.0.0.1 -U postgres -d postgres -v ON_ERROR_STOP=1 -tAc "$1"
  elif [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- psql -d postgres -v ON_ERROR_STOP=1 -tAc "$1"
  else
    sudo -u postgres psql -d postgres -v ON_ERROR_STOP=1 -tAc "$1"
  fi
}
if [ "$(psql_admin "select count(*) from pg_roles where rolname='llmops'")" != 1 ]; then
  say "creating PostgreSQL role llmops (password llmops, CREATEDB)"
  psql_admin "create role llmops login password 'llmops' createdb"
fi
if [ "$(psql_admin "select count(*) from pg_database where datname='llmops'")" != 1 ]; then
  say "creating PostgreSQL database llmops"
  psql_admin "create database llmops owner llmops"
fi

# RabbitMQ: usage events. Bound to loopback, epmd too.
if ! port_open 5672; then
  say "starting RabbitMQ on 127.0.0.1:5672"
  export ERL_EPMD_ADDRESS=127.0.0.1 RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
  as_root env ERL_EPMD_ADDRESS=127.0.0.1 RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 rabbitmq-server -detached
  as_root rabbitmqctl await_startup --timeout 120 >/dev/null
  wait_port 5672 RabbitMQ 60
fi
say "Redis, PostgreSQL and RabbitMQ are up"
