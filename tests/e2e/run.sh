#!/usr/bin/env bash
# The browser test from scratch (`just e2e`): builds the server and the dashboard,
# installs the test's one npm package and, when it is missing, Debian's Chromium (never
# a downloaded browser), then runs tests/e2e/browser.mjs. Screenshots and the
# server's log end up in target/e2e/.
set -euo pipefail
cd "$(dirname "$0")/../.."

if [ ! -x /usr/bin/chromium ]; then
  echo "== installing Debian's chromium"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
fi

echo "== cargo build -p clientele"
cargo build -q -p clientele

echo "== examples/dashboard: npm ci, npm run build"
(cd examples/dashboard && npm ci --no-audit --no-fund --loglevel=error && npm run build --silent)

echo "== tests/e2e: npm ci"
(cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error)

echo "== the browser test"
node tests/e2e/browser.mjs
