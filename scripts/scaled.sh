#!/usr/bin/env bash
# Runs Crumb scaled out on this machine, on loopback only: a fresh database in
# the Postgres of TEST_DATABASE_URL, the Redis of TEST_REDIS_URL, three
# instances of one freshly built binary with shared secrets, and HAProxy in
# front of them with deploy/haproxy.cfg (round-robin, health checks on
# /readyz, X-Forwarded-For).
#
#   scripts/scaled.sh              prints the shop's address; Ctrl-C stops it all
#   scripts/scaled.sh -- CMD ...   runs CMD against it, then stops it all, and
#                                  exits with CMD's status
#
# CMD sees CRUMB_SCALED_URL (the balancer), CRUMB_SCALED_INSTANCES,
# CRUMB_SCALED_START and CRUMB_SCALED_METRICS (space-separated, in the same
# order), CRUMB_SCALED_DATABASE_URL and CRUMB_SCALED_LB_SOCKET (HAProxy's
# runtime API). Each instance runs from a script of its own, its entry in
# CRUMB_SCALED_START, which CMD runs again to restart it once it stopped:
# the script runs the instance with its settings, logging to the run's log
# of it, writes its pid to SCRIPT.pid and, when it ends, adds its exit
# status to SCRIPT.exits. Stopping stops the instances as a host does
# (SIGTERM, so it takes SHUTDOWN_GRACE) and removes the database; Redis
# keeps only keys that expire by themselves (sessions within 30 minutes,
# counters within one), written to a database index of the run's own, so
# other users of that Redis are never disturbed. The instances run with APP_ENV=production and
# SEED_DEMO=true: production's rules, with the demo catalog and account.
# They send their mail to a mailbox of the run's own (cmd mailbox in
# internal/smtptest), which CMD reads at CRUMB_SCALED_MAILBOX; the back
# office's owner (owner@crumb.test) is made as an operator makes one: signed
# up on the shop, then `crumb admin grant`.
# AUTH_ATTEMPTS_PER_MINUTE and LOG_LEVEL are passed on when set.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = "--" ]; then
  shift
  [ $# -gt 0 ] || { echo "usage: $0 [-- command ...]" >&2; exit 2; }
elif [ $# -gt 0 ]; then
  echo "usage: $0 [-- command ...]" >&2
  exit 2
fi

admin_url="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}"
redis_url="${TEST_REDIS_URL:-redis://127.0.0.1:6379/0}"

# need COMMAND PACKAGE: install Debian's PACKAGE when COMMAND is missing.
need() {
  command -v "$1" >/dev/null && return 0
  if [ "$(id -u)" != 0 ]; then
    echo "scaled: $1 is missing: install it with 'sudo apt-get install $2'." >&2
    exit 1
  fi
  echo "scaled: $1 not found; installing Debian's $2 package." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "$2" >/dev/null
  command -v "$1" >/dev/null || { echo "scaled: installed $2, but $1 is still missing." >&2; exit 1; }
}
need haproxy haproxy
need psql postgresql-client
need curl curl
need python3 python3

work=$(mktemp -d)
database="crumb_scaled_$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')"
pids=()
lb_pid=""
mailbox_pid=""
database_made=""

stop_all() {
  local status=$?
  trap - EXIT INT TERM
  [ -n "$lb_pid" ] && kill "$lb_pid" 2>/dev/null
  # The instances running now, restarted ones included, stop as on a host:
  # SIGTERM, then SHUTDOWN_GRACE (5 s) before they exit.
  local running=()
  for file in "$work"/crumb?.pid; do
    [ -e "$file" ] && running+=("$(cat "$file")")
  done
  for pid in "${running[@]}" $mailbox_pid; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}" $lb_pid $mailbox_pid; do wait "$pid" 2>/dev/null || true; done
  for pid in "${running[@]}"; do
    for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  done
  if [ -n "$database_made" ]; then
    psql "$admin_url" -qX -v ON_ERROR_STOP=1 -c "DROP DATABASE IF EXISTS $database WITH (FORCE)" >/dev/null ||
      echo "scaled: could not drop the database $database" >&2
  fi
  rm -rf "$work"
  exit "$status"
}
trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# show_logs prints every process's log, after a failure.
show_logs() {
  for log in "$work"/*.log; do
    echo "--- $log" >&2
    tail -n 40 "$log" >&2
  done
}

# free_ports N: N different free loopback ports.
free_ports() {
  python3 -c '
import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))' "$1"
}

# with_path URL NAME: URL with its path (database, or Redis index) replaced.
with_path() {
  python3 -c 'import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/" + sys.argv[2])))' "$1" "$2"
}

# A Redis database index of this run's own: an empty one other than the
# shared URL's, so that sign-in counters of the same address never mix.
redis_index() {
  local base
  base=$(python3 -c 'import sys, urllib.parse as u; print(u.urlsplit(sys.argv[1]).path.strip("/") or "0")' "$redis_url")
  local host port
  host=$(python3 -c 'import sys, urllib.parse as u; print(u.urlsplit(sys.argv[1]).hostname or "127.0.0.1")' "$redis_url")
  port=$(python3 -c 'import sys, urllib.parse as u; print(u.urlsplit(sys.argv[1]).port or 6379)' "$redis_url")
  for n in $(shuf -i 1-15); do
    [ "$n" = "$base" ] && continue
    if ! command -v redis-cli >/dev/null || [ "$(redis-cli -h "$host" -p "$port" -n "$n" dbsize 2>/dev/null)" = 0 ]; then
      echo "$n"
      return
    fi
  done
  echo "scaled: no empty database index in the Redis at $redis_url" >&2
  exit 1
}

echo "scaled: building Crumb" >&2
go build -o "$work/crumb" .
go build -o "$work/mailbox" ./internal/smtptest/mailbox

psql "$admin_url" -qX -v ON_ERROR_STOP=1 -c "CREATE DATABASE $database" >/dev/null
database_made=1
database_url=$(with_path "$admin_url" "$database")
session_store=$(with_path "$redis_url" "$(redis_index)")

read -r lb_port port1 port2 port3 metrics1 metrics2 metrics3 < <(free_ports 7)
base="http://127.0.0.1:$lb_port"
# The mailbox takes free ports itself and says which.
"$work/mailbox" >"$work/mailbox.log" 2>&1 &
mailbox_pid=$!
for _ in $(seq 1 50); do
  [ "$(grep -c '^\(smtp\|http\) ' "$work/mailbox.log")" = 2 ] && break
  sleep 0.1
done
smtp_addr=$(sed -n 's/^smtp //p' "$work/mailbox.log")
mailbox_addr=$(sed -n 's/^http //p' "$work/mailbox.log")
if [ -z "$smtp_addr" ] || [ -z "$mailbox_addr" ]; then
  echo "scaled: the mailbox did not start" >&2
  show_logs
  exit 1
fi
mailbox="http://$mailbox_addr"
key() { head -c 32 /dev/urandom | base64; }
secret_key=$(key)
jwt_keys="scaled:$(key)"

instances=()
metrics=()
starts=()
for i in 1 2 3; do
  port_var="port$i" metrics_var="metrics$i"
  port=${!port_var} metrics_port=${!metrics_var}
  mkdir -p "$work/data$i"
  start="$work/crumb$i"
  {
    echo '#!/usr/bin/env bash'
    printf 'env'
    printf ' %q' APP_ENV=production SEED_DEMO=true HOST=127.0.0.1 PORT="$port" BASE_URL="$base" \
      DATA_DIR="$work/data$i" DATABASE_URL="$database_url" SESSION_STORE="$session_store" \
      SECRET_KEY="$secret_key" JWT_KEYS="$jwt_keys" TRUSTED_PROXIES=127.0.0.1 \
      SMTP_URL="smtp://$smtp_addr" MAIL_FROM="Crumb <shop@crumb.test>" \
      METRICS_ADDR="127.0.0.1:$metrics_port" LOG_LEVEL="${LOG_LEVEL:-warn}" \
      AUTH_ATTEMPTS_PER_MINUTE="${AUTH_ATTEMPTS_PER_MINUTE:-10}" "$work/crumb"
    printf ' >>%q 2>&1 &\n' "$work/crumb$i.log"
    printf 'echo $! >%q\n' "$start.pid"
    printf 'wait $!\necho $? >>%q\n' "$start.exits"
  } >"$start"
  chmod +x "$start"
  "$start" &
  pids+=($!)
  starts+=("$start")
  instances+=("http://127.0.0.1:$port")
  metrics+=("http://127.0.0.1:$metrics_port/metrics")
done

for i in 0 1 2; do
  ready=""
  for _ in $(seq 1 300); do
    if curl -fs -o /dev/null "${instances[$i]}/readyz"; then
      ready=1
      break
    fi
    kill -0 "${pids[$i]}" 2>/dev/null || break
    sleep 0.2
  done
  if [ -z "$ready" ]; then
    echo "scaled: instance $((i + 1)) did not become ready" >&2
    show_logs
    exit 1
  fi
done

export CRUMB_LB_BIND="127.0.0.1:$lb_port" CRUMB_LB_SOCKET="$work/haproxy.sock"
export CRUMB_1="${instances[0]#http://}" CRUMB_2="${instances[1]#http://}" CRUMB_3="${instances[2]#http://}"
haproxy -q -c -f deploy/haproxy.cfg
haproxy -db -f deploy/haproxy.cfg >"$work/haproxy.log" 2>&1 &
lb_pid=$!
ready=""
for _ in $(seq 1 100); do
  if curl -fs -o /dev/null "$base/readyz"; then
    ready=1
    break
  fi
  sleep 0.1
done
if [ -z "$ready" ]; then
  echo "scaled: HAProxy did not answer on $base" >&2
  show_logs
  exit 1
fi

# The back office's owner: an account signed up on the shop, then made an
# admin with the command an operator runs.
owner_email=owner@crumb.test
owner_password=owner-bakes-daily
jar="$work/owner.cookies"
form_token=$(curl -fsS -c "$jar" "$base/signup" | sed -n 's/.*name="_csrf" value="\([^"]*\)".*/\1/p' | head -n 1)
curl -fsS -o /dev/null -b "$jar" -c "$jar" --data-urlencode "_csrf=$form_token" --data-urlencode "name=Bakery Owner" \
  --data-urlencode "email=$owner_email" --data-urlencode "password=$owner_password" "$base/signup" ||
  { echo "scaled: could not sign the owner up" >&2; show_logs; exit 1; }
env APP_ENV=production DATABASE_URL="$database_url" SECRET_KEY="$secret_key" JWT_KEYS="$jwt_keys" \
  SMTP_URL="smtp://$smtp_addr" MAIL_FROM="Crumb <shop@crumb.test>" DATA_DIR="$work/data1" \
  "$work/crumb" admin grant "$owner_email" >/dev/null

export CRUMB_SCALED_URL="$base"
export CRUMB_SCALED_MAILBOX="$mailbox"
export CRUMB_SCALED_INSTANCES="${instances[*]}"
export CRUMB_SCALED_START="${starts[*]}"
export CRUMB_SCALED_METRICS="${metrics[*]}"
export CRUMB_SCALED_DATABASE_URL="$database_url"
export CRUMB_SCALED_LB_SOCKET="$CRUMB_LB_SOCKET"

if [ $# -gt 0 ]; then
  status=0
  "$@" || status=$?
  if [ "$status" != 0 ]; then
    show_logs
  fi
  exit "$status"
fi

cat <<EOF
Crumb is open at $base (HAProxy, round-robin over three instances).
  instances: ${instances[*]}
  metrics:   ${metrics[*]}
  database:  $database_url (dropped on exit)
  sessions:  $session_store
  sign in:   demo@crumb.test / fresh-bread-daily
  owner:     $owner_email / $owner_password ($base/admin)
  mail:      $mailbox/messages?to=ADDRESS
  logs:      $work
Press Ctrl-C to stop everything.
EOF
wait "$lb_pid"
