"""Every bad input gets its own stable code, and nothing is lost from the counts."""

from __future__ import annotations

import json

import pytest

from conftest import BUILD_DATE, FIXTURES, make_root
from khabar.dates import DateLimits
from khabar.errors import CATALOGUE, KhabarError
from khabar.pipeline import BuildConfig, build
from khabar.registry import sources
from khabar.sources import aa_fa

SOURCE = sources()["aa-fa"]


def bad_inputs(seed: bytes) -> dict[str, tuple[bytes, str]]:
    text = seed.decode("utf-8")
    lines = text.split("\n")
    return {
        "empty.txt": (b"", "input.empty"),
        "blank.txt": (b"  \n\t\r\n   \n", "input.blank"),
        "binary.txt": (bytes(range(256)) * 8, "encoding.binary"),
        "png.txt": (b"\x89PNG\r\n\x1a\n" + b"\x00\x01" * 50, "encoding.binary"),
        "cp1256.txt": (text.replace("\u06cc", "\u064a").replace("\u06a9", "\u0643").encode("cp1256", errors="replace"),
                       "encoding.not-utf8"),
        "mojibake.txt": (seed.decode("latin-1").encode("utf-8"), "encoding.mojibake"),
        "html.txt": (("<!DOCTYPE html><html><head><title>x</title></head><body><p>" + lines[2]
                      + "</p></body></html>").encode("utf-8"), "layout.html"),
        "cut-after-headline.txt": ("\n".join(lines[:3]).encode("utf-8"), "layout.truncated"),
        "no-date-line.txt": ("\n".join(lines[:6] + lines[7:]).encode("utf-8"), "layout.no-date-line"),
        "impossible-date.txt": (text.replace("24.12.2025 - ", "31.02.2025 - ", 1).encode("utf-8"), "date.impossible"),
        "future-date.txt": (text.replace("24.12.2025 - ", "24.12.2031 - ", 1).encode("utf-8"), "date.implausible"),
        "ancient-date.txt": (text.replace("24.12.2025 - ", "24.12.1899 - ", 1).encode("utf-8"), "date.implausible"),
        "english.txt": ((FIXTURES / "aa_fa" / "english.txt").read_bytes(), "language.not-persian"),
        "no-body.txt": ("\n".join(lines[:10]).encode("utf-8"), "layout.no-body"),
    }


def test_each_bad_input_has_its_code(seed_bytes):
    for name, (data, code) in bad_inputs(seed_bytes).items():
        with pytest.raises(KhabarError) as exc:
            aa_fa.parse(data, name, SOURCE, DateLimits(latest=BUILD_DATE))
        assert exc.value.code == code, name
        assert code in CATALOGUE
        assert exc.value.message and "{" not in exc.value.message, name


def test_not_utf8_names_the_legacy_code_page(seed_bytes):
    data, _ = bad_inputs(seed_bytes)["cp1256.txt"]
    with pytest.raises(KhabarError) as exc:
        aa_fa.parse(data, "x", SOURCE, DateLimits(latest=BUILD_DATE))
    assert "Windows-1256" in exc.value.message


def test_build_with_bad_inputs_publishes_the_good_and_reports_every_bad(tmp_path, seed_bytes):
    bad = bad_inputs(seed_bytes)
    pages = {f"aa-fa/{name}": data for name, (data, _) in bad.items()}
    pages["aa-fa/000_seed.txt"] = seed_bytes
    pages["aa-fa/tehran.txt"] = (FIXTURES / "aa_fa" / "tehran_topics.txt").read_bytes()
    pages["aa-fa/notes.md"] = b"# not a page"
    pages["xx-unknown/page.txt"] = seed_bytes
    pages["aa-fa/copy-of-seed.txt"] = seed_bytes          # same bytes, same id
    root = make_root(tmp_path, pages)
    result = build(BuildConfig(root=root, build_date=BUILD_DATE, progress=False))

    report = result.report
    assert sum(report.read.values()) == len(pages)
    assert sum(report.published.values()) == 2
    assert len(report.rejections) == len(pages) - 2
    assert report.balanced()
    rejects = [json.loads(line) for line in (root / "corpus/reports/rejects.jsonl").read_text("utf-8").splitlines()]
    by_file = {r["origin"].rsplit("/", 1)[-1]: r for r in rejects}
    for name, (_, code) in bad.items():
        assert by_file[name]["code"] == code
        assert by_file[name]["origin"] == f"corpus/raw/aa-fa/{name}"
        assert by_file[name]["message"] and by_file[name]["hint"]
    assert by_file["notes.md"]["code"] == "input.unknown-format"
    assert by_file["page.txt"]["code"] == "input.unknown-source"
    dup = by_file["copy-of-seed.txt"] if "copy-of-seed.txt" in by_file else by_file["000_seed.txt"]
    assert dup["code"] == "record.duplicate-id"
    summary = json.loads((root / "corpus/reports/build.json").read_text("utf-8"))
    total = {k: sum(row[k] for row in summary["per_source"]) for k in ("read", "published", "rejected")}
    assert total == {"read": len(pages), "published": 2, "rejected": len(pages) - 2}
    assert sum(result.split_rows.values()) == 2
