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


# --- synthetic exports: a JSON Lines mapping, a build config, and articles of random words ---------

JSONL_MAPPING = """
source = "farsnews"
format = "jsonl"
[fields]
title = "headline"
body = "content"
url = "permalink"
"""
DATED = """
[date]
field = "tarikh"
calendar = "gregorian"
formats = ["%Y-%m-%d"]
"""
WORDS = ("دولت مجلس اقتصاد بازار تیم بازی شهر استان مردم کشور جهان سفر دانشگاه پژوهش فیلم کتاب هوا باران "
         "قیمت نفت طلا ارز بانک مدرسه بیمارستان پزشک ورزشگاه قهرمانی جام لیگ سیاست وزیر سفیر نشست توافق").split()


def random_article(rng, n: int, *, sentences: int = 10, words: int = 15, **extra) -> dict:
    """A story of random Persian words (distinct stories share few 5-word runs)."""
    return {"headline": f"خبر شماره {n} " + " ".join(rng.choice(WORDS) for _ in range(5)),
            "content": "\n\n".join(" ".join(rng.choice(WORDS) for _ in range(words)) + "." for _ in range(sentences)),
            "permalink": f"https://www.farsnews.ir/news/{n}", **extra}


def write_export_project(root: Path, path: str, *, mapping: str = JSONL_MAPPING, glob: str | None = None,
                         build: str = "") -> Path:
    """configs/m.toml (the mapping) and configs/b.toml (a build config reading ``path`` with it)."""
    (root / "configs").mkdir(parents=True, exist_ok=True)
    (root / "configs" / "m.toml").write_text(mapping, "utf-8")
    lines = [f"[build]\n{build}\n"] if build else []
    lines.append(f'[[inputs]]\npath = "{path}"\n' + (f'glob = "{glob}"\n' if glob else "") + 'mapping = "configs/m.toml"\n')
    (root / "configs" / "b.toml").write_text("\n".join(lines), "utf-8")
    return root / "configs" / "b.toml"
