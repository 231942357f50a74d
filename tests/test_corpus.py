"""The shipped corpus: every openly licensed article we hold, committed, rights enforced.

These tests read the committed files under corpus/ (no ../shared needed), except the
excerpt reproduction and the original-workbook tests, which skip without ../shared."""

from __future__ import annotations

import collections
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import tomllib

import pyarrow.parquet as pq
import pytest

from conftest import BUILD_DATE, REPO, SHARED, make_root, random_article
from khabar.config import corpus_inputs, load_config
from khabar.dates import DateLimits
from khabar.features import from_arrow_row
from khabar.pipeline import BuildConfig, build
from khabar.registry import sources
from khabar.sources.mapping import load_mapping
from khabar.verify import verify

CCBY = SHARED / "data" / "ccby"
needs_ccby = pytest.mark.skipif(not CCBY.is_dir(), reason="../shared/data/ccby is absent (original exports not available)")
OPEN = {"farsnews", "tasnimnews", "mehrnews", "mojnews"}


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    out = []
    for path in sorted((REPO / "corpus" / "data").glob("*.parquet")):
        out += [from_arrow_row(r) for r in pq.read_table(path).to_pylist()]
    return out


def records(mapping: str, path: str) -> list:
    """The records of a committed raw file as its mapping reads them: (line, RawArticle | code)."""
    m = load_mapping(REPO / "configs" / "mappings" / mapping)
    raw = (REPO / path).read_bytes()
    out = []
    for _, line, item in m.read(raw, (REPO / path).name):
        if not isinstance(item, dict):
            out.append((line, item.code))
            continue
        try:
            out.append((line, m.apply(item, origin=path, registry=sources(), limits=DateLimits(latest=BUILD_DATE))))
        except Exception as exc:  # noqa: BLE001 - the tests assert on what comes out
            out.append((line, getattr(exc, "code", repr(exc))))
    return out


# --- the corpus as published -------------------------------------------------------------------

def test_the_corpus_holds_every_open_outlet_with_rights_on_every_row(rows):
    by_source = collections.Counter(r["source"] for r in rows)
    assert set(by_source) == OPEN
    assert len(rows) >= 2800 and len({r["id"] for r in rows}) == len(rows)
    registry = sources()
    for r in rows:
        src = registry[r["source"]]
        assert src.open and r["license"] == "CC-BY-4.0" == src.license
        assert r["license_notice"] == src.license_notice and "Creative Commons Attribution 4.0" in r["license_notice"]
        assert r["attribution"].startswith(f"Source: {src.publisher}, ")
        assert (r["url"] or src.homepage) in r["attribution"] and "https://creativecommons.org/licenses/by/4.0/" in r["attribution"]
        assert (r["category"] is None) == (r["category_origin"] is None)
        assert r["category_origin"] in (None, "label")          # no open outlet has a default class
    readme = (REPO / "README.md").read_text("utf-8")
    assert "\nlicense: cc-by-4.0\n" in readme.split("\n---\n")[0]
    for key, n in by_source.items():                  # per-outlet counts and attribution in the card
        assert f"### {registry[key].publisher} (`{key}`): {n} articles" in readme


def test_every_input_of_the_shipped_corpus_is_accounted_for():
    manifest = json.loads((REPO / "corpus/manifest.json").read_text("utf-8"))
    for row in manifest["inputs"]:
        assert row["read"] == row["published"] + row["rejected"] + row["duplicates"] + row["taken_down"]
    rejects = [json.loads(line) for line in (REPO / "corpus/reports/rejects.jsonl").read_text("utf-8").splitlines()]
    assert {r["code"] for r in rejects} <= {"record.duplicate-id", "date.implausible", "text.control-chars", "layout.no-article",
                                            "rights.not-redistributable"}
    seed = [r for r in rejects if r["origin"].startswith("corpus/raw/aa-fa/")]
    assert [r["code"] for r in seed] == ["rights.not-redistributable"]


def test_raw_files_are_kept_byte_for_byte_as_recorded():
    recorded = tomllib.loads((REPO / "corpus/inputs.toml").read_text("utf-8"))["inputs"]
    checked = 0
    for export in corpus_inputs(REPO):
        entry = next(e for e in recorded if REPO / e["path"] == export.path)
        for path in export.files():
            if "excerpt" in entry:
                continue
            assert hashlib.sha256(path.read_bytes()).hexdigest() == export.sha256[path.name], path
            checked += 1
    assert checked == 4 + 2 + 1 + 4 + 1 + 5


