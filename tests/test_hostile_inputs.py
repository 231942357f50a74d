"""Hostile input: every kind gets its own code, none stops the build, nothing is lost; fuzzing finds no crash."""

from __future__ import annotations

import json
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import BUILD_DATE, make_root, write_export_project
from khabar.config import ConfigError, load_config
from khabar.dates import DateLimits
from khabar.errors import CATALOGUE, KhabarError
from khabar.pipeline import BuildConfig, build
from khabar.registry import sources
from khabar.sources import exports
from khabar.sources.mapping import load_mapping

SOURCE = sources()["aa-fa"]
LIMITS = DateLimits(latest=BUILD_DATE)


def _seed_with(seed: bytes, old: str, new: str) -> bytes:
    text = seed.decode("utf-8")
    assert old in text
    return text.replace(old, new, 1).encode("utf-8")


def hostile_pages(seed: bytes) -> dict[str, tuple[bytes, str]]:
    text = seed.decode("utf-8")
    lines = text.split("\n")
    cyrillic = "\n".join(lines[:7] + ["Москва/خبرگزاری آنادولو"] +
                         ["Президент России провёл встречу с министрами иностранных дел и обороны Сирии в Москве." * 3] * 5)
    return {
        "too-large.txt": (seed + b"\n" + "متن بسیار طولانی. ".encode("utf-8") * 4000, "input.too-large"),
        "cyrillic.txt": (cyrillic.encode("utf-8"), "language.not-persian"),
        "control.txt": (_seed_with(seed, "ولادیمیر پوتین،", "ولادیمیر\x07 پوتین،"), "text.control-chars"),
        "override.txt": (_seed_with(seed, "ولادیمیر پوتین،", "ولادیمیر \u202eپوتین،"), "text.bidi-override"),
        "nul.txt": (seed.replace("پوتین".encode("utf-8"), "پوتین".encode("utf-8") + b"\x00", 1), "encoding.nul"),
    }


def test_hostile_pages_each_have_their_code(seed_bytes):
    for name, (data, code) in hostile_pages(seed_bytes).items():
        if code == "input.too-large":
            continue                                   # a property of the build's limit, below
        with pytest.raises(KhabarError) as exc:
            from khabar.pipeline import parse_page
            parse_page(data, name, SOURCE, LIMITS)
        assert exc.value.code == code, name
        assert code in CATALOGUE


def test_build_survives_every_hostile_input_and_counts_add_up(tmp_path, seed_bytes):
    pages = {f"aa-fa/{name}": data for name, (data, _) in hostile_pages(seed_bytes).items()}
    pages["aa-fa/000_good.txt"] = seed_bytes
    root = make_root(tmp_path, pages)
    raw = root / "corpus" / "raw" / "aa-fa"
    os.symlink("loop-b.txt", raw / "loop-a.txt")
    os.symlink("loop-a.txt", raw / "loop-b.txt")
    os.symlink("nowhere.txt", raw / "dangling.txt")
    os.mkfifo(raw / "fifo.txt")
    # exports: a duplicate id across two files, fields of the wrong type, an unknown field
    (root / "exports").mkdir()
    record = {"headline": "خبر آزمایشی درباره بازار", "content": "بازار امروز آرام بود و قیمت‌ها تغییری نکرد.",
              "permalink": "https://www.farsnews.ir/news/1", "extra": {"unknown": True}}
    (root / "exports" / "a.jsonl").write_text(json.dumps(record, ensure_ascii=False) + "\n", "utf-8")
    (root / "exports" / "b.jsonl").write_text("\n".join([
        json.dumps(record, ensure_ascii=False),                                        # the same URL again
        json.dumps({**record, "permalink": "https://www.farsnews.ir/news/2", "headline": ["a", "list"]}, ensure_ascii=False),
        json.dumps({**record, "permalink": "https://www.farsnews.ir/news/3", "content": 42}, ensure_ascii=False),
    ]) + "\n", "utf-8")
    write_export_project(root, "exports", glob="*.jsonl", build="max_input_bytes = 20000")
    result = build(BuildConfig(root=root, build_date=BUILD_DATE, config=load_config(root / "configs/b.toml", root),
                               progress=False))
    report = result.report
    codes = {r.origin.rsplit("/", 1)[-1]: r.code for r in report.rejections}
    for name, (_, code) in hostile_pages(seed_bytes).items():
        assert codes[name] == code, name
    assert codes["loop-a.txt"] == codes["loop-b.txt"] == "input.symlink-loop"
    assert codes["dangling.txt"] == "input.unreadable" and codes["fifo.txt"] == "input.unreadable"
    assert codes["b.jsonl#1"] == "record.duplicate-id"
    assert codes["b.jsonl#2"] == "layout.bad-record" and codes["b.jsonl#3"] == "layout.bad-record"
    assert sum(report.published.values()) == 2                  # the good page and a.jsonl#1 (extra field ignored)
    assert report.balanced()
    assert sum(report.read.values()) == len(pages) + 4 + 4


