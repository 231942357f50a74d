"""Web captures in: WARC files of the open outlets' pages build with no mapping, and every record
of a noisy capture is accounted for (published + rejected + skipped = records)."""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
import json
import re

import pyarrow.parquet as pq
import pytest

from conftest import BUILD_DATE, make_root
from web_fixtures import PAGES, Warc, generic_page, stories

from khabar.pipeline import BuildConfig, build
from khabar.config import load_config
from khabar.features import from_arrow_row

CONFIG = '[build]\ncorpus = false\n[[inputs]]\npath = "captures"\nformat = "warc"\n'


def _project(tmp_path, files: dict[str, bytes], config: str = CONFIG):
    root = make_root(tmp_path, {})
    (root / "captures").mkdir()
    for name, data in files.items():
        (root / "captures" / name).write_bytes(data)
    (root / "b.toml").write_text(config, "utf-8")
    return root


def _build(root, **kw):
    return build(BuildConfig(root=root, build_date=BUILD_DATE, progress=False, workers=kw.pop("workers", 1),
                             config=load_config(root / "b.toml", root), **kw))


def folded(paragraphs: list[str]) -> list[str]:
    """Paragraphs as a page shows them: HTML folds runs of white space (U+200C is no white space)."""
    return [re.sub(r"[ \t\n\r\f]+", " ", p).strip() for p in paragraphs]


def _all_rows(root):
    return [from_arrow_row(r) for p in sorted((root / "corpus" / "data").glob("*.parquet"))
            for r in pq.read_table(p).to_pylist()]


def _rows(root):
    return {r["source"]: r for r in _all_rows(root)}


def _outlet_warc() -> tuple[bytes, dict]:
    warc, expected = Warc(), {}
    for key, page in PAGES.items():
        story = stories(key)[0]
        url, markup = page(story)
        warc.response(url, markup)
        expected[key] = (story, markup)
    return warc.bytes(), expected


WANT = {  # what each outlet's test page declares: class, published_at, article id, topics
    "tasnimnews": ("economy", "2025-09-05T06:42:00Z", "3392524", ["بودجه", "مجلس شورای اسلامی"], "2025-09-05"),
    "farsnews": ("politics", "2025-09-05T05:00:00Z", "14040614000123", ["دولت", "مجلس"], None),
    "mehrnews": ("sports", "2025-09-04T18:15:00Z", "6612001", ["فوتبال", "لیگ برتر"], None),
    "mojnews": ("society", "2025-09-03T10:35:00Z", "501234", ["جامعه"], None),
}


def test_each_open_outlets_page_imports_with_no_mapping(tmp_path):
    data, expected = _outlet_warc()
    root = _project(tmp_path, {"outlets.warc.gz": data})
    result = _build(root)
    assert not result.report.rejections, result.report.rejections
    rows = _rows(root)
    assert sorted(rows) == sorted(PAGES)
    for key, (story, markup) in expected.items():
        row = rows[key]
        category, at, article_id, topics, updated = WANT[key]
        assert row["title_raw"] == story.title and row["lead_raw"] == story.lead
        assert row["text_raw"].split("\n\n") == folded(story.paragraphs)             # paragraph breaks kept
        assert row["category"] == category and row["published_at"] == at and row["published_offset"] == "+03:30"
        assert row["article_id"] == article_id and row["topics"] == topics and row["updated"] == updated
        assert row["url"].startswith("https://www.") and f"/{article_id}/slug" in row["url"]
        assert row["origin"].startswith("captures/outlets.warc.gz#offset=")
        body = markup.split("<body>", 1)[1]
        assert row["text_raw"].count("\u200c") == sum(p.count("\u200c") for p in story.paragraphs) > 0
        assert "\u200c" in body and row["license"] == "CC-BY-4.0"
    payload = expected["tasnimnews"][1].encode("utf-8")
    assert rows["tasnimnews"]["raw_sha256"] == hashlib.sha256(payload).hexdigest()      # the payload's digest
    summary = json.loads((root / "corpus" / "reports" / "build.json").read_text("utf-8"))
    assert summary["web_captures"]["pages"] == {k: {"rules": 1, "generic": 0} for k in sorted(PAGES)}


def test_a_page_full_of_zwnjs_keeps_every_one(tmp_path):
    """The ZWNJ-richest Fars story of the shipped corpus, as a page: every U+200C of the page's
    body is in text_raw, and the normalized text removes none that stands between letters."""
    candidates = stories("farsnews", 40)
    story = max(candidates, key=lambda s: sum(p.count("\u200c") for p in s.paragraphs))
    url, markup = PAGES["farsnews"](story)
    warc = Warc()
    warc.response(url, markup)
    root = _project(tmp_path, {"z.warc.gz": warc.bytes()})
    _build(root)
    row = _rows(root)["farsnews"]
    body = markup.split('<div class="nt-body">', 1)[1].split('<div class="related-news">', 1)[0]
    assert body.count("\u200c") >= 20
    assert row["text_raw"].count("\u200c") == body.count("\u200c")
    assert row["text"].count("\u200c") >= row["text_raw"].count("\u200c") - row["normalization"]["zwnj_removed"]