def test_a_changed_raw_file_is_rejected_not_published(tmp_path):
    root = make_root(tmp_path, {})
    shutil.copytree(REPO / "corpus/raw/mehr-selenium", root / "corpus/raw/mehr-selenium")
    (root / "configs/mappings").mkdir(parents=True)
    shutil.copy(REPO / "configs/mappings/mehr-selenium.toml", root / "configs/mappings/")
    entry = next(e for e in tomllib.loads((REPO / "corpus/inputs.toml").read_text("utf-8"))["inputs"]
                 if "mehr-selenium" in e["path"])
    (root / "corpus/inputs.toml").write_text(
        '[[inputs]]\npath = "corpus/raw/mehr-selenium"\nglob = "*.txt"\nmapping = "configs/mappings/mehr-selenium.toml"\n'
        "sha256 = {" + ", ".join(f'"{k}" = "{v}"' for k, v in entry["sha256"].items()) + "}\n", "utf-8")
    page = root / "corpus/raw/mehr-selenium/5731896.txt"
    page.write_bytes(page.read_bytes().replace("تصویب".encode(), "رد".encode(), 1))
    result = build(BuildConfig(root=root, build_date=BUILD_DATE, progress=False, workers=1))
    assert [(r.origin, r.code) for r in result.report.rejections] == [
        ("corpus/raw/mehr-selenium/5731896.txt", "input.checksum-mismatch")]
    assert sum(result.report.published.values()) == 3


# --- rights enforced ----------------------------------------------------------------------------

def _open_project(tmp_path, seed_bytes):
    """A repository (it has corpus/inputs.toml) with one research-only page and one open export."""
    root = make_root(tmp_path, {"aa-fa/seed.txt": seed_bytes})
    (root / "corpus/inputs.toml").write_text('[[inputs]]\npath = "corpus/raw/mehr-selenium"\nglob = "*.txt"\n'
                                            'mapping = "configs/mappings/mehr-selenium.toml"\n', "utf-8")
    shutil.copytree(REPO / "corpus/raw/mehr-selenium", root / "corpus/raw/mehr-selenium")
    (root / "configs/mappings").mkdir(parents=True)
    shutil.copy(REPO / "configs/mappings/mehr-selenium.toml", root / "configs/mappings/")
    return root


def test_a_non_redistributable_row_is_not_published_in_the_repository(tmp_path, seed_bytes):
    root = _open_project(tmp_path, seed_bytes)
    result = build(BuildConfig(root=root, build_date=BUILD_DATE, progress=False, workers=1))
    assert result.report.published["mehrnews"] == 4 and result.report.published["aa-fa"] == 0
    assert [(r.source, r.code) for r in result.report.rejections] == [("aa-fa", "rights.not-redistributable")]
    assert verify(root, audit=False).ok
    # into a folder of one's own, the same inputs publish both
    own = tmp_path / "own"
    result = build(BuildConfig(root=root, output=own, build_date=BUILD_DATE, progress=False, workers=1))
    assert result.report.published["aa-fa"] == 1 and not result.report.rejections
    assert verify(own, audit=False).ok
    # forced into the repository's dataset, verify catches it
    shutil.rmtree(root / "corpus/data")
    shutil.copytree(own / "corpus/data", root / "corpus/data")
    shutil.copy(own / "corpus/manifest.json", root / "corpus/manifest.json")
    shutil.copy(own / "README.md", root / "README.md")
    problems = verify(root, audit=False).problems
    assert len([p for p in problems if "may not be redistributed" in p]) == 1, problems


