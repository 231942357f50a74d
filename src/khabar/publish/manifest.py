"""The manifest: sha256, size and row count of every published file, and the build's totals."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

MANIFEST = "manifest.json"


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def file_entry(path: Path, rel: str, rows: int | None) -> dict[str, Any]:
    return {"path": rel, "sha256": sha256_file(path), "bytes": path.stat().st_size, "rows": rows}


def dumps(data: Any) -> str:
    """Deterministic JSON: sorted keys, fixed indentation, UTF-8 text, final newline."""
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def load(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as fh:
        return json.load(fh)
