"""Hostile round 3 (issue 24): no hang, no bypass, no traceback. Each case is coded, bounded in
time (a wall-clock bound in the test) and leaves the previous dataset whole."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import BUILD_DATE, REPO, make_root, random_article, write_export_project

from khabar.pipeline import BuildConfig, build
from khabar.config import load_config
from khabar.stats import PAINTER
from khabar.verify import verify


def _children(pid: int, painter: bool = False) -> list[int]:
    """The build's worker processes, or (``painter``) the child that draws its pictures, which names itself."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            name, rest = stat.read_text().split("(", 1)[1].rsplit(")", 1)
        except (OSError, ValueError):
            continue
        if int(rest.split()[1]) == pid and (name == PAINTER) == painter:
            out.append(int(stat.parent.name))
    return out


def _running(pids: list[int]) -> list[int]:
    """Those of ``pids`` still running (a zombie is not)."""
    return [k for k in pids if " Z " not in _readable(Path(f"/proc/{k}/stat")) and Path(f"/proc/{k}").exists()]


def _readable(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""


def _project(tmp_path, n: int):
    root = make_root(tmp_path, {})
    (root / "exports").mkdir()
    _grow(root, n)
    write_export_project(root, "exports/many.jsonl")
    return root


def _grow(root, n: int = 6000) -> None:
    rng = random.Random(4)
    (root / "exports" / "many.jsonl").write_text(
        "".join(json.dumps(random_article(rng, k, sentences=14, words=16), ensure_ascii=False) + "\n" for k in range(n)),
        "utf-8")


def _default_signals() -> None:
    """In the child: SIGINT as a terminal gives it. A process inherits an ignored SIGINT (pytest's,
    after a test that ran worker pools or Ray in it, or a shell's background job), and Python
    then leaves Ctrl-C ignored, as it should; the test is of a build that hears it."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _start(root, workers: int = 2) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "khabar.cli", "build", "--root", str(root), "--config",
                             str(root / "configs/b.toml"), "--build-date", BUILD_DATE.isoformat(), "--no-progress",
                             "--workers", str(workers)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, "PYTHONPATH": str(REPO / "src")}, preexec_fn=_default_signals)


def _wait_for_workers(proc: subprocess.Popen, n: int = 2, seconds: float = 60) -> list[int]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        kids = _children(proc.pid)
        if len(kids) >= n:
            time.sleep(0.5)                 # at work on their first units
            return _children(proc.pid)
        time.sleep(0.05)
    raise AssertionError("the build started no workers")


def _previous(root):
    """A first, small build: the dataset that must survive."""
    build(BuildConfig(root=root, build_date=BUILD_DATE, progress=False, workers=1,
                      config=load_config(root / "configs/b.toml", root)))
    return (root / "corpus/manifest.json").read_bytes()


def test_a_killed_worker_ends_the_build_with_a_code_naming_its_input(tmp_path):
    root = _project(tmp_path, 300)
    manifest = _previous(root)
    _grow(root)                                              # the same project, now 6,000 records
    proc = _start(root)
    kids = _wait_for_workers(proc)
    os.kill(kids[0], signal.SIGKILL)
    t0 = time.monotonic()
    _, err = proc.communicate(timeout=60)
    assert time.monotonic() - t0 < 30
    err = err.decode()
    assert proc.returncode == 1 and "build.worker-died" in err and "exports/many.jsonl" in err, err[-2000:]
    assert "Traceback" not in err
    assert not (root / "corpus/.lock").exists() and not (root / "corpus/.staging").exists()
    assert (root / "corpus/manifest.json").read_bytes() == manifest and verify(root, audit=False).ok
    time.sleep(0.5)
    assert not [k for k in kids if Path(f"/proc/{k}").exists() and "Z" not in Path(f"/proc/{k}/stat").read_text()]


@pytest.mark.parametrize("sig,code", [(signal.SIGTERM, 143), (signal.SIGHUP, 129), (signal.SIGINT, 130)])
def test_a_signal_stops_the_build_with_a_message_and_leaves_nothing(tmp_path, sig, code):
    root = _project(tmp_path, 300)
    manifest = _previous(root)
    _grow(root)
    proc = _start(root)
    kids = _wait_for_workers(proc)
    painters = _children(proc.pid, painter=True)
    assert len(painters) == 1                                 # with more than one worker
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    err = err.decode()
    assert proc.returncode == code, err[-2000:]
    assert "build.interrupted" in err and "Traceback" not in err and "KeyboardInterrupt" not in err, err[-3000:]
    assert not (root / "corpus/.lock").exists() and not (root / "corpus/.staging").exists()
    assert (root / "corpus/manifest.json").read_bytes() == manifest
    time.sleep(0.5)
    alive = [k for k in kids if Path(f"/proc/{k}").exists() and " Z " not in Path(f"/proc/{k}/stat").read_text()]
    assert not alive                                          # no orphan left working
    assert not _running(painters)                             # nor the pictures' child


def test_a_build_killed_outright_leaves_no_child_behind(tmp_path):
    """kill -9 (or the out-of-memory killer) gives the build no chance to stop its children: they
    end with it (a worker blocked on its queue, or the pictures' child on its pipe, waited forever)."""
    root = _project(tmp_path, 300)
    manifest = _previous(root)
    _grow(root)
    proc = _start(root)
    kids = _wait_for_workers(proc) + _children(proc.pid, painter=True)
    assert len(kids) == 3
    proc.kill()
    proc.communicate(timeout=60)
    deadline = time.monotonic() + 10
    while _running(kids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _running(kids)
    assert (root / "corpus/manifest.json").read_bytes() == manifest


def _export_build(tmp_path, lines: list[dict], mapping: str, seconds: float = 60):
    root = make_root(tmp_path, {})
    (root / "exports").mkdir()
    (root / "exports" / "x.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in lines), "utf-8")
    write_export_project(root, "exports/x.jsonl", mapping=mapping)
    t0 = time.monotonic()
    result = build(BuildConfig(root=root, build_date=BUILD_DATE, progress=False, workers=1,
                               config=load_config(root / "configs/b.toml", root)))
    assert time.monotonic() - t0 < seconds
    return result


def _good(n: int = 3) -> list[dict]:
    rng = random.Random(8)
    return [random_article(rng, k) for k in range(n)]


def test_a_record_with_ten_thousand_labels_is_a_quick_reject(tmp_path):
    rows = _good() + [dict(random_article(random.Random(1), 99), cats=[f"برچسب {k}" for k in range(10_000)])]
    mapping = 'source = "farsnews"\nformat = "jsonl"\n[fields]\ntitle = "headline"\nbody = "content"\nurl = "permalink"\ncategories = "cats"\n'
    result = _export_build(tmp_path, rows, mapping, seconds=30)
    assert [(r.code, "10000 category labels" in r.message) for r in result.report.rejections] == [("layout.bad-record", True)]
    assert result.report.published["farsnews"] == 3


def test_catastrophic_patterns_in_a_mapping_cost_their_records_not_the_build(tmp_path):
    rows = _good() + [dict(random_article(random.Random(2), 98), lead=" " + "ab " * 40, code="a" * 40, tarikh="1" * 40)]
    mapping = ('source = "farsnews"\nformat = "jsonl"\nlead_prefix = \'^(\\s*\\S*)*x\'\n[fields]\ntitle = "headline"\n'
               'body = "content"\nurl = "permalink"\nlead = "lead"\n[article_id]\nfield = "code"\npattern = "(?P<id>(a|a)+)b"\n')
    result = _export_build(tmp_path, rows, mapping, seconds=40)
    assert [r.code for r in result.report.rejections] == ["layout.bad-record"]
    assert "catastrophic backtracking" in result.report.rejections[0].message
    dated = ('source = "farsnews"\nformat = "jsonl"\n[fields]\ntitle = "headline"\nbody = "content"\nurl = "permalink"\n'
             '[date]\nfield = "tarikh"\ncalendar = "gregorian"\npatterns = [\'(?P<Y>(\\d+)+)x(?P<m>\\d\\d)(?P<d>\\d\\d)\']\n')
    rows = [dict(r, tarikh="2024x0101") for r in _good()] + [dict(random_article(random.Random(3), 97), tarikh="1" * 40)]
    result = _export_build(tmp_path / "d", rows, dated, seconds=40)     # no hang: refused or timed out, coded
    assert [r.code for r in result.report.rejections] in (["layout.bad-record"], ["date.unmatched"])


def test_a_body_given_as_a_huge_list_literal_is_a_quick_reject(tmp_path):
    big = repr(["جمله‌ای از متن خبر که تکرار می‌شود."] * 400_000)          # about 14 MB of list literal
    rows = _good() + [dict(random_article(random.Random(4), 96), content=big)]
    result = _export_build(tmp_path, rows, 'source = "farsnews"\nformat = "jsonl"\n[fields]\ntitle = "headline"\n'
                                             'body = "content"\nurl = "permalink"\n', seconds=30)
    assert [r.code for r in result.report.rejections] == ["layout.bad-record"]
    assert "list literal" in result.report.rejections[0].message


def test_an_xlsx_zip_bomb_is_refused_before_it_is_inflated(tmp_path):
    import resource
    import zipfile

    root = make_root(tmp_path, {})
    (root / "exports").mkdir()
    bomb = root / "exports" / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            row = b"<row><c t=\"inlineStr\"><is><t>" + b"0" * 4000 + b"</t></is></c></row>"
            for _ in range(300 * 2**20 // len(row)):
                part.write(row)
    assert bomb.stat().st_size < 3 * 2**20
    write_export_project(root, "exports/bomb.xlsx", mapping='source = "farsnews"\nformat = "xlsx"\n[fields]\ntitle = "t"\n')
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.monotonic()
    with pytest.raises(Exception) as err:        # the only input is refused: nothing to publish
        build(BuildConfig(root=root, build_date=BUILD_DATE, progress=False, workers=1,
                          config=load_config(root / "configs/b.toml", root)))
    assert time.monotonic() - t0 < 30 and getattr(err.value, "code", "") == "build.nothing-to-publish"
    rejects = (root / "corpus/reports/last-failed/rejects.jsonl").read_text("utf-8")
    assert "export.invalid-xlsx" in rejects and "zip bomb" in rejects
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 512 * 1024        # KiB: no inflation


def test_a_config_that_is_a_device_or_a_fifo_is_refused_at_once(tmp_path):
    fifo = tmp_path / "fifo.toml"
    os.mkfifo(fifo)
    for config in ("/dev/zero", str(fifo)):
        t0 = time.monotonic()
        done = subprocess.run([sys.executable, "-m", "khabar.cli", "build", "--root", str(tmp_path), "--config", config],
                              capture_output=True, text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(REPO / "src")})
        assert time.monotonic() - t0 < 30
        assert done.returncode == 2 and "config.missing-file" in done.stderr and "not a regular file" in done.stderr
        assert "Traceback" not in done.stderr


def test_file_names_that_are_not_text_are_published_escaped(tmp_path):
    """A name that is not UTF-8, or holds a newline or U+202E, is read; its origin is escaped text."""
    rng = random.Random(6)
    root = make_root(tmp_path, {})
    folder = root / "exports"
    folder.mkdir()
    names = [b"bad\xff.jsonl", "line\nbreak.jsonl".encode(), "news\u202egpj.jsonl".encode(), "خبر\u200cها.jsonl".encode()]
    for k, name in enumerate(names):
        data = json.dumps(random_article(rng, k), ensure_ascii=False) + "\n"
        with open(os.path.join(os.fsencode(folder), name), "w", encoding="utf-8") as fh:
            fh.write(data)
    write_export_project(root, "exports", glob="*.jsonl")
    build(BuildConfig(root=root, build_date=BUILD_DATE, progress=False, workers=1,
                      config=load_config(root / "configs/b.toml", root)))
    import pyarrow.parquet as pq
    origins = sorted(r["origin"] for p in (root / "corpus/data").glob("*.parquet") for r in pq.read_table(p).to_pylist())
    assert origins == sorted(["exports/bad\\xff.jsonl#1", "exports/line\\u000abreak.jsonl#1",
                              "exports/news\\u202egpj.jsonl#1", "exports/خبر\u200cها.jsonl#1"])


def _khabar(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "khabar.cli", *args], capture_output=True, text=True, timeout=120,
                          cwd=cwd, env={**os.environ, "PYTHONPATH": str(REPO / "src")})


def test_commands_answer_bad_input_with_a_message_not_a_traceback(tmp_path):
    (tmp_path / "x.parquet").write_text("not parquet", "utf-8")
    (tmp_path / "deep.jsonl").write_text("[" * 100_000 + "]" * 100_000 + "\n", "utf-8")
    for args, code, words in [
        (("validate", str(tmp_path / "x.parquet")), 1, "not a readable Parquet file"),
        (("validate", str(tmp_path / "deep.jsonl")), 1, "nested too deep"),
        (("import", "--dry-run", "m.toml", "f.jsonl", "-n", "-5"), 2, "give 1 or more"),
        (("stats", str(tmp_path / "nosuch")), 2, "not a built dataset"),
    ]:
        done = _khabar(*args)
        assert done.returncode == code and words in done.stdout + done.stderr, (args, done.stdout, done.stderr)
        assert "Traceback" not in done.stderr, args
    assert not (tmp_path / "nosuch").exists()
    piped = subprocess.run(f"'{sys.executable}' -m khabar.cli errors | head -1", shell=True, capture_output=True,
                           text=True, env={**os.environ, "PYTHONPATH": str(REPO / "src")})
    assert piped.stdout.strip() and "Traceback" not in piped.stderr and "BrokenPipe" not in piped.stderr
    root = _project(tmp_path / "t", 20)
    (root / "corpus").mkdir(exist_ok=True)
    (root / "corpus/takedowns.jsonl").write_bytes(b'{"by": "id", "value": "x\xff"}\n')
    done = _khabar("build", "--root", str(root), "--config", str(root / "configs/b.toml"), "--no-progress")
    assert done.returncode == 2 and "not UTF-8" in done.stderr and "Traceback" not in done.stderr


def test_urls_off_the_outlet_and_hostile_characters_are_never_published(tmp_path):
    rng = random.Random(12)
    bad_urls = {"http://evil.example/phish": "url.off-outlet", "https://www.farsnews.ir@evil.example/": "url.invalid",
                "https://www.farsnеws.ir/news/1": "url.off-outlet",                     # a Cyrillic е
                "https:": "url.invalid", "https://www.farsnews.ir/" + "a" * 200_000: "url.invalid",
                "https://www.farsnews.ir/news/\u202egpj.exe": "text.bidi-override"}
    rows = [dict(random_article(rng, k), permalink=u) for k, u in enumerate(bad_urls)]
    rows.append(dict(random_article(rng, 50), cats=["اقتصادی\x07\x1b[31m"]))
    rows.append(dict(random_article(rng, 51), cats=["ورزش\u202e"]))
    flood = random_article(rng, 52)
    rows.append(dict(flood, content=flood["content"] + " پایان" + "\u064e" * 40))
    good = dict(random_article(rng, 53), headline="\ufeffعنوان\u2066 خبر\u2069 با\u200b فاصله\r\nو سطر")
    rows.append(good)
    mapping = 'source = "farsnews"\nformat = "jsonl"\n[fields]\ntitle = "headline"\nbody = "content"\nurl = "permalink"\ncategories = "cats"\n'
    result = _export_build(tmp_path, rows, mapping)
    codes = {r.origin: r.code for r in result.report.rejections}
    assert [codes[f"exports/x.jsonl#{n}"] for n in range(1, 7)] == list(bad_urls.values())
    assert codes["exports/x.jsonl#7"] == "text.control-chars" and codes["exports/x.jsonl#8"] == "text.bidi-override"
    assert codes["exports/x.jsonl#9"] == "text.mark-flood"
    assert result.report.published["farsnews"] == 1
    import pyarrow.parquet as pq
    [row] = [r for p in sorted((tmp_path / "project/corpus/data").glob("*.parquet")) for r in pq.read_table(p).to_pylist()]
    assert row["title"] == "عنوان خبر با فاصله و سطر" and row["title_raw"] == good["headline"]
    assert row["attribution"].startswith("Source: Fars News Agency, https://www.farsnews.ir/")


def test_minor_cases_are_coded_and_nothing_is_dropped_silently(tmp_path):
    rng = random.Random(21)
    dated = ('source = "farsnews"\nformat = "jsonl"\n[fields]\ntitle = "headline"\nbody = "content"\nurl = "permalink"\n'
             '[date]\nfield = "tarikh"\ncalendar = "gregorian"\npatterns = [\'(?P<raw>(?P<Y>\\d{4})-(?P<m>\\d\\d)-'
             '(?P<d>\\d\\d)T(?P<H>\\d\\d):(?P<M>\\d\\d)(?P<z>[+-]\\d\\d:?\\d\\d))\']\n')
    rows = [dict(random_article(rng, 0), tarikh="انتشار: ۲۰۲۴-۰۳-۰۱T10:00+03:30"),          # Persian digits
            dict(random_article(rng, 1), tarikh="2024-03-01T10:00+24:00"),                  # no such offset
            dict(random_article(rng, 2), content=["بند نخست خبر درباره بازار و اقتصاد کشور.", 42, {"x": 1}])]
    result = _export_build(tmp_path, rows, dated)
    codes = {r.origin: r.code for r in result.report.rejections}
    assert codes == {"exports/x.jsonl#2": "date.impossible", "exports/x.jsonl#3": "layout.bad-record"}
    import pyarrow.parquet as pq
    [row] = [r for p in sorted((tmp_path / "project/corpus/data").glob("*.parquet")) for r in pq.read_table(p).to_pylist()]
    from khabar.features import from_arrow_row
    row = from_arrow_row(row)
    assert row["date_raw"] == "۲۰۲۴-۰۳-۰۱T10:00+03:30" and row["published_at"] == "2024-03-01T06:30:00Z"
    done = subprocess.run([sys.executable, "-m", "khabar.cli", "normalize"], input="سلام ".encode() + b"\xff" + " دنیا\nخوب\n".encode(),
                          capture_output=True, env={**os.environ, "PYTHONPATH": str(REPO / "src")})
    assert done.returncode == 1 and "line 1: encoding.not-utf8" in done.stderr.decode()
    assert done.stdout.decode() == "خوب\n" and "\ufffd" not in done.stdout.decode()
    root = tmp_path / "loop"
    root.mkdir()
    (root / "a").symlink_to(root / "b")
    (root / "b").symlink_to(root / "a")
    (root / "b.toml").write_text('[[inputs]]\npath = "a"\nmapping = "m.toml"\n', "utf-8")
    from khabar.config import ConfigError
    with pytest.raises(ConfigError) as err:
        load_config(root / "b.toml", root)
    assert "never resolves" in str(err.value)


def test_one_bad_record_costs_itself_not_its_file(tmp_path):
    """A key twice in one record of a JSON array, a NUL in one CSV line, a CSV row of delimiters
    only: each is its own coded reject, every other record is read, and the rows add up."""
    rng = random.Random(31)
    arts = [random_article(rng, k) for k in range(4)]
    records = [json.dumps(a, ensure_ascii=False) for a in arts]
    records[1] = records[1][:-1] + ', "headline": "دوباره"}'                    # a key twice
    root = make_root(tmp_path / "j", {})
    (root / "exports").mkdir()
    (root / "exports" / "x.json").write_text("[" + ",\n".join(records) + "]", "utf-8")
    write_export_project(root, "exports/x.json", mapping='source = "farsnews"\nformat = "json"\n[fields]\n'
                                                         'title = "headline"\nbody = "content"\nurl = "permalink"\n')
    result = build(BuildConfig(root=root, build_date=BUILD_DATE, progress=False, workers=1,
                               config=load_config(root / "configs/b.toml", root)))
    assert [(r.origin, r.code) for r in result.report.rejections] == [("exports/x.json#2", "layout.bad-record")]
    assert "'headline' appears twice" in result.report.rejections[0].message and result.report.published["farsnews"] == 3
    lines = ["headline,content,permalink"] + [f'{a["headline"]},"{a["content"]}",{a["permalink"]}' for a in arts]
    data = ("\n".join(lines[:3]) + "\n,,\n" + "\n".join(lines[3:]) + "\n").encode()
    data = data.replace(arts[1]["headline"].encode(), arts[1]["headline"].encode() + b"\x00", 1)
    root = make_root(tmp_path / "c", {})
    (root / "exports").mkdir()
    (root / "exports" / "x.csv").write_bytes(data)
    write_export_project(root, "exports/x.csv", mapping='source = "farsnews"\nformat = "csv"\n[fields]\n'
                                                        'title = "headline"\nbody = "content"\nurl = "permalink"\n')
    result = build(BuildConfig(root=root, build_date=BUILD_DATE, progress=False, workers=1,
                               config=load_config(root / "configs/b.toml", root)))
    codes = sorted(r.code for r in result.report.rejections)
    assert codes == ["encoding.nul", "layout.empty-record"], codes
    nul = next(r for r in result.report.rejections if r.code == "encoding.nul")
    assert data.split(b"\n")[nul.line - 1].count(b"\x00") == 1              # the line it names holds the NUL
    assert result.report.published["farsnews"] == 3 and result.report.balanced()


def test_stopping_the_pool_frees_its_threads_from_a_result_cut_short():
    """A worker ended while sending a result leaves the message cut short in the results' pipe;
    the pool's thread that reads results then waited for the rest forever, and an interrupted
    build hung on shutdown (about one in eighteen). Here the cut message is written by hand."""
    import multiprocessing
    import struct
    import threading
    from concurrent.futures import ProcessPoolExecutor

    from khabar.work import _stop

    pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"))
    assert pool.submit(abs, -3).result(timeout=30) == 3              # the pool's thread is reading results
    writer = pool._result_queue._writer
    os.write(writer.fileno(), struct.pack("!i", 1 << 20) + b"x" * 100)  # a header for 1 MiB, then 100 bytes
    time.sleep(0.5)                                                   # the thread now waits for the rest
    done = threading.Event()

    def stop() -> None:
        _stop(pool)
        pool.shutdown(wait=True, cancel_futures=True)
        done.set()

    threading.Thread(target=stop, daemon=True).start()
    assert done.wait(30), "the pool's threads still wait on its pipes"
