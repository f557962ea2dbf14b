#!/usr/bin/env bash
# Drives the sandbox emulators with widely used third-party clients of each API (servicepytan,
# python-quickbooks + intuit-oauth, xero-python), installed from PyPI into a virtualenv.
# Usage: scripts/smoke.sh            (builds the binary, serves the sandbox on free ports)
set -euo pipefail
cd "$(dirname "$0")/.."

venv="${SMOKE_VENV:-target/smoke-venv}"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
reqs=()
for r in crates/emulator-*/smoke/requirements.txt; do [ -f "$r" ] && reqs+=(-r "$r"); done
"$venv/bin/pip" install --quiet --disable-pip-version-check "${reqs[@]}"

cargo build --quiet --bin ledgerbridge
bin=target/debug/ledgerbridge
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT

# Free ports picked by the OS, so a developer's running sandbox does not collide.
read -r st qbo xero < <(python3 - <<'PY'
import socket
socks = [socket.socket() for _ in range(3)]
for s in socks: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in socks])
for s in socks: s.close()
PY
)
"$bin" sandbox serve --json --limits relaxed \
  --servicetitan-port "$st" --quickbooks-port "$qbo" --xero-port "$xero" \
  > "$work/info.json" 2> "$work/sandbox.log" &
pid=$!
for _ in $(seq 1 100); do
  [ -s "$work/info.json" ] && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/sandbox.log"; echo "sandbox exited early"; exit 1; }
  sleep 0.1
done
[ -s "$work/info.json" ] || { cat "$work/sandbox.log"; echo "sandbox printed no info line"; exit 1; }

status=0
for script in crates/emulator-*/smoke/smoke.py; do
  echo "-- $script"
  "$venv/bin/python" "$script" "$work/info.json" || status=1
done
exit "$status"