def _noisy() -> tuple[Warc, int]:
    """The four outlets' pages and every kind of record that is not an article."""
    warc = Warc()
    warc.record("urn:khabar:warcinfo", "warcinfo", b"software: test\r\n", "application/warc-fields")
    story = stories("tasnimnews", 3)
    for key, page in PAGES.items():
        url, markup = page(stories(key)[0])
        warc.request(url)
        warc.response(url, markup)
        warc.record(url, "metadata", b'{"fetch": 1}')
    url, markup = PAGES["tasnimnews"](story[1], article_id="3392999")
    warc.record(url, "revisit", b"", "application/http; msgtype=response",
                headers={"WARC-Profile": "http://netpreserve.org/warc/1.0/revisit/identical-payload-digest"})
    warc.response("https://www.tasnimnews.com/fa/news/1404/06/14/3300001/gone", "<html>نیست</html>", status="404 Not Found")
    warc.response("https://www.mehrnews.com/news/6612555/report", b"%PDF-1.7 ...", content_type="application/pdf")
    warc.response("https://www.bbc.com/persian/articles/c123", PAGES["farsnews"](story[2])[1])   # a host no entry claims
    warc.response("https://www.tasnimnews.com/fa/service/7", "<html><body>صفحه سرویس</body></html>")   # a section front
    # a page in Windows-1256 whose HTTP header says UTF-8 (its <meta> says the truth): read right
    s1256 = stories("mehrnews", 1, skip=1)[0]
    url1256, page1256 = PAGES["mehrnews"](s1256, article_id="6612777")
    page1256 = page1256.replace('<meta charset="UTF-8">', '<meta charset="windows-1256">').translate(LEGACY)
    warc.response(url1256, page1256.encode("cp1256", "replace"), content_type="text/html; charset=utf-8")
    # a page whose UTF-8 was decoded as Windows-1256 and encoded again: mojibake, rejected
    url_m, page_m = PAGES["mojnews"](stories("mojnews", 1, skip=1)[0], article_id="509999")
    warc.response(url_m, page_m.encode("utf-8").decode("cp1256", "replace").encode("utf-8"))
    # a gzip member cut short, then one more good page after it
    cut = Warc()
    cut.response(*PAGES["farsnews"](stories("farsnews", 1, skip=3)[0], article_id="14040614000999"))
    warc.raw(cut.bytes()[:300])
    warc.response(*PAGES["farsnews"](stories("farsnews", 1, skip=4)[0], article_id="14040614000777"))
    return warc, len(warc.offsets), s1256.title.translate(LEGACY)


# Windows-1256 has no Persian yeh, keheh or digits: legacy pages wrote Arabic yeh and kaf, ASCII digits
LEGACY = str.maketrans("یک۰۱۲۳۴۵۶۷۸۹", "يك0123456789")


def test_every_record_of_a_noisy_capture_is_accounted_for(tmp_path):
    warc, records, legacy_title = _noisy()
    root = _project(tmp_path, {"noisy.warc.gz": warc.bytes()})
    result = _build(root)
    report = result.report
    published = sum(report.published.values())
    assert published + len(report.rejections) + sum(report.skipped.values()) == records
    assert report.balanced()
    codes = sorted(r.code for r in report.rejections)
    assert codes == ["encoding.mojibake", "warc.http-status", "warc.not-html", "warc.unreadable"]
    assert dict(report.skipped) == {"record:warcinfo": 1, "record:request": 4, "record:metadata": 4,
                                    "record:revisit": 1, "host:www.bbc.com": 1, "not-article:tasnimnews": 1}
    unreadable = next(r for r in report.rejections if r.code == "warc.unreadable")
    assert f"offset {warc.offsets[-2]}" in unreadable.message and f"offset {warc.offsets[-1]}" in unreadable.message
    rows = _all_rows(root)
    ids = {r["article_id"] for r in rows}
    assert {"3392524", "14040614000123", "6612001", "501234", "14040614000777", "6612777"} <= ids
    page1256 = next(r for r in rows if r["article_id"] == "6612777")
    assert page1256["title_raw"] == legacy_title                     # decoded by its <meta charset>, exactly
    assert page1256["title"] == next(r for r in rows if r["article_id"] == "6612777")["title"]
    assert "ي" not in page1256["title"] and "ك" not in page1256["title"]     # and normalized to Persian letters
    rejects = [json.loads(line) for line in (root / "corpus/reports/rejects.jsonl").read_text("utf-8").splitlines()]
    assert all("#offset=" in r["origin"] and r["hint"] for r in rejects)
    summary = json.loads((root / "corpus/reports/build.json").read_text("utf-8"))
    assert summary["web_captures"]["skipped"] == 12 and summary["web_captures"]["skipped_hosts"] == {"www.bbc.com": 1}


