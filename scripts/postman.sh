#!/usr/bin/env bash
# Runs the Postman collection `ledgerbridge sandbox postman` writes against a started sandbox,
# with newman (installed from npm into $NEWMAN_DIR, default target/newman). Fails when any
# request's test fails.
# Usage: scripts/postman.sh          (builds the binary, serves the sandbox on free ports)
set -euo pipefail
cd "$(dirname "$0")/.."

newman_dir="${NEWMAN_DIR:-target/newman}"
if [ ! -x "$newman_dir/node_modules/.bin/newman" ]; then
  npm install --silent --no-audit --no-fund --prefix "$newman_dir" newman@6 >/dev/null
fi
newman="$newman_dir/node_modules/.bin/newman"

cargo build --quiet --locked --bin ledgerbridge
bin="${CARGO_TARGET_DIR:-target}/debug/ledgerbridge"
work=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT

# Free ports, as the smoke tests do; the collection is written for the ports the info names.
"$bin" sandbox serve --json --limits relaxed \
  --servicetitan-port 0 --quickbooks-port 0 --xero-port 0 --smtp-port 0 \
  > "$work/info.json" 2> "$work/sandbox.log" &
pid=$!
info_complete() { [ -s "$work/info.json" ] && [ -z "$(tail -c 1 "$work/info.json")" ]; }
for _ in $(seq 1 3000); do
  info_complete && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/sandbox.log"; echo "sandbox exited early"; exit 1; }
  sleep 0.1
done
info_complete || { cat "$work/sandbox.log"; echo "sandbox printed no info line in 5 minutes"; exit 1; }

port() { node -e "const i = JSON.parse(require('fs').readFileSync('$work/info.json')); console.log(new URL(i.$1.api_base).port)"; }
"$bin" sandbox postman --out "$work" \
  --servicetitan-port "$(port servicetitan)" --quickbooks-port "$(port quickbooks)" --xero-port "$(port xero)"
"$newman" run "$work/ledgerbridge-sandbox.postman_collection.json" \
  --environment "$work/ledgerbridge-sandbox.postman_environment.json" --reporters cli
