"""Release files: the seed is the shared one byte for byte, CITATION.cff is valid, the datasheet is generated."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys

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


def test_one_version_everywhere():
    import json

    from khabar import __version__
    from khabar.publish.card import read_front_matter  # noqa: F401
    from khabar.publish.release import read_release

    release = read_release(REPO / "CHANGELOG.md")
    assert release.version == __version__
    assert json.loads((REPO / "croissant.json").read_text("utf-8"))["version"] == release.version
    cff = (REPO / "CITATION.cff").read_text("utf-8")
    assert f"version: {release.version}\n" in cff and f'date-released: "{release.date}"' in cff
    readme = (REPO / "README.md").read_text("utf-8")
    assert f"Version **{release.version}** of {release.date}" in readme
    assert f"version      = {{{release.version}}}" in readme
    manifest = json.loads((REPO / "corpus" / "manifest.json").read_text("utf-8"))
    assert manifest["release"] == {"version": release.version, "date": release.date}
    inputs = manifest["provenance"]["input_files"]
    seed = [i for i in inputs if i["path"] == "corpus/raw/aa-fa/000_4212da3186e38a21.txt"]
    assert seed and seed[0]["sha256"] == SEED_SHA256
    assert len(inputs) == sum(1 for p in (REPO / "corpus" / "raw").rglob("*") if p.is_file())


def test_croissant_validates_and_loads_as_many_records_as_datasets(tmp_path):
    pytest.importorskip("mlcroissant")
    code = r"""
import json, logging, sys, os
logging.disable(logging.WARNING)
import mlcroissant as mlc
path = sys.argv[1]
ds = mlc.Dataset(jsonld=path)
n = sum(1 for _ in ds.records(record_set="default"))
import datasets
d = datasets.load_dataset(os.path.dirname(path))
print(json.dumps({"croissant": n, "datasets": sum(len(v) for v in d.values())}))
"""
    env = {**os.environ, "HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1",
           "HF_DATASETS_CACHE": str(tmp_path / "cache"), "HF_HOME": str(tmp_path / "home")}
    out = subprocess.run([sys.executable, "-c", code, str(REPO / "croissant.json")], capture_output=True,
                         text=True, env=env, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    import json
    counts = json.loads(out.stdout.strip().splitlines()[-1])
    assert counts["croissant"] == counts["datasets"] > 0
    tool = shutil.which("mlcroissant", path=os.path.dirname(sys.executable))
    if tool:
        done = subprocess.run([tool, "validate", "--jsonld", str(REPO / "croissant.json")], capture_output=True,
                              text=True, timeout=300)
        assert done.returncode == 0 and "Done." in done.stderr, done.stderr[-2000:]
