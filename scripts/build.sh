#!/usr/bin/env bash
# Set up a virtual environment in .venv (first run) and build the dataset from corpus/.
# Extra arguments go to `khabar build` (e.g. --config configs/shared-news.toml).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh
"$VENV/bin/khabar" build "$@"