def test_config_paths_outside_the_project_or_missing(tmp_path):
    root = make_root(tmp_path, {})
    (tmp_path / "outside.toml").write_text('source = "farsnews"\nformat = "json"\n[fields]\ntitle = "t"\n', "utf-8")
    (root / "data.json").write_text("[]", "utf-8")
    cfg = root / "b.toml"
    cfg.write_text('[[inputs]]\npath = "data.json"\nmapping = "../outside.toml"\n', "utf-8")
    with pytest.raises(ConfigError) as exc:
        load_config(cfg, root)
    assert exc.value.code == "config.outside-project"
    cfg.write_text('[[inputs]]\npath = "data.json"\nmapping = "configs/none.toml"\n', "utf-8")
    with pytest.raises(ConfigError) as exc:
        load_config(cfg, root)
    assert exc.value.code == "config.missing-file"
    with pytest.raises(ConfigError) as exc:
        load_config(root / "absent.toml", root)
    assert exc.value.code == "config.missing-file"


def test_spool_compression_is_checked(tmp_path):
    root = make_root(tmp_path, {})
    cfg = root / "b.toml"
    cfg.write_text('[build]\nspool_compression = "zstd"\n', "utf-8")
    assert load_config(cfg, root).spool_compression == "zstd"
    cfg.write_text('[build]\n', "utf-8")
    assert load_config(cfg, root).spool_compression == "none"
    cfg.write_text('[build]\nspool_compression = "gzip"\n', "utf-8")
    with pytest.raises(ConfigError) as exc:
        load_config(cfg, root)
    assert exc.value.code == "config.invalid" and '"none" or "zstd"' in str(exc.value)


# --- fuzzing: arbitrary input never raises anything but the project's own rejection -------------

LAYOUT_LINES = st.sampled_from([
    "جهان, خاورمیانه", "عنوان خبر", "24.12.2025 - بهروز رسان : 24.12.2025", "31.02.2025", "۱۵.۰۸.۲۰۲۴",
    "استانبول/خبرگزاری آنادولو", "موضوعات مرتبط", "Bu haberi paylaşın", "", " ", "\r", "متن خبر.",
    "خبرگزاري آناتولي اخبار خود از طريق سامانه (HAS) مشترك شويد!", "<p>html</p>", "99.99.9999",
])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.binary(max_size=2000),
                 st.lists(st.one_of(LAYOUT_LINES, st.text(max_size=80)), max_size=40).map(lambda ls: "\n".join(ls).encode("utf-8", "surrogatepass"))))
def test_page_parser_never_crashes(data):
    from khabar.work import check_schema, parse_page
    try:
        check_schema(parse_page(data, "fuzz.txt", SOURCE, LIMITS))
    except KhabarError as err:
        assert err.code in CATALOGUE


JSON_VALUES = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
                           lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
                           max_leaves=10)
RECORD = st.fixed_dictionaries({}, optional={
    "title": JSON_VALUES | st.sampled_from(["خبر مهم امروز", "Title"]),
    "abstract": JSON_VALUES, "paragraphs": JSON_VALUES | st.just("['بند اول', 'بند دوم']"),
    "link": JSON_VALUES | st.sampled_from(["https://www.farsnews.ir/news/8707060255", "https://x.ir/news/13950404000869/a", "not a url"]),
    "cat": JSON_VALUES, "subcat": JSON_VALUES, "tags": JSON_VALUES,
})


@pytest.fixture(scope="module")
def fars_mapping():
    from conftest import REPO
    return load_mapping(REPO / "configs" / "mappings" / "farsnews.toml")


@settings(max_examples=300, deadline=None)
@given(record=RECORD)
def test_importer_never_crashes(fars_mapping, record):
    from khabar.assemble import assemble
    from khabar.work import check_schema
    from khabar.registry import taxonomy
    registry = sources()
    try:
        raw = fars_mapping.apply(record, origin="fuzz.json#1", registry=registry, limits=LIMITS)
        check_schema(assemble(raw, registry[raw.source], taxonomy()))
    except KhabarError as err:
        assert err.code in CATALOGUE


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=1500))
def test_export_readers_never_crash(data):
    for reader in (exports.read_json, exports.read_jsonl, exports.read_csv):
        try:
            for _, _, item in reader(data):
                assert isinstance(item, (dict, KhabarError))
        except KhabarError as err:
            assert err.code in CATALOGUE
