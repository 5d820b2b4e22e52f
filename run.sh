#!/usr/bin/env bash
# Installs the program's Python packages and starts it on the built-in demo PACS.
#   ./run.sh                the GUI on the demo PACS
#   ./run.sh --headless     search and download end to end in the terminal
set -euo pipefail
cd "$(dirname "$0")"
PY=${PYTHON:-python3}
"$PY" -c 'import tkinter' >/dev/null 2>&1 || {
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-tk >/dev/null;
  else echo "run.sh: Tk is missing; install python3-tk" >&2; fi; }
"$PY" -m pip install -q --disable-pip-version-check -r requirements.txt
exec "$PY" main.py demo "$@"
