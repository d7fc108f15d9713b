#!/usr/bin/env bash
# Load-tests a freshly built server on this machine and prints, for each
# load, requests per second, p50 and p99 latency, the share of the same
# binary's /healthz throughput, and the server's resident memory, against
# the targets in bench/results.md. The machine's speed drifts from minute
# to minute, so each share is the median of three back-to-back pairs
# (/healthz, then the load), and the table shows the three pairs.
#
# Every load is proved before it is measured: curl sends exactly the
# headers wrk will send and the answer must show what the load claims (the
# guest cart holds its lines, the signed-in page is signed in, the token is
# accepted, the search finds products). A load that cannot be proved stops
# the run. Checkout and remember-me restores, which wrk cannot replay, are
# run and checked by bench/crumbload.
#
# Everything runs on 127.0.0.1; nothing else is contacted.
#
#   BENCH_SECONDS     seconds per load (default 10)
#   BENCH_SERVER_CPUS CPUs the server is pinned to (default 0)
#   BENCH_LOAD_CPUS   CPUs the load generator is pinned to (default 1)
#   BENCH_PROFILE     1: CPU-profile each load that misses its target
#   BENCH_OUT         where the table, logs and profiles go (default bench/last-run)
#   BENCH_STRICT      1: exit 1 when a target is missed
#   TEST_DATABASE_URL the Postgres for the Postgres checkout (a schema of its own)
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${BENCH_SECONDS:-10}"
connections=64
server_cpus="${BENCH_SERVER_CPUS:-0}"
load_cpus="${BENCH_LOAD_CPUS:-1}"
out="${BENCH_OUT:-bench/last-run}"
postgres="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}"
if [ "$(nproc)" -lt 2 ]; then
  server_cpus=0
  load_cpus=0
fi
threads=$(taskset -c "$load_cpus" nproc)

need() { # COMMAND DEBIAN-PACKAGE
  command -v "$1" >/dev/null && return 0
  if [ "$(id -u)" != 0 ]; then
    echo "bench: $1 is missing: install it with 'sudo apt-get install $2'." >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq "$2" >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq "$2" >/dev/null; }
}
need wrk wrk
need curl curl
need taskset util-linux

