#!/usr/bin/env bash
# Set up a virtual environment in .venv (first run) with the test extras, and run the tests.
# Extra arguments go to pytest (e.g. -k parser).
set -euo pipefail
cd "$(dirname "$0")/.."
KHABAR_EXTRAS="[test]" source scripts/venv.sh
# cffconvert pins jsonschema<4, so it lives in a venv of its own
if [ ! -x "$VENV/tools/cffconvert/bin/cffconvert" ]; then
  "$PYTHON" -m venv "$VENV/tools/cffconvert"
  "$VENV/tools/cffconvert/bin/python" -m pip install -q "cffconvert==2.0.0"
fi
export KHABAR_CFFCONVERT="$VENV/tools/cffconvert/bin/cffconvert"
"$VENV/bin/python" -m pytest "$@"
