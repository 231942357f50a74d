"""The real exports under ../shared/data/news: every item accounted for, dates right, result loadable."""

from __future__ import annotations

import collections
import json
import os
import subprocess
import sys

import pytest

from conftest import BUILD_DATE, REPO, needs_shared
from khabar.config import load_config
from khabar.features import from_arrow_row
from khabar.build import BuildConfig, build

pytestmark = needs_shared


@pytest.fixture(scope="module")
def shared_build(tmp_path_factory):
    out = tmp_path_factory.mktemp("shared") / "dataset"
    config = load_config(REPO / "configs" / "shared-news.toml", REPO)
    result = build(BuildConfig(root=REPO, output=out, build_date=BUILD_DATE, config=config, progress=False))
    import pyarrow.parquet as pq
    rows = []
    for path in sorted((out / "corpus" / "data").glob("*.parquet")):
        rows += [from_arrow_row(r) for r in pq.read_table(path).to_pylist()]
    return out, result, rows


def test_every_item_is_accounted_for_per_source(shared_build):
    out, result, rows = shared_build
    report = result.report
    assert report.balanced()
    # the shipped corpus (as its committed build read it), plus the items of each other export
    # as PROVENANCE.md lists them
    shipped = json.loads((REPO / "corpus/manifest.json").read_text("utf-8"))["inputs"]
    assert sum(report.read.values()) == sum(r["read"] for r in shipped) + 2500 + 2203 + 284 + 6383 + 20
    assert len(rows) == sum(report.published.values())
    by_source = collections.Counter(r["source"] for r in rows)
    assert by_source == collections.Counter({k: v for k, v in report.published.items() if v})
    summary = json.loads((out / "corpus/reports/build.json").read_text("utf-8"))
    for row in summary["per_source"]:
        assert row["read"] == row["published"] + row["rejected"] + row["duplicates"]
    readme = (out / "README.md").read_text("utf-8")
    fars = next(r for r in shipped if r["source"] == "farsnews")
    assert f"| `farsnews` | Fars News Agency | {fars['read']} |" in readme
    # near-duplicates found and reported, none across splits (the leakage audit)
    dup_counts = {d["source"]: d for d in summary["duplicates"]["per_source"]}
    assert dup_counts["hamshahri"]["exact"] + dup_counts["hamshahri"]["near"] == report.duplicates["hamshahri"] > 0
    from khabar.check import audit_leakage
    assert audit_leakage(out)[1] == [] and audit_leakage(out, "corpus/data/temporal")[1] == []


def test_known_dates(shared_build):
    _, _, rows = shared_build
    by_url = {r["url"]: r for r in rows if r["url"]}
    fars = by_url["https://www.farsnews.ir/news/8707060255"]
    assert fars["published"] == "2008-09-27" and fars["date_origin"] == "url id" and fars["date_raw"] == "8707060255"
    long_id = [r for r in rows if r["url"] and "/news/13950404000869" in r["url"]]
    assert long_id and long_id[0]["published"] == "2016-06-24"
    multi = [r for r in rows if r["date_raw"] == "1404-04-21 11:30:16+0330"]
    assert multi and all(r["published"] == "2025-07-12" and r["published_at"] == "2025-07-12T08:00:16Z"
                         and r["published_offset"] == "+03:30" for r in multi)


def test_impossible_years_and_arabic_lettered_text(shared_build):
    _, result, rows = shared_build
    archive = [r for r in result.report.rejections if "hamshahri-archive" in r.origin and r.code == "date.implausible"]
    assert len(archive) == 8 and all("1901" in r.message for r in archive)
    fars = [r for r in rows if r["source"] == "farsnews" and r["lead_raw"] and r["lead_raw"].startswith("خبرگزاري فارس")]
    assert fars
    for r in fars[:50]:
        assert "ي" not in (r["lead"] or "") and "ك" not in (r["lead"] or "")      # normalized
        assert not r["lead"].startswith("خبرگزاری فارس")                          # the dateline prefix is cut
        assert r["categories"] == [c for c in r["categories"] if c]


def test_every_label_maps_or_is_reported(shared_build):
    out, result, rows = shared_build
    unmapped = {(u["source"], u["label"]) for u in json.loads((out / "corpus/reports/build.json").read_text("utf-8"))["unmapped_labels"]}
    from khabar.registry import taxonomy
    tax = taxonomy()
    for r in rows:
        category, missing = tax.classify(r["source"], r["categories"],
                                         "priority" if r["source"] == "radiofarda" else "breadcrumb")
        assert category == r["category"]
        assert {(r["source"], m) for m in missing} <= unmapped
    assert not unmapped, f"unmapped labels in the shared exports: {sorted(unmapped)[:10]}"


def test_shared_build_loads_with_datasets(shared_build):
    out, result, _ = shared_build
    code = ("import datasets, json, sys; d = datasets.load_dataset(sys.argv[1]); "
            "print(json.dumps({k: len(v) for k, v in d.items()}))")
    env = {**os.environ, "HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1",
           "HF_DATASETS_CACHE": str(out.parent / "cache"), "HF_HOME": str(out.parent / "home")}
    done = subprocess.run([sys.executable, "-c", code, str(out)], capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {k: v for k, v in result.split_rows.items() if v}
