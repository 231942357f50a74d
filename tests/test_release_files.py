"""Release files: the seed is the shared one byte for byte, CITATION.cff is valid, the datasheet is generated."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess

import pytest

from conftest import REPO, SEED, SHARED, needs_shared

SEED_SHA256 = "5e3244a84afaf4288f6bf32be320b738d9c00a799c2c76ac639421c7ba40224f"


def test_seed_article_is_kept_byte_for_byte():
    assert hashlib.sha256(SEED.read_bytes()).hexdigest() == SEED_SHA256


@needs_shared
def test_seed_article_equals_the_shared_original():
    assert SEED.read_bytes() == (SHARED / "seed" / SEED.name).read_bytes()


def test_citation_cff_validates():
    tool = os.environ.get("KHABAR_CFFCONVERT") or shutil.which("cffconvert")
    if not tool:
        pytest.skip("cffconvert is not installed (scripts/test.sh installs it in .venv/tools)")
    out = subprocess.run([tool, "--validate", "-i", str(REPO / "CITATION.cff")], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_datasheet_figures_come_from_the_build():
    text = (REPO / "DATASHEET.md").read_text("utf-8")
    composition = text.split("<!-- khabar:composition -->")[1].split("<!-- /khabar:composition -->")[0]
    assert "article(s) published" in composition
    rights = text.split("<!-- khabar:rights -->")[1].split("<!-- /khabar:rights -->")[0]
    assert "`aa-fa`" in rights and "research-only" in rights