def test_an_inline_outlet_never_opens_the_rights_gate(tmp_path, seed_bytes):
    """A mapping's [outlet] that declares itself CC BY 4.0, redistribution yes, 'trust me' as its
    evidence: its rows stay out of the repository's dataset (only a registry entry opens the gate),
    and go into a folder of one's own, whose card says the claim was not checked."""
    root = _open_project(tmp_path, seed_bytes)
    (root / "scrape").mkdir()
    rng = random.Random(3)
    rows = [{"onvan": a["headline"], "matn": a["content"], "peyvand": f"https://trustme.example/news/{k}"}
            for k, a in enumerate(random_article(rng, k) for k in range(3))]
    (root / "scrape/t.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    (root / "configs/mappings/trustme.toml").write_text(
        'format = "jsonl"\n[outlet]\nkey = "trustme"\npublisher = "Trust Me"\nhomepage = "https://trustme.example"\n'
        'language = "fa"\ntimezone = "Asia/Tehran"\nlicense = "CC-BY-4.0"\nredistribution = "yes"\n'
        'evidence = "trust me"\nlicense_url = "https://creativecommons.org/licenses/by/4.0/"\n'
        'license_notice = "CC BY 4.0, honestly"\n[fields]\ntitle = "onvan"\nbody = "matn"\nurl = "peyvand"\n', "utf-8")
    (root / "b.toml").write_text('[[inputs]]\npath = "scrape/t.jsonl"\nmapping = "configs/mappings/trustme.toml"\n', "utf-8")
    result = build(BuildConfig(root=root, build_date=BUILD_DATE, progress=False, workers=1,
                               config=load_config(root / "b.toml", root)))
    assert result.report.published["trustme"] == 0 and result.report.published["mehrnews"] == 4
    refused = [r for r in result.report.rejections if r.source == "trustme"]
    assert [r.code for r in refused] == ["rights.not-redistributable"] * 3
    assert "inline [outlet]" in refused[0].message
    assert verify(root, audit=False).ok
    own = tmp_path / "own"
    result = build(BuildConfig(root=root, output=own, build_date=BUILD_DATE, progress=False, workers=1,
                               config=load_config(root / "b.toml", root)))
    assert result.report.published["trustme"] == 3
    card = (own / "README.md").read_text("utf-8")
    assert "not checked, so not redistributed by Khabar" in card


def test_the_same_fars_article_in_two_exports_is_published_once(tmp_path):
    """A real Fars article of the NLP-PersianNews export, exported again in the course export's
    shape under Fars's other URL form (farsnews.ir, with a slug): one article, the second rejected."""
    line = (REPO / "corpus/raw/farsnews-arefee/farsnewsdata.jsonl").read_text("utf-8").splitlines()[1]
    item = json.loads(line)
    again = {"title": item["title"], "abstract": item["subtitle"], "paragraphs": [item["body"]], "cat": "", "subcat": "",
             "tags": [], "link": f"https://www.farsnews.ir/news/{item['newsCode']}/slug"}
    root = make_root(tmp_path, {})
    (root / "in").mkdir()
    (root / "in/a.jsonl").write_text(line + "\n", "utf-8")
    (root / "in/b.json").write_text(json.dumps([again], ensure_ascii=False), "utf-8")
    (root / "configs/mappings").mkdir(parents=True)
    for name in ("farsnews-arefee.toml", "farsnews.toml"):
        shutil.copy(REPO / "configs/mappings" / name, root / "configs/mappings/")
    (root / "b.toml").write_text('[[inputs]]\npath = "in/a.jsonl"\nmapping = "configs/mappings/farsnews-arefee.toml"\n'
                                 '[[inputs]]\npath = "in/b.json"\nmapping = "configs/mappings/farsnews.toml"\n', "utf-8")
    result = build(BuildConfig(root=root, build_date=BUILD_DATE, progress=False, workers=1,
                               config=load_config(root / "b.toml", root)))
    assert result.report.published["farsnews"] == 1
    assert [(r.origin, r.code) for r in result.report.rejections] == [("in/b.json#1", "record.duplicate-id")]
    assert "in/a.jsonl#1" in result.report.rejections[0].message


def test_exact_copies_within_one_export_are_one_article():
    """farsnewsdata.jsonl holds most articles twice (two MongoDB documents, one newsCode)."""
    rejects = [json.loads(x) for x in (REPO / "corpus/reports/rejects.jsonl").read_text("utf-8").splitlines()]
    dup = [r for r in rejects if r["origin"].startswith("corpus/raw/farsnews-arefee/") and r["code"] == "record.duplicate-id"]
    lines = [json.loads(x) for f in ("farsnewsdata", "testtask3")
             for x in (REPO / f"corpus/raw/farsnews-arefee/{f}.jsonl").read_text("utf-8").splitlines()]
    assert len(dup) == len(lines) - len({x["newsCode"] for x in lines}) == 45


# --- the new shapes, on the real files -------------------------------------------------------------

def test_excel_sheet_with_markdown_bodies_and_ids_in_urls():
    got = records("farsnews-searchengine.toml", "corpus/raw/farsnews-searchengine/IR1_7k_news.xlsx")
    assert len(got) == 98 and all(not isinstance(a, str) for _, a in got)
    line, a = got[1]
    assert line == 3 and a.article_id == "14000803000896" and a.date.published == "2021-10-25"
    assert not any("**" in p for p in a.paragraphs)                  # bold marks are Markdown, not text
    linked = [p for _, art in got if not isinstance(art, str) for p in art.paragraphs if "search.farsnews.ir" in p or "](" in p]
    assert not linked, linked[:2]       # a link whose address holds a space renders as its text (issue 23)
    assert a.paragraphs[1] == "آلومینیوم اراک - فولاد خوزستان؛ دو تیم به دنبال اولین برد"
    assert "\n" not in a.paragraphs[0] and a.paragraphs[0].endswith("نگاهی به این دو بازی می\u200cاندازیم:")


