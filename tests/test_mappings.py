"""A new export shape is imported by writing a mapping file only; bad mappings name the key at fault."""

from __future__ import annotations

import json
import textwrap

import pytest

from conftest import BUILD_DATE, make_root
from khabar.config import ConfigError, load_config
from khabar.pipeline import BuildConfig, build
from khabar.sources.mapping import MappingError, load_mapping

# An export shape of our own invention: JSON Lines, Persian keys' values, a Jalali date with
# Persian digits and a literal word in it, a section path with '/', keywords as a Python list's text.
INVENTED = [
    {"headline": "تصویب طرح حمایت از کتاب‌فروشی‌ها در شورای شهر",
     "teaser": "اعضای شورا با طرح حمایت از کتاب‌فروشی‌های محلی موافقت کردند.",
     "content": "شورای شهر در جلسه امروز طرحی را تصویب کرد که به کتاب‌فروشی‌ها کمک می‌کند.\n\nاین طرح از ماه آینده اجرا می‌شود.",
     "permalink": "https://www.farsnews.ir/news/1001", "section": "فرهنگ/کتاب",
     "keywords": "['کتاب', 'شورای شهر']", "tarikh": "۱۴۰۳/۰۵/۱۲ ساعت ۱۴:۲۰"},
    {"headline": "برد تیم فوتبال جوانان", "teaser": None,
     "content": ["تیم فوتبال جوانان در دیدار دیروز با دو گل پیروز شد.", "  "],
     "permalink": "https://www.farsnews.ir/news/1002", "section": "ورزش/فوتبال",
     "keywords": [], "tarikh": "1398/04/10 ساعت 09:05"},
    {"headline": "خبر بی‌تاریخ", "teaser": "این خبر تاریخ ندارد.", "content": "", "permalink": None,
     "section": "", "keywords": "[]", "tarikh": ""},
]

MAPPING = """
description = "An export shape the project has never seen"
source = "farsnews"
format = "jsonl"
category_separator = "/"

[fields]
title = "headline"
lead = "teaser"
body = "content"
url = "permalink"
categories = "section"
topics = "keywords"

[date]
field = "tarikh"
calendar = "jalali"
formats = ["%Y/%m/%d ساعت %H:%M"]
"""

CONFIG = """
[build]
corpus = false

[[inputs]]
path = "exports/invented.jsonl"
mapping = "configs/invented.toml"
"""


def _project(tmp_path, lines, mapping=MAPPING, config=CONFIG):
    root = make_root(tmp_path, {})
    (root / "exports").mkdir()
    (root / "exports" / "invented.jsonl").write_text(lines, "utf-8")
    (root / "configs").mkdir()
    (root / "configs" / "invented.toml").write_text(mapping, "utf-8")
    (root / "configs" / "build.toml").write_text(config, "utf-8")
    return root


def _rows(root):
    import pyarrow.parquet as pq
    from khabar.features import from_arrow_row
    rows = []
    for path in sorted((root / "corpus" / "data").glob("*.parquet")):
        rows += [from_arrow_row(r) for r in pq.read_table(path).to_pylist()]
    return sorted(rows, key=lambda r: r["url"] or "")


def test_invented_export_is_imported_by_a_mapping_file_only(tmp_path):
    lines = "\n".join(json.dumps(r, ensure_ascii=False) for r in INVENTED) + "\n{broken json\n[1, 2]\n"
    root = _project(tmp_path, lines)
    config = load_config(root / "configs" / "build.toml", root)
    result = build(BuildConfig(root=root, build_date=BUILD_DATE, config=config, progress=False))
    assert result.report.balanced()
    assert sum(result.report.read.values()) == 5 and sum(result.report.published.values()) == 3
    codes = sorted(r.code for r in result.report.rejections)
    assert codes == ["layout.bad-record", "layout.bad-record"]
    lines_of = sorted(r.line for r in result.report.rejections)
    assert lines_of == [4, 5]                                  # file lines of the two bad records

    rows = _rows(root)
    undated, first, second = rows                              # url None sorts first
    assert first["title"] == INVENTED[0]["headline"]
    assert first["paragraphs"] == ["شورای شهر در جلسه امروز طرحی را تصویب کرد که به کتاب‌فروشی‌ها کمک می‌کند.",
                                   "این طرح از ماه آینده اجرا می‌شود."]
    assert first["categories"] == ["فرهنگ", "کتاب"] and first["category"] == "culture"
    assert first["topics"] == ["کتاب", "شورای شهر"]            # from the text of a Python list
    assert first["published"] == "2024-08-02"                   # 1403/05/12
    assert first["published_at"] == "2024-08-02T10:50:00Z" and first["published_offset"] == "+03:30"
    assert first["date_raw"] == "۱۴۰۳/۰۵/۱۲ ساعت ۱۴:۲۰" and first["date_origin"] == "field tarikh"
    assert first["origin"] == "exports/invented.jsonl#1"
    assert second["published_offset"] == "+04:30"               # summer 1398 (2019): Iran's old DST
    assert second["lead"] is None and second["paragraphs"] == ["تیم فوتبال جوانان در دیدار دیروز با دو گل پیروز شد."]
    assert second["category"] == "sports"
    assert undated["published"] is None and undated["date_origin"] is None
    assert undated["text"] is None and undated["paragraphs"] == [] and undated["lead"] == "این خبر تاریخ ندارد."


