"""Issue 23: ``text`` says what the article said, minus the outlet's furniture.

Measured on the shipped corpus by the audit scripts, which use patterns of their own
(scripts/audit_text.py, audit_word_diff.py, audit_near_copies.py), and held on real rows.
"""

from __future__ import annotations

import sys

import pyarrow.parquet as pq
import pytest

from conftest import REPO
from khabar import dedup
from khabar.assemble import assemble
from khabar.errors import KhabarError
from khabar.record import RawArticle
from khabar.registry import sources, taxonomy

sys.path.insert(0, str(REPO / "scripts"))
import audit_near_copies  # noqa: E402
import audit_text  # noqa: E402
import audit_word_diff  # noqa: E402


def shipped() -> dict[str, dict]:
    rows = {}
    for path in sorted((REPO / "corpus" / "data").glob("*.parquet")):
        for r in pq.read_table(path).to_pylist():
            rows[r["id"]] = r
    return rows


def test_the_shipped_text_meets_the_faithful_text_targets():
    c = audit_text.audit(REPO)
    assert c["rows"] > 2900
    for key in ("cited_source_missing", "agency_punct", "this_agency_punct", "own_opening", "markdown",
                "dateline_lost", "bidi", "zwj", "zwnj_beside", "arabic_indic_digits", "lost_unflagged",
                "no_text_no_lead"):
        assert c[key] == 0, (key, c)
    assert c["mehr_lead_dateline"] <= 0.01 * c["mehr_leads"]
    assert c["lost_flagged"] >= 10                     # the rows the audit found, flagged


def test_real_rows_keep_what_they_cite_and_flag_what_they_lost():
    rows = shipped()
    cnn = rows["mehrnews-dd4e66a0651c14ef"]
    assert cnn["text"].startswith("به نقل از سی\u200cان\u200cان، پلیس مریلند") and cnn["reported_by"] == "به گزارش خبرگزاری مهر"
    russia = rows["farsnews-07f83ae2768541a5"]
    assert "به نقل از بانک مرکزی روسیه در سه ماهه دوم سال 2005، 5/5 میلیارد" in russia["text"]
    assert russia["reported_by"] == "به گزارش خبرگزاری فارس"
    for key in ("mehrnews-7f6b9167957a8fda", "tasnimnews-47a119e06c1309f9"):
        assert rows[key]["characters_lost"] is True
    assert sum(r["characters_lost"] for r in rows.values()) < 30      # a flag, not a verdict on every row
    assert "کد خبر" not in rows["mehrnews-f24d88d56a96108f"]["text"]
    assert not rows["mehrnews-f24d88d56a96108f"]["text"].endswith("طیبه بیات")
    assert "farsnews-134a38053a903937" not in rows                       # credits only: no article


def test_a_word_level_diff_of_40_random_rows_shows_only_furniture_letters_and_zwnjs():
    result = audit_word_diff.audit(REPO, rows=40, seed=23)
    assert result["unexplained"] == [], result["unexplained"][:5]
    assert result["changes"].get("furniture", 0) > 20 and result["changes"].get("zwnj", 0) > 20


def test_brute_force_finds_no_near_copy_across_splits():
    n, pairs = audit_near_copies.pairs(REPO, jaccard=0.8, containment=0.8)
    assert n > 2900
    assert pairs == []


def test_the_audit_finds_a_near_copy_planted_across_splits(tmp_path):
    """The brute force is not blind: a copy of a train row with one sentence changed, put in test."""
    import shutil

    import pyarrow as pa

    (tmp_path / "corpus" / "data").mkdir(parents=True)
    for path in (REPO / "corpus" / "data").glob("*.parquet"):
        shutil.copy(path, tmp_path / "corpus" / "data" / path.name)
    train = pq.read_table(tmp_path / "corpus/data/train-00000-of-00001.parquet")
    row = next(r for r in train.slice(0, 50).to_pylist() if r["text"] and len(r["text"]) > 800)
    row = {**row, "id": row["id"][:-4] + "beef", "text": row["text"] + " یک جمله تازه."}
    test_path = tmp_path / "corpus/data/test-00000-of-00001.parquet"
    test = pq.read_table(test_path)
    pq.write_table(pa.concat_tables([test, pa.Table.from_pylist([row], schema=test.schema)]), test_path)
    _, pairs = audit_near_copies.pairs(tmp_path)
    assert [p["b"] for p in pairs if row["id"] in (p["a"], p["b"])]