def test_one_article_a_line_with_the_category_from_the_file_name():
    got = records("tasnim-clustering.toml", "corpus/raw/tasnim-clustering/sports.txt")
    assert len(got) == 278
    line, a = got[0]
    assert a.categories == ["sports"] and a.title == " استام سرمربی یک تیم آمریکایی شد"   # as received
    assert a.lead == "ستاره سابق تیم فوتبال میلان در آمریکا مشغول به کار شد."
    assert a.paragraphs[0].startswith("به گزارش خبرگزاری تسنیم، یاپ استام")
    assert a.url is None and a.date is None


def test_one_article_a_file_with_the_outlet_id_in_the_file_name(rows):
    got = records("mehr-selenium.toml", "corpus/raw/mehr-selenium/5731896.txt")
    [(_, a)] = got
    assert a.article_id == "5731896" and a.title == "اصلاحات آیین‌نامه لایحه مولدسازی دارایی‌های دولت تصویب شد"
    assert len(a.paragraphs) > 2
    mehr = [r for r in rows if r["article_id"] == "5731896"]
    assert [r["url"] for r in mehr] == ["https://www.mehrnews.com/news/5731896"]   # built from the registry's pattern


def test_html_bodies_character_references_and_jalali_dates_with_time_first_or_last():
    got = records("farsnews-arefee.toml", "corpus/raw/farsnews-arefee/farsnewsdata.jsonl")
    articles = [a for _, a in got]
    assert all(not isinstance(a, str) for a in articles)
    first = articles[0]
    assert first.date.raw == "۱۳۹۷/۹/۱۰ - ۰۰:۰۱" and first.date.published == "2018-12-01"
    assert first.date.published_at == "2018-11-30T20:31:00Z"         # 00:01 in Tehran (+03:30)
    late = [a for a in articles if a.date and a.date.raw.startswith("۲۳:۵۴")]
    assert late and late[0].date.published == "2018-11-30"
    assert all("<" not in p and "&nbsp;" not in p for a in articles for p in a.paragraphs)
    assert any(len(a.paragraphs) > 3 for a in articles)               # paragraphs kept from the HTML
    assert first.categories == [] or all(c.strip() == c for c in first.categories)
    sectioned = [a for a in articles if a.categories]
    assert sectioned and sectioned[0].categories[0] in {"فرهنگ و هنر", "سیاسی", "اقتصادی", "ورزشی", "اجتماعی",
                                                         "بین الملل", "استانها", "دانشگاه"}


def test_csv_with_persian_month_names_and_machine_titles_never_read(rows):
    got = records("tasnim-headlines.toml", "corpus/raw/tasnim-headlines/news_tasnim_20_LLM_Tagged.csv")
    assert len(got) == 20
    line, a = got[0]
    assert a.date.raw == "۱۴ شهریور ۱۴۰۴ - ۱۲:۵۶" and a.date.published == "2025-09-05"
    assert a.article_id == "3392524" and a.url.startswith("https://www.tasnimnews.com/fa/news/1404/06/14/3392524/")
    assert all("[n]" not in p for p in a.paragraphs) and len(a.paragraphs) > 3
    import csv
    raw = list(csv.DictReader((REPO / "corpus/raw/tasnim-headlines/news_tasnim_20_LLM_Tagged.csv").open(encoding="utf-8")))
    machine = {row[c].strip() for row in raw for c in ("GPT5 title", "Gemini 2.5 title")}
    published_titles = {r["title_raw"] for r in rows if r["source"] == "tasnimnews"}
    assert machine and not machine & published_titles
    assert {r["title_raw"] for r in rows if r["origin"].startswith("corpus/raw/tasnim-headlines/")} == \
        {row["title"] for row in raw}


def test_workbook_rows_told_by_domain_with_html_and_english_ordinal_dates():
    m = load_mapping(REPO / "configs/mappings/khabaryaab-labeled.toml")
    assert m.format == "xlsx"       # corpus/inputs.toml reads the excerpt with format = "jsonl"
    import dataclasses
    m = dataclasses.replace(m, format="jsonl")
    raw = (REPO / "corpus/raw/khabaryaab/labeled_dataset.ccby.jsonl").read_bytes()
    articles = [m.apply(item, origin="x", registry=sources(), limits=DateLimits(latest=BUILD_DATE))
                for _, _, item in m.read(raw, "labeled_dataset.ccby.jsonl")]
    assert collections.Counter(a.source for a in articles) == {"mehrnews": 71, "tasnimnews": 41, "mojnews": 9}
    first = articles[0]
    assert first.date.raw == "October 20th 2019, 14:23:00.000" and first.date.published == "2019-10-20"
    assert first.date.published_at == "2019-10-20T10:53:00Z"
    assert first.categories == ["culture-art"] and first.url is None
    assert all("<" not in p for a in articles for p in a.paragraphs)


