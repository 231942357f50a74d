"""Documents that tell the truth about the rows they describe: a build of one's own gets a card,
datasheet, Croissant file and citation made from its own rows, never the repository's prose."""

from __future__ import annotations

import json
import random
import re

from conftest import BUILD_DATE, REPO, make_root, random_article

from khabar.pipeline import BuildConfig, build
from khabar.config import load_config
from khabar.publish import card

TABNAK = """format = "jsonl"
[outlet]
key = "tabnak"
publisher = "Tabnak"
homepage = "https://www.tabnak.ir"
language = "fa"
timezone = "Asia/Tehran"
license = "LicenseRef-all-rights-reserved"
redistribution = "unknown"
license_notice = "All rights reserved by Tabnak."
[fields]
title = "headline"
body = "content"
url = "permalink"
[date]
field = "tarikh"
calendar = "gregorian"
formats = ["%Y-%m-%d"]
"""
OPEN_CLAIMS = ("CC BY", "CC-BY", "cc-by", "creativecommons", "openly licensed text is published",
               "may be redistributed", "Every row may")
OTHER_OUTLETS = ("Fars", "Tasnim", "Mehr", "MojNews", "farsnews", "tasnimnews", "mehrnews", "mojnews")


def _without_fields(readme: str) -> str:
    """The card less its fields table (the schema's field descriptions, the same in every build)
    and its front matter's feature list."""
    readme = re.sub(r"<!-- khabar:fields -->.*?<!-- /khabar:fields -->", "", readme, flags=re.DOTALL)
    return re.sub(r"\A---\n.*?\n---\n", "", readme, flags=re.DOTALL)


def _own_build(tmp_path):
    root = make_root(tmp_path, {})
    (root / "scrape").mkdir()
    rng = random.Random(9)
    rows = [dict(random_article(rng, k), permalink=f"https://www.tabnak.ir/fa/news/{k}",
                 tarikh=f"2024-0{1 + k % 3}-1{k % 9}") for k in range(30)]
    (root / "scrape/tabnak.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    (root / "configs/mappings").mkdir(parents=True)
    (root / "configs/mappings/tabnak.toml").write_text(TABNAK, "utf-8")
    (root / "b.toml").write_text('[build]\ncorpus = false\n[[inputs]]\npath = "scrape/tabnak.jsonl"\n'
                                 'mapping = "configs/mappings/tabnak.toml"\n', "utf-8")
    out = tmp_path / "mine"
    result = build(BuildConfig(root=root, output=out, build_date=BUILD_DATE, progress=False, workers=1,
                               config=load_config(root / "b.toml", root)))
    return out, result


def test_a_build_of_a_non_open_outlet_says_nothing_of_the_repositorys_corpus(tmp_path):
    out, result = _own_build(tmp_path)
    n = result.report.published["tabnak"]
    assert n == 30
    readme = (out / "README.md").read_text("utf-8")
    datasheet = (out / "DATASHEET.md").read_text("utf-8")
    citation = (out / "CITATION.cff").read_text("utf-8")
    croissant = json.loads((out / "croissant.json").read_text("utf-8"))
    prose = {"README.md": _without_fields(readme), "DATASHEET.md": datasheet, "CITATION.cff": citation,
             "croissant.json": json.dumps({k: v for k, v in croissant.items() if k != "recordSet"}, ensure_ascii=False)}
    for name, text in prose.items():
        for claim in OPEN_CLAIMS:
            assert claim not in text, (name, claim)
        for outlet in OTHER_OUTLETS:
            assert not re.search(rf"\b{outlet}\b", text), (name, outlet)
        assert "3003" not in text and "3,000" not in text and "2003" not in text, name
    assert f"A Khabar build: {n} Persian news articles" in readme and "Tabnak (30)" in readme
    assert "published from 2024-01 to 2024-03" in readme and "not openly licensed" in readme
    assert "do not redistribute" in readme and "do not redistribute" in datasheet
    front = card.read_front_matter(readme)
    assert front["license"] == "other" and front["pretty_name"].startswith("A Khabar build")
    assert "Tabnak" in croissant["description"] and "CC BY" not in croissant["license"]
    assert not (out / "CHANGELOG.md").exists()              # the repository's release history is not this build's


def test_the_cards_load_snippet_runs_whatever_row_zero_holds(tmp_path):
    """The own build's card snippet and the README's: no int2str of a missing class."""
    out, _ = _own_build(tmp_path)
    readme = (out / "README.md").read_text("utf-8")
    snippet = re.search(r"```python\n(.*?)```", readme, re.DOTALL).group(1)
    assert "int2str" not in snippet and 'khabar.load("path/to/this/folder")' in snippet
    repo_snippet = re.search(r"## Load it\n\n(?:<!-- example: python -->\n)?```python\n(.*?)```", (REPO / "README.md").read_text("utf-8"),
                             re.DOTALL).group(1)
    assert "int2str(ds[\"train\"][0][\"category\"])" not in repo_snippet


def test_the_repositorys_card_keeps_the_repositorys_text():
    readme = (REPO / "README.md").read_text("utf-8")
    assert "**Only openly licensed text is published here.**" in readme
    assert card.read_front_matter(readme)["license"] == "cc-by-4.0"
    assert "Datasheet for Khabar" in (REPO / "DATASHEET.md").read_text("utf-8")


def test_every_row_says_what_was_done_to_it():
    """The shipped rows came from third parties' exports, and most lost an attribution formula:
    the credit line says so, row by row, never 'extracted from the page'."""
    import pyarrow.parquet as pq

    rows = [r for p in sorted((REPO / "corpus/data").glob("*.parquet"))
            for r in pq.read_table(p, columns=["attribution", "reported_by", "normalization"]).to_pylist()]
    for row in rows:
        changes = row["attribution"].split("Changes: ", 1)[1]
        assert changes.startswith("text taken from a third party's export of the page")
        assert ("attribution formula or dateline moved to reported_by" in changes) == bool(
            row["normalization"]["furniture"]["opening"] + row["normalization"]["furniture"]["lead_opening"]
            + row["normalization"]["furniture"]["formulas"])
        assert "text_raw keeps the original" in changes
    assert any(row["reported_by"] for row in rows)
