"""Where the project's data files live, installed or in a checkout."""

from __future__ import annotations

import functools
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


@functools.cache
def schema_dir() -> Path:
    """``schema/`` of the checkout, or the copy shipped inside the wheel."""
    for candidate in (_PACKAGE / "_schema", _PACKAGE.parents[1] / "schema"):
        if (candidate / "article.schema.json").is_file():
            return candidate
    raise FileNotFoundError("schema/article.schema.json not found beside the khabar package")


def project_root() -> Path:
    """The checkout holding corpus/ and README.md (the current directory by default)."""
    return Path.cwd()