mkdir -p "$out"
rm -f "$out"/*.txt "$out"/*.log "$out"/*.md
work=$(mktemp -d)
servers=()
cleanup() {
  for pid in "${servers[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  if [ -n "${pg_schema:-}" ]; then "$work/crumbload" schema drop -db "$postgres" -name "$pg_schema" || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "bench: building the server and the load generator" >&2
go build -o "$work/crumb" .
go build -o "$work/crumbload" ./bench/crumbload

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
key() { head -c 32 /dev/urandom | base64; }

# start NAME [ENV...]: starts the server pinned to its CPUs with its own data
# folder; sets base, pid and the log file.
start() {
  local name=$1
  shift
  local port
  port=$(free_port)
  base="http://127.0.0.1:$port"
  log="$out/server-$name.log"
  local profile=()
  if [ "${BENCH_PROFILE:-}" = 1 ]; then
    pprof_addr="127.0.0.1:$(free_port)"
    profile=(PPROF_ADDR="$pprof_addr")
  fi
  env APP_ENV=production SEED_DEMO=true PORT="$port" DATA_DIR="$work/data-$name" BASE_URL="$base" LOG_LEVEL=warn SHUTDOWN_GRACE=0s \
    SECRET_KEY="$(key)" JWT_KEYS="bench:$(key)" AUTH_ATTEMPTS_PER_MINUTE=100000 \
    SMTP_URL=smtp://127.0.0.1:1 MAIL_FROM=bench@crumb.test "${profile[@]}" "$@" \
    taskset -c "$server_cpus" "$work/crumb" >"$log" 2>&1 &
  pid=$!
  servers+=("$pid")
  for _ in $(seq 1 150); do
    curl -fs "$base/readyz" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  echo "bench: the $name server never became ready:" >&2
  cat "$log" >&2
  exit 1
}

rss_mb() { awk -v f="$2" '$1 == f":" { printf "%.0f", $2 / 1024 }' "/proc/$1/status"; }

# prove NAME PATH PATTERN [HEADER...]: fetches PATH with exactly the headers
# wrk will send and stops the run unless the answer is a 200 whose body
# (decoded if the server compressed it) matches PATTERN (grep -E).
prove() {
  local name=$1 path=$2 pattern=$3
  shift 3
  local args=() h
  for h in "$@"; do args+=(-H "$h"); done
  local status
  status=$(curl -sS -o "$work/body" -D "$work/headers" -w '%{http_code}' "${args[@]}" "$base$path")
  local encoding
  encoding=$(awk 'tolower($1) == "content-encoding:" { gsub("\r", "", $2); print $2 }' "$work/headers")
  case "$encoding" in
    "" | identity) cp "$work/body" "$work/plain" ;;
    gzip) gzip -dc <"$work/body" >"$work/plain" ;;
    br)
      need brotli brotli
      brotli -dc <"$work/body" >"$work/plain"
      ;;
    *) echo "bench: $name: unexpected Content-Encoding $encoding" >&2; exit 1 ;;
  esac
  if [ "$status" != 200 ] || ! grep -Eq "$pattern" "$work/plain"; then
    echo "bench: cannot prove '$name': GET $path answered $status without /$pattern/; not measuring it." >&2
    head -c 600 "$work/plain" >&2
    exit 1
  fi
  proved_encoding="${encoding:-none}"
}

total_requests=0
# measure PATH [HEADER...]: runs wrk; sets rps, p50, p99 (ms) and counts requests.
measure() {
  local path=$1
  shift
  local args=() h
  for h in "$@"; do args+=(-H "$h"); done
  local res
  res=$(taskset -c "$load_cpus" wrk -t"$threads" -c"$connections" -d"${seconds}s" --latency "${args[@]}" "$base$path")
  if echo "$res" | grep -Eq "Non-2xx|Socket errors"; then
    echo "bench: GET $path answered errors under load:" >&2
    echo "$res" >&2
    exit 1
  fi
  rps=$(echo "$res" | awk '/Requests\/sec/ { print $2 }')
  p50=$(echo "$res" | awk '$1 == "50%" { print $2 }' | to_ms)
  p99=$(echo "$res" | awk '$1 == "99%" { print $2 }' | to_ms)
  total_requests=$((total_requests + $(echo "$res" | awk '/requests in/ { print $1 }')))
}
to_ms() { awk '{ v=$1; if (v ~ /us$/) { sub(/us/, "", v); v/=1000 } else if (v ~ /ms$/) { sub(/ms/, "", v) } else if (v ~ /s$/) { sub(/s/, "", v); v*=1000 } printf "%.2f", v }'; }

table="$out/results.md"
missed=()
# row NAME RPS P50 P99 SHARE TARGET-SHARE NOTE [VERDICT]: a line of the
# table; the verdict is the share against its target and p99 under 10 ms,
# unless given.
row() {
  local verdict=${8:-met}
  if [ -z "${8:-}" ]; then
    if [ -n "$6" ] && awk -v s="$5" -v t="$6" 'BEGIN { exit !(s < t) }'; then verdict=MISSED; fi
    if awk -v p="$4" 'BEGIN { exit !(p >= 10) }'; then verdict=MISSED; fi
  fi
  last_verdict=$verdict
  if [ "$verdict" = MISSED ]; then missed+=("$1"); fi
  printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$1" "$2" "$3" "$4" "$5" "${6:+>= $6}" "$(rss_mb "$pid" VmRSS)" "$verdict" "$7" | tee -a "$table"
}

profile() { # NAME PATH [HEADER...]: a CPU profile of the server while wrk loads PATH
  [ "${BENCH_PROFILE:-}" = 1 ] || return 0
  local name=$1 path=$2
  shift 2
  local file="$out/profile-${name// /-}"
  curl -fsS -o "$file.pb.gz" "http://$pprof_addr/debug/pprof/profile?seconds=$((seconds - 2))" &
  local fetch=$!
  measure "$path" "$@"
  wait "$fetch"
  go tool pprof -top -nodecount=30 "$work/crumb" "$file.pb.gz" >"$file.txt" 2>/dev/null
}

start sqlite
server_pid=$pid
"$work/crumbload" prepare -base "$base" -out "$work"
guest="Cookie: $(cat "$work/guest.cookie")"
member="Cookie: $(cat "$work/member.cookie")"
bearer="Authorization: Bearer $(cat "$work/token")"
browser="Accept-Encoding: br, gzip"
css=$(curl -fs "$base/" | sed -n 's/.*href="\(\/static\/css\/app\.[0-9a-f]*\.css\)".*/\1/p' | head -n 1)
[ -n "$css" ] || { echo "bench: no fingerprinted stylesheet on the home page" >&2; exit 1; }

{
  echo "Crumb load run, $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo
  echo "- machine: $(nproc) CPUs ($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)), $(free -g | awk '/Mem:/ { print $2 }') GiB, $(uname -sr), $(go version | awk '{ print $3 }')"
  echo "- server pinned to CPU $server_cpus, wrk ($threads thread(s), $connections connections) and crumbload pinned to CPU $load_cpus; ${seconds} s per load"
  echo
  echo "| load | req/s | p50 ms | p99 ms | share of /healthz | target | RSS MB | verdict | proof |"
  echo "|---|---|---|---|---|---|---|---|---|"
} | tee "$table"

