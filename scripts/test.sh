#!/usr/bin/env bash
# The one test command (README, .ci/run): unit and integration tests on real engines (chDB, PGlite,
# the local PostgreSQL), then end-to-end journeys in Debian's Chromium against `npm start`.
# Starts or installs what it needs on a fresh machine of this kind, and cleans up after itself.
set -euo pipefail
cd "$(dirname "$0")/.."

results="$(mktemp -d)"
e2e_data="$(mktemp -d)"
trap 'rm -rf "$results" "$e2e_data"' EXIT

if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  echo "PostgreSQL is down; starting it"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
fi

if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "Installing Debian's Chromium for the end-to-end tests"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "Debian's Chromium is missing: run 'sudo apt-get install -y chromium' first" >&2
    exit 1
  fi
fi

[ -f server/db/generated/client.ts ] || node scripts/prisma-generate.mjs

status=0
npx vitest run --reporter=default --reporter=json --outputFile.json="$results/vitest.json" || status=$?
E2E_DATA_DIR="$e2e_data" PLAYWRIGHT_JSON_OUTPUT_NAME="$results/playwright.json" \
  npx playwright test --reporter=list,json || status=$?

node scripts/test-summary.mjs "$results/vitest.json" "$results/playwright.json"
exit "$status"
