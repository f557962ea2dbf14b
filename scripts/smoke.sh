#!/usr/bin/env bash
# Drives the sandbox emulators with widely used third-party clients of each API (servicepytan,
# python-quickbooks + intuit-oauth, xero-python), installed from PyPI.
# Usage: scripts/smoke.sh            (builds the binary, serves the sandbox on free ports)
#
# Where the Python packages go, in order of preference:
#   1. a virtualenv ($SMOKE_VENV, default target/smoke-venv), when `python3 -m venv` works
#      (a pyenv or python.org build; Debian's python3 only with python3-venv, which brings
#      ensurepip);
#   2. else a plain directory on PYTHONPATH, filled by `pip install --target` (Debian's own
#      python3 without python3-venv, but with pip; --target is allowed under PEP 668, --user
#      is not);
#   3. else, as root on Debian, python3-venv and python3-pip are installed with apt-get and
#      Debian's /usr/bin/python3 makes the virtualenv (installing python3-venv alone would not
#      help a pyenv python3 that comes first on PATH).
# $SMOKE_PYTHON picks the interpreter (default python3).
set -euo pipefail
cd "$(dirname "$0")/.."

python="${SMOKE_PYTHON:-python3}"
venv="${SMOKE_VENV:-target/smoke-venv}"
reqs=()
for r in crates/emulator-*/smoke/requirements.txt; do [ -f "$r" ] && reqs+=(-r "$r"); done
pip_flags=(--quiet --disable-pip-version-check)

# Sets `py` to the interpreter that runs the smoke scripts, with the clients importable.
make_env() {
  if [ -x "$venv/bin/python" ] || "$python" -m venv "$venv" >/dev/null 2>&1; then
    py="$venv/bin/python"
    "$py" -m pip install "${pip_flags[@]}" "${reqs[@]}"
    return
  fi
  rm -rf "$venv" # a failed venv leaves a directory without pip behind
  if "$python" -m pip --version >/dev/null 2>&1; then
    local deps="$venv-packages"
    case "$deps" in /*) ;; *) deps="$PWD/$deps" ;; esac
    echo "smoke: '$python -m venv' is unavailable; installing into $deps instead" >&2
    "$python" -m pip install "${pip_flags[@]}" --upgrade --target "$deps" "${reqs[@]}"
    export PYTHONPATH="$deps${PYTHONPATH:+:$PYTHONPATH}"
    py="$python"
    return
  fi
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "smoke: no venv and no pip for '$python'; installing python3-venv python3-pip" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv python3-pip >/dev/null \
      || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
             apt-get install -y -qq python3-venv python3-pip >/dev/null; }
    /usr/bin/python3 -m venv "$venv"
    py="$venv/bin/python"
    "$py" -m pip install "${pip_flags[@]}" "${reqs[@]}"
    return
  fi
  echo "smoke: '$python' can make no virtualenv and has no pip (install python3-venv)" >&2
  exit 1
}
make_env

cargo build --quiet --locked --bin ledgerbridge
bin="${CARGO_TARGET_DIR:-target}/debug/ledgerbridge"
work=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT

# Port 0: the OS picks free ports (a developer's running sandbox does not collide), and the
# info line says which.
"$bin" sandbox serve --json --limits relaxed \
  --servicetitan-port 0 --quickbooks-port 0 --xero-port 0 --smtp-port 0 \
  > "$work/info.json" 2> "$work/sandbox.log" &
pid=$!
# Ready when the whole info line is out (printed once the three are listening). No deadline
# to race on a slow machine: only a generous guard against a hang.
info_complete() { [ -s "$work/info.json" ] && [ -z "$(tail -c 1 "$work/info.json")" ]; }
for _ in $(seq 1 3000); do
  info_complete && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/sandbox.log"; echo "sandbox exited early"; exit 1; }
  sleep 0.1
done
info_complete || { cat "$work/sandbox.log"; echo "sandbox printed no info line in 5 minutes"; exit 1; }

status=0
for script in crates/emulator-*/smoke/smoke.py; do
  echo "-- $script"
  "$py" "$script" "$work/info.json" || status=1
done
exit "$status"
