#!/usr/bin/env bash
# Create .venv (if needed) with Python >= 3.11 and install wave-mock editable with its dev extras,
# pinned by constraints.txt. Called by `make` through a stamp file, so it only runs when
# pyproject.toml or constraints.txt changed.
set -euo pipefail

PYTHON="${PYTHON:-python3}"
VENV="${VENV:-.venv}"

python_ok() {
    "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null
}

if [[ ! -x "$VENV/bin/python" ]]; then
    if ! python_ok "$PYTHON"; then
        found="$("$PYTHON" --version 2>&1 || echo "not found")"
        echo "error: wave-mock needs Python >= 3.11, but '$PYTHON' is: $found" >&2
        echo "       install Python 3.11+ and run: make PYTHON=python3.11 <target>" >&2
        exit 1
    fi
    echo "Creating $VENV with $("$PYTHON" --version 2>&1)"
    "$PYTHON" -m venv "$VENV"
elif ! python_ok "$VENV/bin/python"; then
    echo "error: $VENV uses $("$VENV/bin/python" --version 2>&1); wave-mock needs Python >= 3.11." >&2
    echo "       remove it (rm -rf $VENV) and run make again." >&2
    exit 1
fi

echo "Installing wave-mock (editable) and its dev dependencies into $VENV"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
    -c constraints.txt -e '.[dev]'