prove "/healthz" /healthz '^ok$'
measure /healthz
health=$rps
row "/healthz" "$rps" "$p50" "$p99" 1.00 "" "body ok; each share below is of the /healthz runs paired with its load" reference
# pair3 REF-PATH REF-HEADER PATH [HEADER...]: three back-to-back pairs, a
# run of REF-PATH (with REF-HEADER unless it is empty) then a run of PATH,
# so that the machine's drift between the two is least. Sets rps, p50 and
# p99 to PATH's run in the pair whose ratio (PATH's req/s over REF-PATH's)
# is the median, ratio to that ratio, reference to that pair's REF-PATH
# req/s, and pairs to all three as "req/s/reference req/s".
pair3() {
  local ref_path=$1 ref_header=$2 path=$3
  shift 3
  local all=() i r median
  for i in 1 2 3; do
    measure "$ref_path" ${ref_header:+"$ref_header"}
    r=$rps
    measure "$path" "$@"
    all+=("$(awk -v a="$rps" -v b="$r" 'BEGIN { printf "%.2f", a / b }') $rps $p50 $p99 $r")
  done
  median=$(printf '%s\n' "${all[@]}" | sort -n | sed -n 2p)
  pairs=$(printf '%s\n' "${all[@]}" | awk '{ printf "%s%.0f/%.0f", (NR > 1 ? ", " : ""), $2, $5 }')
  read -r ratio rps p50 p99 reference <<<"$median"
}

# load NAME PATH TARGET PATTERN PROOF-NOTE [HEADER...]: three pairs of a
# /healthz run and a run of the load; the row is the pair whose share is
# the median, and its note lists all three.
load() {
  local name=$1 path=$2 target=$3 pattern=$4 note=$5
  shift 5
  prove "$name" "$path" "$pattern" "$@"
  pair3 /healthz "" "$path" "$@"
  health=$reference
  row "$name" "$rps" "$p50" "$p99" "$ratio" "$target" "$note; pairs (load/healthz req/s): $pairs; Content-Encoding: $proved_encoding"
  if [ "$last_verdict" = MISSED ]; then profile "$name" "$path" "$@"; fi
}

guest_ko="Cookie: $(cat "$work/guest-ko.cookie")"
member_ko="Cookie: $(cat "$work/member-ko.cookie")"
# korean NAME PATH PATTERN NOTE HEADER ENGLISH-HEADER: the page NAME in
# Korean, chosen with the language switch (crumb_lang), in three pairs with
# its English twin (English, then Korean). The row is the pair whose ratio
# is the median: its Korean within 10% of its English, and p99 under 10 ms;
# its share is of the /healthz of its English twin's row.
korean() {
  local name=$1 path=$2 pattern=$3 note=$4 header=$5 english_header=$6
  prove "$name (ko)" "$path" "$pattern" "$header"
  pair3 "$path" "$english_header" "$path" "$header"
  local verdict=met
  if awk -v r="$ratio" -v p="$p99" 'BEGIN { exit !(r < 0.90 || p >= 10) }'; then verdict=MISSED; fi
  row "$name (ko)" "$rps" "$p50" "$p99" "$(awk -v a="$rps" -v b="$health" 'BEGIN { printf "%.2f", a / b }')" "" \
    "$note; $ratio of English; pairs (Korean/English req/s): $pairs; Content-Encoding: $proved_encoding" "$verdict"
}
for enc in "" "$browser"; do
  suffix=${enc:+ (br, gzip)}
  headers=("$guest")
  [ -n "$enc" ] && headers+=("$enc")
  load "home$suffix" / 0.40 'Butter Croissant' "showcase listed" "${headers[@]}"
  [ -n "$enc" ] || korean home / '버터 크루아상' "showcase listed in Korean" "$guest_ko" "$guest"
  load "listing$suffix" "/products?category=cakes" 0.40 'Carrot Cake' "cakes listed" "${headers[@]}"
  [ -n "$enc" ] || korean listing "/products?category=cakes" '당근 케이크' "cakes listed in Korean" "$guest_ko" "$guest"
  load "search$suffix" "/products?q=chocolate" 0.40 'Chocolate Fudge Cake' "search finds products" "${headers[@]}"
  [ -n "$enc" ] || korean search "/products?q=%EC%B4%88%EC%BD%9C%EB%A6%BF" '초콜릿 퍼지 케이크' "초콜릿 finds products" "$guest_ko" "$guest"
  load "product$suffix" /products/sourdough-loaf 0.40 'name="product_id"' "add-to-cart form" "${headers[@]}"
  [ -n "$enc" ] || korean product /products/sourdough-loaf '장바구니 담기' "add-to-cart form in Korean" "$guest_ko" "$guest"
  load "guest cart$suffix" /cart 0.40 'Subtotal \(3 items\)' "2 lines, 3 items" "${headers[@]}"
  [ -n "$enc" ] || korean "guest cart" /cart '상품 금액 \(총 3개\)' "2 lines, 3 items, in Korean" "$guest_ko" "$guest"
  headers=("$member")
  [ -n "$enc" ] && headers+=("$enc")
  load "signed-in cart$suffix" /cart 0.40 'Account<span class="visually-hidden">: Demo Shopper.*' "signed in as Demo Shopper" "${headers[@]}"
  if ! grep -q 'Subtotal (3 items)' "$work/plain"; then
    echo "bench: the signed-in cart does not hold its 2 lines" >&2
    exit 1
  fi
  [ -n "$enc" ] || korean "signed-in cart" /cart '내 계정<span class="visually-hidden">: Demo Shopper' "signed in as Demo Shopper, in Korean" "$member_ko" "$member"
