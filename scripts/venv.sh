# Sourced by build.sh and test.sh: create .venv with Python 3.11+ and install khabar into it.
VENV="${KHABAR_VENV:-.venv}"
PYTHON="${PYTHON:-}"
if [ -z "$PYTHON" ]; then
  for candidate in python3.11 python3.12 python3.13 python3; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
      PYTHON="$candidate"; break
    fi
  done
fi
[ -n "$PYTHON" ] || { echo "khabar needs Python 3.11 or newer" >&2; exit 1; }
if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --upgrade pip
fi
"$VENV/bin/python" -m pip install -q -e ".${KHABAR_EXTRAS:-}"
# The optional C twins of four text loops (native/, same output, faster); without a C
# compiler the build stays pure Python.
"$VENV/bin/python" -m pip install -q ./native >/dev/null 2>&1 \
  || echo "note: native/ (the C speedups) did not build here; khabar runs in pure Python: same output, slower" >&2
