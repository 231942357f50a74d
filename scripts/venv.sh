# Sourced by build.sh and test.sh: create .venv with Python 3.11+ and install khabar into it.
# The install is skipped when nothing it depends on changed since the last one (a stamp in
# .venv holds the hash of pyproject.toml, native/ and the extras), so a second run starts at once.
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
KHABAR_HASH="$("$VENV/bin/python" -c 'import hashlib, pathlib, sys; print(hashlib.sha256(b"".join(pathlib.Path(f).read_bytes() for f in sys.argv[1:] if pathlib.Path(f).is_file())).hexdigest())' pyproject.toml native/pyproject.toml native/setup.py native/khabar_native.c)"
KHABAR_STAMP="$KHABAR_HASH ${KHABAR_EXTRAS:-}"
KHABAR_DONE="$(cat "$VENV/.khabar-installed" 2>/dev/null || true)"
# installed with the test extras covers a plain build too
# KHABAR_NO_INSTALL=1: use .venv as it is (the docs-examples test runs commands in a copy of the project)
if [ -z "${KHABAR_NO_INSTALL:-}" ] && [ "$KHABAR_DONE" != "$KHABAR_STAMP" ] && { [ -n "${KHABAR_EXTRAS:-}" ] || [ "${KHABAR_DONE%% *}" != "$KHABAR_HASH" ]; }; then
  "$VENV/bin/python" -m pip install -q -e ".${KHABAR_EXTRAS:-}"
  # The optional C twins of four text loops (native/, same output, faster); without a C
  # compiler the build stays pure Python.
  "$VENV/bin/python" -m pip install -q ./native >/dev/null 2>&1 \
    || echo "note: native/ (the C speedups) did not build here; khabar runs in pure Python: same output, slower" >&2
  echo "$KHABAR_STAMP" > "$VENV/.khabar-installed"
fi
