#!/usr/bin/env bash
# Load-tests a freshly built server on this machine with wrk and checks the
# throughput targets of the README, each as a share of the same binary's
# /healthz throughput under the same load, and p99 latency under 20 ms at
# 64 connections. Everything runs on 127.0.0.1; nothing else is contacted.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${BENCH_SECONDS:-10}"
connections=64

if ! command -v wrk >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
  else
    echo "wrk is missing: install it with 'sudo apt-get install wrk'." >&2
    exit 1
  fi
fi

work=$(mktemp -d)
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; rm -rf "$work"' EXIT
go build -o "$work/crumb" .
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
key() { head -c 32 /dev/urandom | base64; }
# Production needs a mail server; the benchmark sends no mail, so none listens there.
APP_ENV=production SEED_DEMO=true PORT=$port DATA_DIR="$work/data" BASE_URL="$base" LOG_LEVEL=warn \
  SECRET_KEY="$(key)" JWT_KEYS="bench:$(key)" AUTH_ATTEMPTS_PER_MINUTE=1000 \
  SMTP_URL=smtp://127.0.0.1:1 MAIL_FROM=bench@crumb.test "$work/crumb" &
server=$!
for _ in $(seq 1 100); do curl -fs "$base/readyz" >/dev/null 2>&1 && break; sleep 0.2; done

jar="$work/cookies"
csrf() { curl -fs -b "$jar" -c "$jar" "$base$1" | sed -n 's/.*name="_csrf" value="\([^"]*\)".*/\1/p' | head -n 1; }
cookie_header() { awk '!/^#/ && NF >= 7 { printf "%s%s=%s", sep, $6, $7; sep="; " }' "$jar"; }

# A guest with two lines in the cart cookie.
curl -fs -o /dev/null -b "$jar" -c "$jar" -d "_csrf=$(csrf /products/baguette)&product_id=2&quantity=2" "$base/cart/items"
curl -fs -o /dev/null -b "$jar" -c "$jar" -d "_csrf=$(csrf /products/baguette)&product_id=7&quantity=1" "$base/cart/items"
guest=$(cookie_header)
# The demo shopper signed in on the web, with a cart in the database.
rm -f "$jar"
curl -fs -o /dev/null -b "$jar" -c "$jar" -d "_csrf=$(csrf /login)&email=demo@crumb.test&password=fresh-bread-daily" "$base/login"
curl -fs -o /dev/null -b "$jar" -c "$jar" -d "_csrf=$(csrf /products/baguette)&product_id=2&quantity=2" "$base/cart/items"
member=$(cookie_header)
# The demo shopper in the app.
token=$(curl -fs -H 'Content-Type: application/json' -d '{"email":"demo@crumb.test","password":"fresh-bread-daily"}' \
  "$base/api/v1/auth/token" | sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')
css=$(curl -fs "$base/" | sed -n 's/.*href="\(\/static\/css\/app\.[0-9a-f]*\.css\)".*/\1/p' | head -n 1)

# run NAME PATH [HEADER]: prints requests/s and p99 in ms.
run() {
  local out
  if [ -n "${3:-}" ]; then
    out=$(wrk -t2 -c"$connections" -d"${seconds}s" --latency -H "$3" "$base$2")
  else
    out=$(wrk -t2 -c"$connections" -d"${seconds}s" --latency "$base$2")
  fi
  if echo "$out" | grep -q "Non-2xx"; then
    echo "bench: $1 answered errors:" >&2
    echo "$out" >&2
    exit 1
  fi
  local rps p99
  rps=$(echo "$out" | awk '/Requests\/sec/ { print $2 }')
  p99=$(echo "$out" | awk '$1 == "99%" { v=$2; if (v ~ /us$/) { sub(/us/, "", v); v/=1000 } else if (v ~ /ms$/) { sub(/ms/, "", v) } else if (v ~ /s$/) { sub(/s/, "", v); v*=1000 } print v }')
  echo "$rps $p99"
}

printf '%-22s %10s %8s %8s %8s\n' "page" "req/s" "share" "target" "p99 ms"
read -r health_rps health_p99 < <(run healthz /healthz)
printf '%-22s %10.0f %8s %8s %8.2f\n' "/healthz" "$health_rps" "1.00" "" "$health_p99"
failed=0
check() { # NAME PATH TARGET [HEADER]
  local rps p99 share
  read -r rps p99 < <(run "$1" "$2" "${4:-}")
  share=$(awk -v a="$rps" -v b="$health_rps" 'BEGIN { printf "%.2f", a / b }')
  printf '%-22s %10.0f %8s %8s %8.2f\n' "$1" "$rps" "$share" ">= $3" "$p99"
  if awk -v s="$share" -v t="$3" -v p="$p99" 'BEGIN { exit !(s < t || p >= 20) }'; then
    failed=1
  fi
}
# Catalog pages as a returning guest would see them (with its cookies).
check "catalog" "/products?category=cakes" 0.40 "Cookie: $guest"
check "search" "/products?q=chocolate" 0.40 "Cookie: $guest"
check "product" "/products/sourdough-loaf" 0.40 "Cookie: $guest"
check "guest cart" "/cart" 0.40 "Cookie: $guest"
check "signed-in cart" "/cart" 0.30 "Cookie: $member"
check "API cart (JWT)" "/api/v1/cart" 0.50 "Authorization: Bearer $token"
check "asset" "$css" 0.80 "Accept-Encoding: br"
if [ "$failed" = 1 ]; then
  echo "bench: a target was missed (share of /healthz throughput, or p99 >= 20 ms)" >&2
  exit 1
fi
echo "bench: every target met"