def test_the_excerpt_holds_only_rows_of_open_outlets():
    from khabar.sources.mapping import host_of

    hosts = {host_of(s.homepage) for s in sources().values() if s.open}
    for name in ("news", "labeled_dataset"):
        lines = (REPO / f"corpus/raw/khabaryaab/{name}.ccby.jsonl").read_text("utf-8").splitlines()
        assert lines and all(host_of(json.loads(x)["url"]) in hosts for x in lines)
    assert len(lines) == 121


@needs_ccby
def test_the_excerpt_script_reproduces_the_committed_excerpts_byte_for_byte():
    done = subprocess.run([sys.executable, str(REPO / "scripts/excerpt_khabaryaab.py"), "--check"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("reproduced") == 2


@needs_ccby
def test_the_original_workbook_reads_as_its_excerpt_and_other_outlets_are_never_published():
    m = load_mapping(REPO / "configs/mappings/khabaryaab-news.toml")
    raw = (CCBY / "khabaryaab/news.xlsx").read_bytes()
    items = [item for _, _, item in m.read(raw, "news.xlsx")]
    assert len(items) == 1729
    excerpt = [json.loads(x) for x in (REPO / "corpus/raw/khabaryaab/news.ccby.jsonl").read_text("utf-8").splitlines()]
    kept, unknown = [], 0
    for item in items:
        try:
            m.apply(item, origin="x", registry=sources(), limits=DateLimits(latest=BUILD_DATE))
            kept.append(item)
        except Exception as exc:  # noqa: BLE001
            assert getattr(exc, "code", None) in {"record.unknown-source", "input.unknown-source", "text.control-chars"}
            unknown += getattr(exc, "code", None) != "text.control-chars"
    assert unknown == 1729 - 400
    assert [x for x in items if x in excerpt] == excerpt


# --- the card's baselines come from the shipped corpus, by one command ----------------------------

def test_baselines_beat_the_majority_and_reproduce_the_card(tmp_path):
    pytest.importorskip("sklearn")
    pytest.importorskip("rouge_score")
    env = {**os.environ, "HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1",
           "HF_DATASETS_CACHE": str(tmp_path / "cache"), "HF_HOME": str(tmp_path / "home")}
    card = tmp_path / "card.md"
    card.write_text("<!-- khabar:baselines -->\n<!-- /khabar:baselines -->\n", "utf-8")
    done = subprocess.run([sys.executable, str(REPO / "scripts" / "baselines.py"), "--update-card", str(card)],
                          capture_output=True, text=True, env=env, timeout=900)
    assert done.returncode == 0, done.stderr[-2000:]
    results = json.loads(done.stdout.strip().splitlines()[-1])
    c = results["classification"]
    assert c["tfidf_logreg"]["accuracy"] > c["majority"]["accuracy"] + 0.2
    assert c["tfidf_logreg"]["macro_f1"] > c["majority"]["macro_f1"] + 0.3
    assert 0 < results["summarization"]["lead1"]["rouge1"] < 1
    table = card.read_text("utf-8").split("<!-- khabar:baselines -->\n")[1].split("<!-- /khabar:baselines -->")[0]
    assert table.startswith("Print them with `.venv/bin/python scripts/baselines.py` (it writes nothing")
    assert "`.venv/bin/python scripts/baselines.py --update-card README.md` rewrites this section" in table
    t = c["tfidf_logreg"]
    assert t["accuracy_95"][0] <= t["accuracy"] <= t["accuracy_95"][1]
    assert t["macro_f1_95"][0] <= t["macro_f1"] <= t["macro_f1_95"][1]
    assert sum(v["support"] for v in c["per_class"].values()) == c["test_articles"]
    assert {v["scored"] for v in c["per_class"].values() if v["support"] < 10} <= {False}
    assert {x["test_outlet"] for x in c["cross_outlet"]} >= {"farsnews", "tasnimnews"}
    assert "| class | test articles | F1 |" in table and "**Across outlets**" in table
    assert table.strip() in (REPO / "README.md").read_text("utf-8")