@pytest.mark.parametrize("change,key", [
    ('format = "jsonl"', None),
    ('format = "xml"', "$.format"),
    ('calendar = "jalali"', None),
    ('calendar = "lunar"', "$.date.calendar"),
    ('title = "headline"', None),
    ('titel = "headline"', "$.fields"),
    ('formats = ["%Y/%m/%d ساعت %H:%M"]', None),
    ('formats = ["%Y/%Q"]', "$.date.formats"),
])
def test_bad_mapping_names_the_key(tmp_path, change, key):
    good_line = {"format": 'format = "jsonl"', "calendar": 'calendar = "jalali"', "title": 'title = "headline"',
                 "titel": 'title = "headline"', "formats": 'formats = ["%Y/%m/%d ساعت %H:%M"]'}
    name = change.split(" ")[0]
    path = tmp_path / "m.toml"
    path.write_text(MAPPING.replace(good_line[name], change), "utf-8")
    if key is None:
        load_mapping(path)
        return
    with pytest.raises(MappingError) as exc:
        load_mapping(path)
    assert str(path) in str(exc.value) and key in str(exc.value)


def test_bad_regex_and_missing_source_are_named(tmp_path):
    path = tmp_path / "m.toml"
    path.write_text(MAPPING.replace('formats = ["%Y/%m/%d ساعت %H:%M"]', 'patterns = ["(?P<Y>"]'), "utf-8")
    with pytest.raises(MappingError, match=r"\$\.date\.patterns"):
        load_mapping(path)
    path.write_text(MAPPING.replace('source = "farsnews"', ""), "utf-8")
    with pytest.raises(MappingError, match="anyOf|source"):
        load_mapping(path)
    path.write_text("format = [", "utf-8")
    with pytest.raises(MappingError, match="not valid TOML"):
        load_mapping(path)


def test_config_errors_name_the_key(tmp_path):
    root = _project(tmp_path, "")
    bad = root / "configs" / "bad.toml"
    bad.write_text(CONFIG.replace("exports/invented.jsonl", "exports/missing.jsonl"), "utf-8")
    with pytest.raises(ConfigError, match=r"inputs\[0\]\.path"):
        load_config(bad, root)
    outside = tmp_path / "elsewhere.toml"
    outside.write_text(MAPPING, "utf-8")
    bad.write_text(CONFIG.replace("configs/invented.toml", "../elsewhere.toml"), "utf-8")
    with pytest.raises(ConfigError, match=r"inputs\[0\]\.mapping: .* outside the project"):
        load_config(bad, root)
    bad.write_text(CONFIG + "\n[extra]\n", "utf-8")
    with pytest.raises(ConfigError, match="not allowed"):
        load_config(bad, root)


def test_unreadable_export_files_are_counted_and_reported(tmp_path):
    mapping = MAPPING.replace('format = "jsonl"', 'format = "json"')
    config = CONFIG.replace("exports/invented.jsonl", "exports")
    root = _project(tmp_path, "", mapping=mapping, config=config + 'glob = "*.json*"\n')
    (root / "exports" / "invented.jsonl").unlink()
    (root / "exports" / "a-broken.json").write_text('[{"headline": "x"', "utf-8")
    (root / "exports" / "b-object.json").write_text('{"headline": "x"}', "utf-8")
    (root / "exports" / "c-good.json").write_text(json.dumps(INVENTED[:1], ensure_ascii=False), "utf-8")
    config_obj = load_config(root / "configs" / "build.toml", root)
    result = build(BuildConfig(root=root, build_date=BUILD_DATE, config=config_obj, progress=False))
    codes = {r.origin.rsplit("/", 1)[-1]: r.code for r in result.report.rejections}
    assert codes == {"a-broken.json": "export.invalid-json", "b-object.json": "export.not-a-list"}
    assert sum(result.report.published.values()) == 1 and result.report.balanced()


def test_csv_with_a_missing_column_is_rejected_whole(tmp_path, seed_bytes):
    mapping = textwrap.dedent("""
        source = "hamshahri"
        format = "csv"
        [fields]
        body = "news_text"
        title = "headline"
    """)
    config = CONFIG.replace("invented.jsonl", "items.csv").replace("corpus = false", "corpus = true")
    root = _project(tmp_path, "", mapping=mapping, config=config)
    (root / "corpus" / "raw" / "aa-fa").mkdir(parents=True)
    (root / "corpus" / "raw" / "aa-fa" / "seed.txt").write_bytes(seed_bytes)
    (root / "exports" / "items.csv").write_text("news_date,news_text\n2018 Jan 01,متن خبر\n", "utf-8")
    result = build(BuildConfig(root=root, build_date=BUILD_DATE, config=load_config(root / "configs/build.toml", root),
                               progress=False))
    [rejection] = result.report.rejections
    assert rejection.code == "export.missing-column" and "'headline'" in rejection.message
    assert rejection.origin == "exports/items.csv" and result.report.balanced()
