#!/usr/bin/env bash
# Makes sure the Chromium that the end-to-end suite drives is installed.
# Playwright's own browser downloads are not used: the suite runs Debian's Chromium.
set -euo pipefail

chromium="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ -x "$chromium" ]; then
  exit 0
fi

if [ "$(id -u)" = 0 ]; then
  echo "Chromium not found at $chromium; installing Debian's chromium package." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium >/dev/null
  if [ -x "$chromium" ]; then
    exit 0
  fi
  echo "Installed chromium, but $chromium still does not exist; set CHROMIUM_PATH to the browser's path." >&2
  exit 1
fi

echo "Chromium not found at $chromium: install it with 'sudo apt-get install chromium', or set CHROMIUM_PATH to a Chromium binary." >&2
exit 1
