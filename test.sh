#!/usr/bin/env bash
# One command for the whole test suite on a fresh machine: installs what the tests need, then runs them.
#   ./test.sh            every test
#   ./test.sh -k echo    pytest arguments pass through
set -euo pipefail
cd "$(dirname "$0")"
PY=${PYTHON:-python3}

need_apt=()
{ [ -x /usr/sbin/Orthanc ] || command -v Orthanc >/dev/null 2>&1; } || need_apt+=(orthanc)
[ -x /usr/bin/dcmqrscp ] && [ -x /usr/bin/storescu ] || need_apt+=(dcmtk)
command -v Xvfb     >/dev/null 2>&1 || need_apt+=(xvfb)
command -v import   >/dev/null 2>&1 || need_apt+=(imagemagick)
"$PY" -c 'import tkinter' >/dev/null 2>&1 || need_apt+=(python3-tk)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "test.sh: installing Debian packages: ${need_apt[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    echo "test.sh: missing Debian packages (${need_apt[*]}); run as root or install them; peer tests will skip" >&2
  fi
fi

"$PY" -m pip install -q --disable-pip-version-check -r requirements-dev.txt
exec "$PY" -m pytest "$@"
