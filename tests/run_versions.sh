#!/usr/bin/env bash
# Run the test suite on every Python that pyproject.toml declares.
#
#   tests/run_versions.sh                      # the whole suite on 3.10 .. 3.13
#   tests/run_versions.sh tests/test_cli.py    # a subset (pytest arguments)
#   PYTHONS="3.10 3.13" tests/run_versions.sh  # some versions only
#
# For each version it makes a fresh virtual environment under ${VENVS:-/tmp/tinysnn-versions}
# (reused when it exists: delete it to start over), installs ".[test]" into it and runs pytest.
# Interpreters are found under ~/.pyenv/versions/X.Y.* or as pythonX.Y on the PATH.
# Prints one line per version (passed / FAILED / missing) and exits 1 if any failed.
set -uo pipefail
cd "$(dirname "$0")/.."
PYTHONS=${PYTHONS:-"3.10 3.11 3.12 3.13"}
VENVS=${VENVS:-/tmp/tinysnn-versions}
export MPLBACKEND=Agg
mkdir -p "$VENVS"

find_python() {
    local version=$1 found
    for found in "$HOME"/.pyenv/versions/"$version".*/bin/python; do
        [ -x "$found" ] && { echo "$found"; return; }
    done
    found=$(command -v "python$version" 2>/dev/null) && "$found" -c "" 2>/dev/null \
        && { echo "$found"; return; }
    return 1
}

declare -A result
for version in $PYTHONS; do
    python=$(find_python "$version") || { result[$version]="missing"; continue; }
    venv="$VENVS/py$version"
    log="$VENVS/py$version.log"
    echo "== Python $version ($python): log in $log"
    if ! "$venv/bin/python" -c "" 2>/dev/null; then
        rm -rf "$venv"
        "$python" -m venv "$venv" >"$log" 2>&1 || { result[$version]="FAILED (venv)"; continue; }
    fi
    if ! "$venv/bin/python" -m pip install --quiet -e ".[test]" >>"$log" 2>&1; then
        result[$version]="FAILED (install)"
        continue
    fi
    # -o addopts= : pytest's summary line ("N passed in T s") instead of the project's -q dots
    if "$venv/bin/python" -m pytest -o addopts= -q -p no:cacheprovider "$@" >>"$log" 2>&1; then
        result[$version]="passed ($(tail -1 "$log"))"
    else
        result[$version]="FAILED ($(tail -1 "$log"))"
    fi
done

status=0
for version in $PYTHONS; do
    echo "Python $version: ${result[$version]}"
    case ${result[$version]} in passed*) ;; *) status=1 ;; esac
done
exit $status
