"""The khabar command as a person uses it."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import FIXTURES, SEED

KHABAR = [sys.executable, "-m", "khabar.cli"]


def run(*args, stdin=None):
    return subprocess.run([*KHABAR, *args], capture_output=True, text=True, input=stdin, timeout=120)


def test_parse_prints_records_and_rejects_with_codes(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    out = run("parse", "--build-date", "2026-11-29", str(SEED), str(FIXTURES / "aa_fa/tehran_topics.txt"), str(empty))
    assert out.returncode == 1
    records = [json.loads(line) for line in out.stdout.splitlines()]
    assert [r["dateline"] for r in records] == ["استانبول", "تهران"]
    assert f"{empty}: input.empty:" in out.stderr


def test_parse_all_good_exits_zero():
    out = run("parse", "--build-date", "2026-11-29", str(SEED))
    assert out.returncode == 0 and out.stderr == ""
    assert json.loads(out.stdout)["published"] == "2025-12-24"


def test_validate_reports_every_error_with_id_and_path(tmp_path):
    good = json.loads(run("parse", "--build-date", "2026-11-29", str(SEED)).stdout)
    bad = {**good, "published": "2025-02-31", "extra": True}
    path = tmp_path / "records.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in (good, bad)) + "\n{not json\n", "utf-8")
    out = run("validate", str(path))
    assert out.returncode == 1
    lines = out.stdout.splitlines()
    assert any(f":2: {good['id']}: $.published:" in line for line in lines)
    assert any(f":2: {good['id']}: $:" in line and "extra" in line for line in lines)
    assert any(":3: -: $: not JSON" in line for line in lines)
    ok = tmp_path / "ok.jsonl"
    ok.write_text(json.dumps(good, ensure_ascii=False) + "\n", "utf-8")
    assert run("validate", str(ok)).returncode == 0


def test_normalize_reads_stdin_line_by_line():
    out = run("normalize", stdin="خبرگزاري آناتولي\nكتاب  ها\nرئیسجمهور میتواند\n")
    assert out.stdout == "خبرگزاری آناتولی\nکتاب\u200cها\nرئیس\u200cجمهور می\u200cتواند\n"
    plain = run("normalize", "--no-zwnj", stdin="كتاب  ها\nرئیسجمهور\n")
    assert plain.stdout == "کتاب ها\nرئیسجمهور\n"


def test_errors_lists_the_catalogue():
    out = run("errors")
    assert "encoding.not-utf8" in out.stdout and "layout.no-date-line" in out.stdout
