"""The second, wider attack (issue 16): every case is published correctly or rejected with a
code; no traceback; every record counted from the file; operational faults coded; verify
reports every problem of a damaged dataset and never reads outside it."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import subprocess
import sys
import time

import pyarrow.parquet as pq
import pytest

from conftest import BUILD_DATE, REPO, make_root, random_article
from khabar.pipeline import BuildConfig, BuildError, build
from khabar.config import load_config
from khabar.verify import verify

JSONL = 'source = "farsnews"\nformat = "jsonl"\n[fields]\ntitle = "headline"\nbody = "content"\nurl = "permalink"\n'
CSV = 'source = "farsnews"\nformat = "csv"\n[fields]\ntitle = "headline"\nbody = "content"\n'
BODY = "متن خبر درباره نشست وزیران در تهران است و گفت‌وگو ادامه دارد."


def _khabar(*args, cwd=None, timeout=600):
    return subprocess.run([sys.executable, "-m", "khabar.cli", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=timeout)


def _record(n: int, **extra) -> dict:
    return {"headline": f"خبر شماره {n} درباره نشست", "content": f"{BODY} {n}", "permalink": f"https://www.farsnews.ir/n/{n}",
            **extra}


def _hostile_export(path):
    other = " ".join(reversed(BODY.split()))          # a text of its own: BODY is inside record 2, a copy
    good = [json.dumps(_record(1, content=other), ensure_ascii=False),
            json.dumps(_record(2, content=f"{BODY}\u2028ادامه خبر\u2029پایان"), ensure_ascii=False)]
    bad = {
        '{"headline": ' + "[" * 3000 + "]" * 3000 + "}": "layout.bad-record",                     # deep nesting
        '{"headline": "x", "content": ' + "9" * 5000 + "}": "layout.bad-record",                  # 5,000 digits
        json.dumps(_record(3, content=BODY + "\ud800")): "text.not-unicode",                       # lone surrogate
        '{"headline": NaN, "content": "' + BODY + '"}': "layout.bad-record",                     # NaN
        '{"headline": "a", "headline": "b", "content": "' + BODY + '"}': "layout.bad-record",    # key twice
        json.dumps(_record(4, permalink="javascript:alert(1)"), ensure_ascii=False): "layout.bad-record",
        json.dumps(_record(5, headline=12345), ensure_ascii=False): "layout.bad-record",          # a number as title
        json.dumps(_record(6, content=BODY + "\ufffe"), ensure_ascii=False): "text.not-unicode",   # noncharacter
        # U+0085 (NEL) is legal in a JSON string, so the line is one record; as a C1 control it is no text
        json.dumps(_record(7, content=BODY + "\u0085ادامه"), ensure_ascii=False): "text.control-chars",
    }
    path.write_bytes(("\n".join(good + list(bad)) + "\n").encode("utf-8", "surrogatepass")
                     + b'{"headline": "\x00"}\n' + b'{"headline": "\xff\xfe"}\n')
    return 2, list(bad.values()) + ["encoding.nul", "encoding.not-utf8"]


def test_every_hostile_record_is_its_own_reject_and_every_row_is_counted_from_the_file(tmp_path, seed_bytes):
    persian_page = seed_bytes.decode("utf-8")
    pages = {
        "aa-fa/seed.txt": seed_bytes,
        "aa-fa/mojibake-1256.txt": persian_page.encode("utf-8").decode("cp1256", errors="replace").encode("utf-8"),
        "aa-fa/title-latin1.txt": persian_page.replace(
            persian_page.split("\n")[2], persian_page.split("\n")[2].encode("utf-8").decode("latin-1"), 1).encode(),
        "aa-fa/...txt": seed_bytes,                        # a name of dots: reported, not dropped
        "..aa-fa/page.txt": seed_bytes,
    }
    root = make_root(tmp_path, pages)
    (root / "exports").mkdir()
    published, codes = _hostile_export(root / "exports" / "x.jsonl")
    import random
    rng = random.Random(5)
    rows = ["headline,content"] + [f"عنوان {k},{random_article(rng, k)['content'].replace(chr(10), ' ')}"
                                   for k in range(1, 7)]
    rows[3] = f'"عنوان باز,{BODY}'                         # an unclosed quote on row 3
    (root / "exports" / "y.csv").write_text("\n".join(rows) + "\n", "utf-8")
    (root / "exports" / "dup.csv").write_text(f"headline,headline,content\na,b,{BODY}\n", "utf-8")
    (root / "exports" / "link.jsonl").symlink_to("/etc/hostname")      # out of the input folder
    (root / "corpus/raw/aa-fa/outside.txt").symlink_to(REPO / "README.md")
    (root / "corpus/raw/linked").symlink_to(root / "exports")         # a linked folder
    (root / "configs").mkdir()
    (root / "configs/j.toml").write_text(JSONL, "utf-8")
    (root / "configs/c.toml").write_text(CSV, "utf-8")
    (root / "b.toml").write_text('[[inputs]]\npath = "exports"\nglob = "*.jsonl"\nmapping = "configs/j.toml"\n'
                                 '[[inputs]]\npath = "exports"\nglob = "*.csv"\nmapping = "configs/c.toml"\n', "utf-8")
    result = build(BuildConfig(root=root, output=tmp_path / "out", build_date=BUILD_DATE, progress=False, workers=2,
                               config=load_config(root / "b.toml", root)))
    report = result.report
    assert report.balanced()
    by_origin = {(r.origin, r.line): r.code for r in report.rejections}
    got = [code for (origin, _), code in sorted(by_origin.items()) if origin.startswith("exports/x.jsonl")]
    assert sorted(got) == sorted(codes)
    x_read = sum(1 for r in report.rejections if r.origin.startswith("exports/x.jsonl"))
    assert x_read == len(codes)                                       # and 2 published: 12 lines, 12 counted
    csv_rows = [r for r in report.rejections if r.origin.startswith("exports/y.csv")]
    assert [(r.line, r.code) for r in csv_rows] == [(4, "layout.bad-record")]   # rows 1, 2, 4, 5, 6 kept
    assert any(r.origin == "exports/dup.csv" and r.code == "export.invalid-csv" and "twice" in r.message
               for r in report.rejections)
    assert by_origin[("exports/link.jsonl", None)] == "input.outside-root"
    assert by_origin[("corpus/raw/aa-fa/outside.txt", None)] == "input.outside-root"
    assert by_origin[("corpus/raw/linked", None)] == "input.outside-root"
    assert by_origin[("corpus/raw/aa-fa/...txt", None)] == "input.hidden"
    assert by_origin[("corpus/raw/..aa-fa", None)] == "input.hidden"
    assert by_origin[("corpus/raw/aa-fa/mojibake-1256.txt", None)] == "encoding.mojibake"
    assert by_origin[("corpus/raw/aa-fa/title-latin1.txt", None)] == "encoding.mojibake"
    data = [r for p in (tmp_path / "out/corpus/data").glob("*.parquet") for r in pq.read_table(p).to_pylist()]
    texts = {r["text_raw"] for r in data}
    assert f"{BODY}\u2028ادامه خبر\u2029پایان" in texts            # U+2028 & co. are text, not line ends
    assert len(data) == 1 + published + 5
    assert "/etc/hostname" not in json.dumps(json.loads((tmp_path / "out/corpus/manifest.json").read_text()))


def test_one_bad_byte_in_utf8_says_do_not_convert(tmp_path, seed_bytes):
    from khabar.sources.decode import decode_page
    from khabar.errors import KhabarError
    damaged = seed_bytes.replace("پوتین".encode(), "پوتین".encode()[:-1] + b"\xff", 1)
    with pytest.raises(KhabarError) as err:
        decode_page(damaged)
    assert err.value.code == "encoding.not-utf8"
    assert "do not convert" in err.value.message and "iconv" not in err.value.message


def test_config_type_errors_are_config_errors_not_tracebacks(tmp_path):
    root = make_root(tmp_path, {})
    (root / "configs").mkdir()
    (root / "configs/m.toml").write_text(JSONL, "utf-8")
    (root / "d").mkdir()
    (root / "d/x.jsonl").write_text("", "utf-8")
    cases = ['[build]\nmax_input_bytes = "abc"', "[build]\nratios = 5", "inputs = [1, 2]",
             '[[inputs]]\npath = "d"\nglob = 5\nmapping = "configs/m.toml"',
             '[[inputs]]\npath = "d"\nglob = ""\nmapping = "configs/m.toml"', "build = 5", '[build]\ncorpus = "no"',
             '[build]\nfail_on_unmapped = "false"', '[[inputs]]\npath = "d"\nglob = "*.csv"\nmapping = "configs/m.toml"',
             '[[inputs]]\npath = "/dev/null"\nmapping = "configs/m.toml"']
    for k, text in enumerate(cases):
        (root / f"c{k}.toml").write_text(text, "utf-8")
        done = _khabar("build", "--root", str(root), "--config", str(root / f"c{k}.toml"), "--no-progress")
        assert done.returncode == 2 and "config." in done.stderr and "Traceback" not in done.stderr, (text, done.stderr)
    (root / "bad.toml").write_bytes(b"\xff\xfe[build]\n")
    for config in (root / "bad.toml", root / "d"):
        done = _khabar("build", "--root", str(root), "--config", str(config), "--no-progress")
        assert done.returncode == 2 and "Traceback" not in done.stderr
    (root / "configs/m.toml").write_text(JSONL.replace('format = "jsonl"', 'format = "jsonl"\nencoding = "klingon"'))
    (root / "e.toml").write_text('[[inputs]]\npath = "d"\nmapping = "configs/m.toml"\n', "utf-8")
    done = _khabar("build", "--root", str(root), "--config", str(root / "e.toml"), "--no-progress")
    assert done.returncode == 2 and "encoding" in done.stderr and "klingon" in done.stderr


def _big_project(tmp_path, n=3000):
    import random
    rng = random.Random(3)
    root = make_root(tmp_path, {})
    (root / "exports").mkdir()
    (root / "exports/a.jsonl").write_text("".join(json.dumps(random_article(rng, k), ensure_ascii=False) + "\n"
                                                  for k in range(n)), "utf-8")
    (root / "configs").mkdir()
    (root / "configs/m.toml").write_text(JSONL, "utf-8")
    (root / "b.toml").write_text('[[inputs]]\npath = "exports/a.jsonl"\nmapping = "configs/m.toml"\n', "utf-8")
    return root


def test_two_builds_of_one_folder_one_builds_the_other_stops_at_once(tmp_path):
    root = _big_project(tmp_path)
    first = subprocess.Popen([sys.executable, "-m", "khabar.cli", "build", "--root", str(root), "--config",
                              str(root / "b.toml"), "--no-progress", "--workers", "1"], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not (root / "corpus/.lock").exists() and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert (root / "corpus/.lock").exists(), "the first build never took the lock"
    t0 = time.monotonic()
    second = _khabar("build", "--root", str(root), "--config", str(root / "b.toml"), "--no-progress")
    assert second.returncode == 1 and "build.locked" in second.stderr and str(first.pid) in second.stderr
    assert time.monotonic() - t0 < 60
    assert first.wait(timeout=600) == 0, first.stderr
    assert not (root / "corpus/.lock").exists()
    assert verify(root, audit=False).ok


@contextlib.contextmanager
def _tmpfs(path, size: str):
    path.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True)
    try:
        yield done.returncode == 0
    finally:
        if done.returncode == 0:
            subprocess.run(["umount", "-l", str(path)], capture_output=True)


def _fault(monkeypatch, code: int):
    """Where no file system can be mounted: the same fault, raised where pass 2 writes."""
    route = sys.modules["khabar.pipeline.route"]      # the module (khabar.pipeline.route is also the stage's function)

    def fail(*args, **kwargs):
        raise OSError(code, os.strerror(code), "corpus/.staging/data")
    monkeypatch.setattr(route.Router, "write", fail)        # in the thread that writes: raised by the build


def test_a_full_disk_and_a_read_only_folder_stop_with_a_code_and_keep_the_dataset(tmp_path, seed_bytes, monkeypatch):
    root = make_root(tmp_path / "p", {"aa-fa/seed.txt": seed_bytes})
    with _tmpfs(tmp_path / "disk", "3m") as real:
        out = tmp_path / "disk" / "out"
        build(BuildConfig(root=root, output=out, build_date=BUILD_DATE, progress=False, workers=1))
        assert verify(out, audit=False).ok
        for k in range(6):
            (root / f"corpus/raw/aa-fa/copy{k}.txt").write_bytes(seed_bytes.replace("پوتین".encode(), f"پوتین {k}".encode(), 1))
        if real:              # fill the disk, but for a few KB
            with open(tmp_path / "disk" / "filler", "wb") as fh:
                with contextlib.suppress(OSError):
                    while True:
                        fh.write(b"\0" * 65536)
                        fh.flush()
            (tmp_path / "disk" / "filler").write_bytes(b"\0" * (os.path.getsize(tmp_path / "disk" / "filler") - 8192))
        else:
            _fault(monkeypatch, errno.ENOSPC)
        with pytest.raises(BuildError) as err:
            build(BuildConfig(root=root, output=out, build_date=BUILD_DATE, progress=False, workers=1))
        assert err.value.code == "build.disk-full" and "previous dataset is kept" in str(err.value)
        assert verify(out, audit=False).ok and not (out / "corpus/.staging").exists()
        monkeypatch.undo()
        (tmp_path / "disk" / "filler").unlink(missing_ok=True)
        import gc
        gc.collect()                     # readers of replaced files would keep the file system busy
        remount = subprocess.run(["mount", "-o", "remount,ro", "tmpfs", str(tmp_path / "disk")], capture_output=True,
                                 text=True) if real else None
        remounted = remount is not None and remount.returncode == 0
        if remount is not None and not remounted:
            print(remount.stderr, subprocess.run(["sh", "-c", f"ls -l /proc/{os.getpid()}/fd"], capture_output=True,
                                                 text=True).stdout)
        print(f"a real tmpfs: {real}; remounted read-only: {remounted}")
        if not remounted:
            _fault(monkeypatch, errno.EROFS)
        with pytest.raises(BuildError) as err:
            build(BuildConfig(root=root, output=out, build_date=BUILD_DATE, progress=False, workers=1))
        assert err.value.code == "build.not-writable"
        assert verify(out, audit=False).ok


def test_verify_reports_every_problem_of_a_damaged_dataset(tmp_path, seed_bytes):
    root = make_root(tmp_path, {"aa-fa/seed.txt": seed_bytes})
    build(BuildConfig(root=root, build_date=BUILD_DATE, progress=False, workers=1))
    assert verify(root, audit=False).ok
    manifest = json.loads((root / "corpus/manifest.json").read_text("utf-8"))
    shard = root / manifest["files"][0]["path"]
    # a stray file, a wrong Croissant checksum, a broken takedown list, a broken card, a truncated shard
    (root / "corpus/data/stray.parquet").write_bytes(shard.read_bytes())
    croissant = json.loads((root / "croissant.json").read_text("utf-8"))
    for d in croissant["distribution"]:
        if "sha256" in d:
            d["sha256"] = "0" * 64
    (root / "croissant.json").write_text(json.dumps(croissant), "utf-8")
    (root / "corpus/takedowns.jsonl").write_text("{not json\n", "utf-8")
    readme = (root / "README.md").read_text("utf-8")
    (root / "README.md").write_text(readme.replace("pretty_name:", "pretty_name: [unclosed", 1), "utf-8")
    shard.write_bytes(shard.read_bytes()[:200])
    result = verify(root)
    text = "\n".join(result.problems)
    for expected in ("stray.parquet: in the published data folder but not in the manifest", "croissant.json: the sha256",
                     "takedowns.jsonl: unreadable", "README.md: the card's front matter is not YAML",
                     "not a readable Parquet file"):
        assert expected in text, text
    # a manifest that is a list, or whose entry points outside the dataset
    (root / "corpus/manifest.json").write_text("[]", "utf-8")
    assert verify(root).problems == ["corpus/manifest.json: not a manifest (an object with a list of files)"]
    manifest["files"] = [{"path": "../../../../../etc/passwd", "sha256": "0" * 64, "bytes": 1, "rows": 1}, {"rows": 1}]
    (root / "corpus/manifest.json").write_text(json.dumps(manifest), "utf-8")
    problems = verify(root, audit=False).problems
    assert any("points outside the dataset" in p for p in problems)
    assert any("lacks path" in p for p in problems)
    assert not any("etc/passwd: sha256" in p for p in problems)


def test_verify_finds_duplicate_ids(tmp_path, seed_bytes):
    import pyarrow as pa

    root = make_root(tmp_path, {"aa-fa/seed.txt": seed_bytes})
    build(BuildConfig(root=root, build_date=BUILD_DATE, progress=False, workers=1))
    manifest = json.loads((root / "corpus/manifest.json").read_text("utf-8"))
    entry = manifest["files"][0]
    path = root / entry["path"]
    table = pq.read_table(path)
    pq.write_table(pa.concat_tables([table, table]), path)
    problems = verify(root, audit=False).problems
    assert any("is published twice" in p for p in problems), problems


def test_verify_finds_a_taken_down_row_in_an_output_dataset(tmp_path, seed_bytes):
    other = seed_bytes.replace("پوتین".encode(), "پوتین و لاوروف".encode(), 1).replace(b"24.12.2025 -", b"23.12.2025 -", 1)
    root = make_root(tmp_path, {"aa-fa/seed.txt": seed_bytes, "aa-fa/other.txt": other})
    out = tmp_path / "out"
    build(BuildConfig(root=root, output=out, build_date=BUILD_DATE, progress=False, workers=1))
    assert _khabar("verify", str(out), "--root", str(root)).returncode == 0
    row = pq.read_table(next((out / "corpus/data").glob("*.parquet"))).to_pylist()[0]
    added = _khabar("takedown", "add", "--id", row["id"], "--reason", "publisher-request", "--requested-by",
                    "publisher", "--root", str(root))
    assert added.returncode == 0, added.stderr
    done = _khabar("verify", str(out), "--root", str(root))
    assert done.returncode == 1 and row["id"] in done.stdout
    # the list a build applied travels with its output dataset
    build(BuildConfig(root=root, output=tmp_path / "out2", build_date=BUILD_DATE, progress=False, workers=1))
    assert (tmp_path / "out2/corpus/takedowns.jsonl").read_bytes() == (root / "corpus/takedowns.jsonl").read_bytes()


def test_taking_down_every_article_says_nothing_is_left(tmp_path, seed_bytes):
    root = make_root(tmp_path, {"aa-fa/seed.txt": seed_bytes})
    build(BuildConfig(root=root, build_date=BUILD_DATE, progress=False, workers=1))
    row = pq.read_table(next((root / "corpus/data").glob("*.parquet"))).to_pylist()[0]
    assert _khabar("takedown", "add", "--id", row["id"], "--reason", "other", "--requested-by", "maintainers",
                   "--root", str(root)).returncode == 0
    done = _khabar("build", "--root", str(root), "--no-progress")
    assert done.returncode == 1 and "build.nothing-to-publish" in done.stderr and "Traceback" not in done.stderr


def test_takedown_add_on_a_broken_list_is_a_message(tmp_path):
    root = make_root(tmp_path, {})
    (root / "corpus").mkdir(exist_ok=True)
    (root / "corpus/takedowns.jsonl").write_text("[1, 2]\n", "utf-8")
    done = _khabar("takedown", "add", "--url", "https://x.ir/1", "--reason", "other", "--requested-by", "other",
                   "--root", str(root))
    assert done.returncode == 2 and "cannot be read" in done.stderr and "Traceback" not in done.stderr


def test_parse_refuses_devices_and_fifos_at_once(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    done = _khabar("parse", "/dev/zero", str(fifo), timeout=60)
    assert done.returncode == 1 and done.stderr.count("input.unreadable") == 2


def test_validate_counts_every_record_and_finds_what_the_schema_cannot(tmp_path, seed_bytes):
    root = make_root(tmp_path, {"aa-fa/seed.txt": seed_bytes})
    build(BuildConfig(root=root, build_date=BUILD_DATE, progress=False, workers=1))
    from khabar.features import from_arrow_row
    row = from_arrow_row(pq.read_table(next((root / "corpus/data").glob("*.parquet"))).to_pylist()[0])
    good = json.dumps(row, ensure_ascii=False, default=str)
    path = tmp_path / "r.jsonl"
    path.write_bytes((good + "\n" + good + "\n").encode() + json.dumps({**row, "title": "\ud800"}, default=str).encode()
                     + b"\n" + b"\xff\xfe\n")
    done = _khabar("validate", str(path))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "4 record(s) checked" in done.stderr
    assert f"id {row['id']} was already given at {path}:1" in done.stdout
    assert "U+D800" in done.stdout and "not UTF-8" in done.stdout


def test_lines_are_cut_at_cr_lf_and_cr_only_with_or_without_a_cr_in_the_text():
    from khabar.errors import KhabarError
    from khabar.sources.decode import decode_page, lines

    assert lines("الف\nب\n") == ["الف", "ب"] and lines("الف\n\nب") == ["الف", "", "ب"]
    assert lines("الف\r\nب\rج\n") == ["الف", "ب", "ج"]
    assert lines("الف\u2028ب\x0cج\n") == ["الف\u2028ب\x0cج"]          # a page's own characters stay in the line
    for blank in (b"  \n\t\r\n", "\ufeff \u00a0\n".encode()):
        with pytest.raises(KhabarError) as err:
            decode_page(blank)
        assert err.value.code == "input.blank"


def test_an_exports_lines_one_at_a_time_are_its_lines():
    from khabar.sources.decode import iter_lines, lines

    for text in ("", "\n", "الف", "الف\n", "الف\n\n", "\nالف\nب", "الف\r\nب\rج\n", "الف\u2028ب\n\n\nج", "a\rb"):
        assert list(iter_lines(text)) == lines(text), text
