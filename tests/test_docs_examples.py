"""The docs are executable: every TOML or shell block marked as an example runs here.

A block is an example when the line before its fence is ``<!-- example: KIND -->``:
``mapping`` (validated and compiled as a mapping file), ``python`` (run in the repository,
a dataset: the card's load snippet), ``config`` (loaded as a build config,
with its inputs made and its mappings taken from the repository or the docs' own mapping
examples) or ``command`` (run with bash in a small copy of the project, whose ``.venv`` is
this one). Every toml and bash block of docs/*.md must be marked; the README's first block
(the two commands) is what CI itself runs.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

from conftest import REPO, SHARED
from khabar.config import load_config
from khabar.sources.mapping import load_mapping

EXAMPLE = re.compile(r"<!-- example: (mapping|config|command|python) -->\n```(toml|bash|python)\n(.*?)```", re.DOTALL)
BLOCK = re.compile(r"(<!-- example: \w+ -->\n)?```(toml|bash)\n", re.DOTALL)
DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]


def examples() -> list[tuple[str, str, str]]:
    return [(f"{doc.name}:{doc.read_text('utf-8')[:m.start()].count(chr(10)) + 2}", m.group(1), m.group(3))
            for doc in DOCS for m in EXAMPLE.finditer(doc.read_text("utf-8"))]


def inline_mappings() -> list[str]:
    return [body for _, kind, body in examples() if kind == "mapping"]


def test_every_block_of_the_docs_is_a_marked_example():
    for doc in sorted((REPO / "docs").glob("*.md")):
        for m in BLOCK.finditer(doc.read_text("utf-8")):
            assert m.group(1), f"{doc.name}: a ```{m.group(2)} block without <!-- example: ... -->"
    kinds = {kind for _, kind, _ in examples()}
    assert kinds == {"mapping", "config", "command", "python"}


def _project(tmp_path: Path) -> Path:
    """A small copy of the project: its scripts, configs and the Mehr pages as the shipped corpus."""
    if not (REPO / ".venv" / "bin" / "khabar").exists():
        pytest.skip("no .venv in the repository (scripts/test.sh makes it)")
    root = tmp_path / "project"
    for rel in ("scripts", "configs", "native", "corpus/raw/mehr-selenium", "corpus/raw/aa-fa", "corpus/rights"):
        shutil.copytree(REPO / rel, root / rel, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    for rel in ("pyproject.toml", "README.md", "CHANGELOG.md", "DATASHEET.md"):
        shutil.copy(REPO / rel, root / rel)
    entry = next(e for e in tomllib.loads((REPO / "corpus/inputs.toml").read_text("utf-8"))["inputs"]
                 if e["path"].endswith("mehr-selenium"))
    (root / "corpus/inputs.toml").write_text(
        f'[[inputs]]\npath = "{entry["path"]}"\nglob = "*.txt"\nmapping = "{entry["mapping"]}"\n', "utf-8")
    (root / ".venv").symlink_to(REPO / ".venv")
    if SHARED.is_dir():
        (tmp_path / "shared").symlink_to(SHARED)
    return root


@pytest.mark.parametrize("where,kind,body", examples(), ids=[w for w, _, _ in examples()])
def test_example(where, kind, body, tmp_path):
    if kind == "mapping":
        path = tmp_path / "configs" / "mappings" / "example.toml"
        path.parent.mkdir(parents=True)
        path.write_text(body, "utf-8")
        mapping = load_mapping(path)
        assert mapping.fields and (mapping.source or mapping.source_by_host or mapping.source_by_value)
    elif kind == "config":
        root = tmp_path / "project"
        data = tomllib.loads(body)
        for entry in data.get("inputs", []):
            if entry.get("format") == "warc":          # web captures: a folder with a WARC file
                (root / entry["path"]).mkdir(parents=True, exist_ok=True)
                (root / entry["path"] / "x.warc.gz").touch()
                continue
            target = root / entry["mapping"]
            target.parent.mkdir(parents=True, exist_ok=True)
            if (REPO / entry["mapping"]).is_file():
                shutil.copy(REPO / entry["mapping"], target)
            else:              # a mapping the docs show (the new outlet's)
                target.write_text(next(m for m in inline_mappings() if "[outlet]" in m), "utf-8")
            made = root / entry["path"]
            made.parent.mkdir(parents=True, exist_ok=True)
            if "glob" in entry:
                made.mkdir(exist_ok=True)
                (made / entry["glob"].replace("*", "x")).touch()     # a file the glob matches
            else:
                made.touch()
        (root / "b.toml").write_text(body, "utf-8")
        config = load_config(root / "b.toml", root)
        assert len(config.inputs) == len(data.get("inputs", []))
    elif kind == "python":             # run in the repository, which is a dataset (the load snippet)
        env = {**os.environ, "HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1",
               "HF_DATASETS_CACHE": str(tmp_path / "hf-cache"), "HF_HOME": str(tmp_path / "hf-home")}
        done = subprocess.run([str(REPO / ".venv" / "bin" / "python"), "-c", body], cwd=REPO, capture_output=True,
                              text=True, timeout=900, env=env)
        assert done.returncode == 0, f"{where}: {body}\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
        assert done.stdout.strip(), f"{where}: printed nothing"
    else:
        if "../shared" in body or "configs/shared-news.toml" in body:
            if not SHARED.is_dir():
                pytest.skip("the example reads ../shared, which is absent")
        root = _project(tmp_path)
        env = {**os.environ, "KHABAR_NO_INSTALL": "1"}        # this .venv, as it is
        done = subprocess.run(["bash", "-euo", "pipefail", "-c", body], cwd=root, capture_output=True, text=True,
                              timeout=900, env=env)
        assert done.returncode == 0, f"{where}: {body}\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