def test_an_uncompressed_warc_cut_short_is_a_truncated_record(tmp_path):
    warc = Warc(gzip=False)
    for key in ("tasnimnews", "mehrnews"):
        warc.response(*PAGES[key](stories(key)[0]))
    data = warc.bytes()[:-400]
    root = _project(tmp_path, {"cut.warc": data})
    result = _build(root)
    assert result.report.published["tasnimnews"] == 1
    assert [r.code for r in result.report.rejections] == ["warc.truncated"]
    assert f"#offset={warc.offsets[1]}" in result.report.rejections[0].origin


def test_a_page_of_a_host_no_rule_knows_is_read_by_the_generic_reader(tmp_path):
    """Hamshahri is registered (its hosts) but has no page rules: JSON-LD and <article><p> suffice.
    A Tasnim page in a layout its rules do not know falls back to the generic reader too."""
    story = stories("farsnews", 1, skip=5)[0]
    url, markup = generic_page(story)
    warc = Warc()
    warc.response(url.replace("news.example.ir", "www.hamshahrionline.ir"), markup)
    old = stories("tasnimnews", 1, skip=1)[0]
    _, tasnim = PAGES["tasnimnews"](old, article_id="100200")
    tasnim = tasnim.replace('class="story"', 'class="body-2013"').replace("single-news", "news-2013")
    warc.response("https://www.tasnimnews.com/fa/news/1392/01/01/100200/old", tasnim)
    root = _project(tmp_path, {"g.warc.gz": warc.bytes()})
    result = _build(root)
    assert not result.report.rejections
    rows = _rows(root)
    assert rows["hamshahri"]["title_raw"] == story.title
    assert rows["hamshahri"]["text_raw"].split("\n\n") == folded(story.paragraphs)
    assert rows["hamshahri"]["category"] == "culture" and rows["hamshahri"]["published"] == "2025-09-02"
    assert rows["tasnimnews"]["text_raw"].split("\n\n") == folded(old.paragraphs)
    summary = json.loads((root / "corpus/reports/build.json").read_text("utf-8"))
    assert summary["web_captures"]["pages"] == {"hamshahri": {"rules": 0, "generic": 1},
                                                "tasnimnews": {"rules": 0, "generic": 1}}


def test_outlets_select_the_pages_read_and_the_rights_gate_holds(tmp_path):
    """``outlets = [...]`` keeps only those outlets' pages (the rest counted as not selected); in the
    repository's own build a research-only outlet's page is refused by the rights gate."""
    data, _ = _outlet_warc()
    config = CONFIG + 'outlets = ["tasnimnews", "mehrnews"]\n'
    root = _project(tmp_path, {"o.warc.gz": data}, config)
    result = _build(root)
    assert dict(result.report.published) == {"tasnimnews": 1, "mehrnews": 1}
    assert dict(result.report.skipped) == {"not-selected:farsnews": 1, "not-selected:mojnews": 1}
    story = stories("farsnews", 1, skip=5)[0]
    warc = Warc()
    warc.response("https://www.hamshahrionline.ir/news/1", generic_page(story)[1])
    repo = _project(tmp_path / "repo", {"h.warc.gz": warc.bytes(), "o.warc.gz": data})
    (repo / "corpus").mkdir()
    (repo / "corpus/inputs.toml").write_text('[[inputs]]\npath = "captures"\nformat = "warc"\n', "utf-8")
    (repo / "b.toml").write_text("[build]\ncorpus = true\n", "utf-8")
    result = _build(repo)
    assert [(r.source, r.code) for r in result.report.rejections] == [("hamshahri", "rights.not-redistributable")]
    assert sum(result.report.published.values()) == 4


@pytest.mark.skipif(importlib.util.find_spec("datatrove") is None, reason="datatrove is not installed")
def test_the_datatrove_engine_gives_the_same_files_from_warc(tmp_path):
    from khabar.engines.datatrove import build_with_datatrove

    warc, _, _ = _noisy()
    data, _ = _outlet_warc()
    files = {"a-noisy.warc.gz": warc.bytes(), "b-outlets.warc.gz": gzip.decompress(data)}   # .gz and plain
    roots = {name: _project(tmp_path / name, {k.replace("b-outlets.warc.gz", "b-outlets.warc"): v
                                              for k, v in files.items()}) for name in ("default", "datatrove")}
    _build(roots["default"], workers=2)
    cfg = BuildConfig(root=roots["datatrove"], build_date=BUILD_DATE, progress=False,
                      config=load_config(roots["datatrove"] / "b.toml", roots["datatrove"]))
    build_with_datatrove(cfg, tmp_path / "work", tasks=2, workers=2)

    def files_of(root):
        return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted((root / "corpus").rglob("*")) if p.is_file()}
    assert files_of(roots["datatrove"]) == files_of(roots["default"])
    assert (roots["datatrove"] / "README.md").read_bytes() == (roots["default"] / "README.md").read_bytes()
