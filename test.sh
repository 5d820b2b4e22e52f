#!/usr/bin/env bash
# One command for the whole test suite on a fresh machine: installs what the tests need, checks
# the code's contracts, then runs the tests.
#   ./test.sh            every check and every test
#   ./test.sh -k echo    pytest arguments pass through (the checks still run first)
# The programs the tests run are listed once, in tests/required_programs.txt.
set -euo pipefail
cd "$(dirname "$0")"
PY=${PYTHON:-python3}

need_apt=()
while read -r program package _; do
  case "$program" in ''|'#'*) continue ;; esac
  if [[ "$program" == python3:* ]]; then
    "$PY" -c "import ${program#python3:}" >/dev/null 2>&1 && continue
  else
    [ -x "$program" ] && continue
    [[ "$program" == *.so && -f "$program" ]] && continue      # a plugin library is read, not run
  fi
  [[ " ${need_apt[*]-} " == *" $package "* ]] || need_apt+=("$package")
done < tests/required_programs.txt
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

# The contracts (pyproject.toml): style and errors, the module boundaries' types, who may import whom.
echo "test.sh: ruff"; "$PY" -m ruff check --quiet .
echo "test.sh: mypy"; "$PY" -m mypy
echo "test.sh: import-linter"
"$PY" -c 'import sys; from importlinter.cli import lint_imports_command; sys.argv[1:] = ["pyproject.toml"]; sys.exit(lint_imports_command())' 

exec "$PY" -m pytest "$@"