done

load "API cart (JWT)" /api/v1/cart 0.50 '"count":3' "token accepted, 3 items" "$bearer"
load "API products" /api/v1/products "" '"slug":"sourdough-loaf"' "products listed; no share target"
load "asset (br, gzip)" "$css" 0.80 '.' "fingerprinted CSS" "$browser"
if [ "$proved_encoding" != br ]; then
  echo "bench: the stylesheet was not served with brotli to a browser asking for it" >&2
  exit 1
fi

# Restores from "keep me signed in", each presenting the newest cookie.
line=$(taskset -c "$load_cpus" "$work/crumbload" remember -base "$base" -c "$connections" -d "${seconds}s")
read -r rps p50 p99 count <<<"$line"
total_requests=$((total_requests + count))
row "remember-me restore" "$rps" "$p50" "$p99" "$(awk -v a="$rps" -v b="$health" 'BEGIN { printf "%.2f", a / b }')" "" "$count restores, each greeted and rotated" "no target"

# RSS after a million requests: a mix of the pages above until a million
# requests have been served in this run.
cat >"$work/mix.lua" <<EOF
local paths = { "/", "/products?category=cakes", "/products?q=chocolate", "/products/sourdough-loaf", "/cart" }
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1], { ["Cookie"] = "$(cat "$work/guest.cookie")" })
end
EOF
while [ "$total_requests" -lt 1000000 ]; do
  res=$(taskset -c "$load_cpus" wrk -t"$threads" -c"$connections" -d"${seconds}s" -s "$work/mix.lua" "$base")
  if echo "$res" | grep -Eq "Non-2xx|Socket errors"; then
    echo "bench: the page mix answered errors:" >&2
    echo "$res" >&2
    exit 1
  fi
  total_requests=$((total_requests + $(echo "$res" | awk '/requests in/ { print $1 }')))
done
rss=$(rss_mb "$server_pid" VmRSS)
peak=$(rss_mb "$server_pid" VmHWM)

# Checkout: orders per second with 64 shoppers, on SQLite.
line=$(taskset -c "$load_cpus" "$work/crumbload" checkout -base "$base" -db "$work/data-sqlite/crumb.db" -c "$connections" -d "${seconds}s")
read -r ops p50 p99 orders _ <<<"$line"
locked=$(grep -c "database is locked" "$log" || true)
verdict=met
if [ "$locked" != 0 ] || awk -v o="$ops" 'BEGIN { exit !(o < 300) }'; then verdict=MISSED; fi
row "checkout, SQLite (orders/s; latency of a whole order)" "$ops" "$p50" "$p99" "" "300 orders/s" \
  "$orders orders acknowledged and in the database; stock checked; $locked 'database is locked'" "$verdict"
kill "$server_pid"
wait "$server_pid" 2>/dev/null || true

# Checkout on Postgres, in a schema of its own.
line=$("$work/crumbload" schema create -db "$postgres")
read -r pg_schema pg_url <<<"$line"
start postgres DATABASE_URL="$pg_url"
line=$(taskset -c "$load_cpus" "$work/crumbload" checkout -base "$base" -db "$pg_url" -c "$connections" -d "${seconds}s")
read -r ops p50 p99 orders _ <<<"$line"
verdict=met
if awk -v o="$ops" 'BEGIN { exit !(o < 400) }'; then verdict=MISSED; fi
row "checkout, Postgres (orders/s; latency of a whole order)" "$ops" "$p50" "$p99" "" "400 orders/s" "$orders orders acknowledged and in the database; stock checked" "$verdict"

{
  echo
  echo "- requests served by the SQLite server: $total_requests; RSS after them: $rss MB (target < 100 MB); peak RSS: $peak MB"
} | tee -a "$table"
if [ "$rss" -ge 100 ]; then missed+=("RSS"); fi
echo "- targets missed: $(IFS=,; echo "${missed[*]:-none}")" | tee -a "$table"
if [ "${BENCH_STRICT:-}" = 1 ] && [ "${#missed[@]}" -gt 0 ]; then
  exit 1
fi