def _raw(title, lead, paragraphs, source="farsnews"):
    raw = RawArticle(source=source, origin="t.jsonl#1", raw_sha256="0" * 64, url=None, title=title,
                     lead=lead, paragraphs=paragraphs, date=None)
    return assemble(raw, sources()[source], taxonomy())


@pytest.mark.parametrize("lead, paragraphs", [
    (None, ["."]),                                             # a photo item: a headline and a full stop
    ("فواد بابان به سوالات خبرنگار پاسخ داد.", ["گفت\u200cو\u200cگو: محمد نگینی\nتهیه شده در اداره کل صوت و تصویر خبرگزاری فارس"]),
    ("در این قسمت از پادکست مهر می‌شنوید.", ["دریافت 14 MB"]),
])
def test_a_row_with_no_article_is_a_coded_reject(lead, paragraphs):
    with pytest.raises(KhabarError) as err:
        _raw("عنوان خبر", lead, paragraphs)
    assert err.value.code == "layout.no-article"


def test_a_lead_only_row_is_still_an_article():
    a = _raw("عنوان خبر", "قیمت نفت با افزایش کم سابقه به بالاترین میزان خود رسید.", [])
    assert a.text is None and a.lead


def test_near_copies_are_confirmed_on_exact_shingles():
    story = ("وزیر نیرو امروز در نشست خبری گفت که ذخایر سدهای کشور نسبت به سال گذشته کاهش یافته است و "
             "مردم باید در مصرف آب صرفه‌جویی کنند تا تابستان بدون قطعی سپری شود و برنامه‌های جیره‌بندی لازم نشود ") * 3
    grown = story + ("کارشناسان نیز می‌گویند بارش‌های پاییزی کمتر از میانگین بلندمدت بوده و سطح آب‌های زیرزمینی "
                     "در بیشتر دشت‌ها پایین رفته است و باید برای سال آینده چاره‌ای اندیشید ") * 2
    other = ("تیم ملی فوتبال ایران در دیداری دوستانه برابر حریف آسیایی خود به پیروزی رسید و سرمربی از عملکرد "
             "بازیکنان جوان راضی بود و گفت که آماده رقابت‌های مقدماتی جام جهانی می‌شویم ") * 3
    index = dedup.Deduplicator()
    for key, text in (("a", story), ("b", grown), ("c", other)):
        index.add({"id": f"farsnews-{key * 16}", "title": None, "lead": None, "text": text, "published": None})
    jaccard, contained = index.overlap(0, 1)
    assert jaccard < dedup.THRESHOLD <= dedup.CONTAINMENT <= contained       # a story that grew: contained
    assert index.groups() == [[0, 1]]                                        # clustered; the unrelated one not


def test_the_word_diff_is_not_blind_to_a_cited_source_cut():
    """The audit flags what the old rule did: the formula cut with the source it cited."""
    raw = "به گزارش خبرگزاری مهر به نقل از سی‌ان‌ان، پلیس مریلند امروز اعلام کرد."
    row = {"reported_by": "به گزارش خبرگزاری مهر به نقل از سی‌ان‌ان", "dateline_raw": None, "dateline": None,
           "text": "پلیس مریلند امروز اعلام کرد."}
    kinds = [k for k, _, _ in audit_word_diff.explain(audit_word_diff.fold(raw), audit_word_diff.fold(row["text"]), row)]
    assert kinds == ["unexplained"]
    row = {**row, "reported_by": "به گزارش خبرگزاری مهر", "text": "به نقل از سی‌ان‌ان، پلیس مریلند امروز اعلام کرد."}
    kinds = [k for k, _, _ in audit_word_diff.explain(audit_word_diff.fold(raw), audit_word_diff.fold(row["text"]), row)]
    assert kinds == ["furniture"]
