"""Shared test helpers: paths, the seed page, and throw-away project roots."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SEED = REPO / "corpus" / "raw" / "aa-fa" / "000_4212da3186e38a21.txt"
SHARED = REPO.parent / "shared"
SHARED_NEWS = SHARED / "data" / "news"
BUILD_DATE = dt.date(2026, 11, 29)

needs_shared = pytest.mark.skipif(not SHARED_NEWS.is_dir(), reason="../shared/data/news is absent (shared exports not available)")


@pytest.fixture
def seed_bytes() -> bytes:
    return SEED.read_bytes()


def make_root(tmp: Path, pages: dict[str, bytes]) -> Path:
    """A project root with corpus/raw/<rel> = bytes for each page, and the repository's README as card."""
    root = tmp / "project"
    root.mkdir(parents=True, exist_ok=True)
    for rel, data in pages.items():
        path = root / "corpus" / "raw" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    shutil.copy(REPO / "README.md", root / "README.md")
    shutil.copy(REPO / "CHANGELOG.md", root / "CHANGELOG.md")
    return root
