"""A newcomer's first hour: a new outlet's export by a mapping alone, dry run first, and
builds that say what went wrong and where to read it."""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys

import pytest

from conftest import BUILD_DATE, REPO, WORDS, make_root, write_export_project
from khabar.config import ConfigError, load_config
from khabar.pipeline import BuildConfig, BuildError, build


def _docs_mapping(marker: str) -> str:
    """The mapping example of docs/MAPPINGS.md that holds ``marker``: the tests use the docs' own text."""
    from test_docs_examples import inline_mappings

    return next(m for m in inline_mappings() if marker in m)


def _khabar(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "khabar.cli", *args], capture_output=True, text=True, timeout=600,
                          cwd=cwd)


def _semicolon_export(path, n: int = 5) -> None:
    rng = random.Random(7)
    rows = ["onvan;matn;peyvand;tarikh"]
    for k in range(n):
        title = f"خبر {k} " + " ".join(rng.choice(WORDS) for _ in range(5))
        body = " ".join(rng.choice(WORDS) for _ in range(40)) + "."
        rows.append(f"{title};{body};https://khabarnegar.example/news/{k};{k + 1:02d}/12/2024")
    rows.append(";;https://khabarnegar.example/news/empty;01/12/2024")          # an empty row
    path.write_text("\n".join(rows) + "\n", "utf-8")


def test_a_new_outlet_by_a_mapping_alone_dry_run_then_build(tmp_path):
    root = make_root(tmp_path, {})
    (root / "configs/mappings").mkdir(parents=True)
    (root / "configs/mappings/khabarnegar.toml").write_text(_docs_mapping("[outlet]"), "utf-8")
    (root / "scrape").mkdir()
    _semicolon_export(root / "scrape/khabarnegar.csv")
    # 1. the dry run: what each field becomes, coverage, the rejects with their codes
    done = _khabar("import", "--dry-run", str(root / "configs/mappings/khabarnegar.toml"),
                   str(root / "scrape/khabarnegar.csv"), "-n", "10", "--build-date", BUILD_DATE.isoformat())
    assert done.returncode == 0, done.stderr
    assert "khabarnegar.csv#1 (line 2): source khabarnegar" in done.stdout
    assert "'01/12/2024' -> published 2024-12-01" in done.stdout
    assert "6 record(s) read: 5 would be published, 1 rejected" in done.stdout
    assert "coverage: title 5/5, lead 0/5, text 5/5, published 5/5" in done.stdout
    assert "rejected layout.empty-record: 1" in done.stdout          # an empty row is empty, not "not Persian"
    assert not (root / "corpus" / "data").exists()                     # nothing written
    # 2. the build, into a folder of one's own
    (root / "b.toml").write_text('[build]\ncorpus = false\n[[inputs]]\npath = "scrape/khabarnegar.csv"\n'
                                 'mapping = "configs/mappings/khabarnegar.toml"\n', "utf-8")
    out = tmp_path / "mine"
    result = build(BuildConfig(root=root, output=out, build_date=BUILD_DATE, progress=False, workers=1,
                               config=load_config(root / "b.toml", root)))
    assert result.report.published["khabarnegar"] == 5
    assert [r.code for r in result.report.rejections] == ["layout.empty-record"]
    card = (out / "README.md").read_text("utf-8")
    assert "| `khabarnegar` | Khabarnegar | 6 | 5 | 1 |" in card and "### Khabarnegar (`khabarnegar`): 5 articles" in card


def test_an_unknown_outlet_stops_before_reading_with_the_entry_to_add(tmp_path):
    root = make_root(tmp_path, {})
    (root / "x.jsonl").write_text("", "utf-8")
    config = write_export_project(root, "x.jsonl", mapping='source = "newsite"\nformat = "jsonl"\n[fields]\ntitle = "t"\n')
    with pytest.raises(ConfigError) as err:
        load_config(config, root)
    assert err.value.code == "config.unknown-source"
    assert "  newsite:\n    publisher: <the outlet's name>\n" in str(err.value) and "[outlet]" in str(err.value)
    done = _khabar("build", "--root", str(root), "--config", str(config), "--no-progress")
    assert done.returncode == 2 and "config.unknown-source" in done.stderr and "nothing built" in done.stderr


def test_a_failed_build_leaves_its_rejects_and_says_the_fixes(tmp_path):
    root = make_root(tmp_path, {"aa-fa/empty.txt": b"", "nowhere/page.txt": "سلام".encode()})
    with pytest.raises(BuildError) as err:
        build(BuildConfig(root=root, build_date=BUILD_DATE, progress=False, workers=1))
    failed = root / "corpus/reports/last-failed"
    rejects = [json.loads(x) for x in (failed / "rejects.jsonl").read_text("utf-8").splitlines()]
    assert {r["code"] for r in rejects} == {"input.empty", "input.unknown-source"}
    assert "counts add up" in (failed / "summary.txt").read_text("utf-8")
    message = str(err.value)
    assert "input.unknown-source (1): Put the file under corpus/raw/<source key>/" in message
    assert "e.g. corpus/raw/nowhere/page.txt" in message


def test_raw_titles_are_kept_exactly_as_received(tmp_path):
    root = make_root(tmp_path, {})
    (root / "x.csv").write_text('t,b\n"\n  دیدار وزیران در تهران  \n","متن خبر درباره دیدار وزیران در تهران است."\n', "utf-8")
    config = write_export_project(root, "x.csv", build="corpus = false",
                                  mapping='source = "farsnews"\nformat = "csv"\n[fields]\ntitle = "t"\nbody = "b"\n')
    out = tmp_path / "o"
    build(BuildConfig(root=root, output=out, build_date=BUILD_DATE, progress=False, workers=1,
                      config=load_config(config, root)))
    import pyarrow.parquet as pq
    rows = [r for p in (out / "corpus/data").glob("*.parquet") for r in pq.read_table(p).to_pylist()]
    assert [r["title_raw"] for r in rows] == ["\n  دیدار وزیران در تهران  \n"]
    assert [r["title"] for r in rows] == ["دیدار وزیران در تهران"]


def test_a_page_reject_names_its_line(tmp_path, seed_bytes):
    bad = seed_bytes.replace(b"24.12.2025 -", b"31.02.2025 -", 1)
    root = make_root(tmp_path, {"aa-fa/bad-date.txt": bad, "aa-fa/good.txt": seed_bytes})
    result = build(BuildConfig(root=root, build_date=BUILD_DATE, progress=False, workers=1))
    [rej] = result.report.rejections
    assert rej.code == "date.impossible" and rej.line == 7


def test_khabar_load_works_with_a_dot(tmp_path, seed_bytes):
    root = make_root(tmp_path, {"aa-fa/seed.txt": seed_bytes})
    build(BuildConfig(root=root, build_date=BUILD_DATE, progress=False, workers=1))
    env = {**os.environ, "HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1",
           "HF_DATASETS_CACHE": str(tmp_path / "cache"), "HF_HOME": str(tmp_path / "home")}
    code = "import khabar; ds = khabar.load('.'); print(sum(len(s) for s in ds.values()))"
    done = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-1500:]
    assert done.stdout.strip().splitlines()[-1] == "1"
    # and datasets itself still fails on ".", which is why the helper exists
    plain = subprocess.run([sys.executable, "-c", "import datasets; datasets.load_dataset('.')"], cwd=root,
                           capture_output=True, text=True, env=env, timeout=300)
    assert plain.returncode != 0


def test_the_setup_installs_only_when_what_it_installs_changed(tmp_path):
    """scripts/venv.sh: a second run starts at once (no pip), also with native/ build folders in the tree."""
    import shutil as sh

    project = tmp_path / "p"
    (project / "scripts").mkdir(parents=True)
    sh.copy(REPO / "scripts/venv.sh", project / "scripts/venv.sh")
    sh.copy(REPO / "pyproject.toml", project / "pyproject.toml")
    sh.copytree(REPO / "native", project / "native", ignore=sh.ignore_patterns("build", "*.egg-info"))
    (project / "native/build/lib").mkdir(parents=True)              # what building native/ leaves behind
    (project / "native/khabar_native.egg-info").mkdir()
    venv = project / ".venv" / "bin"
    venv.mkdir(parents=True)
    log = tmp_path / "pip.log"
    (venv / "python").write_text(f'#!/usr/bin/env bash\nif [ "$1" = "-m" ]; then echo "$@" >> {log}; exit 0; fi\n'
                                 f'exec {sys.executable} "$@"\n', "utf-8")
    (venv / "python").chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith("KHABAR_")}
    setup = ["bash", "-c", "set -euo pipefail; source scripts/venv.sh"]
    first = subprocess.run(setup, cwd=project, capture_output=True, text=True, env=env, timeout=60)
    assert first.returncode == 0, first.stderr
    assert "install -q -e ." in log.read_text()
    log.unlink()
    second = subprocess.run(setup, cwd=project, capture_output=True, text=True, env=env, timeout=60)
    assert second.returncode == 0, second.stderr
    assert not log.exists()                                           # nothing changed: no install
    (project / "pyproject.toml").write_text((project / "pyproject.toml").read_text() + "\n# changed\n")
    third = subprocess.run(setup, cwd=project, capture_output=True, text=True, env=env, timeout=60)
    assert third.returncode == 0 and "install -q -e ." in log.read_text()


# --- dead ends a newcomer hit (issue 25, items 5-13) ------------------------------------------------

def test_load_refuses_a_folder_that_is_no_dataset(tmp_path):
    import khabar

    (tmp_path / "notes.txt").write_text("x", "utf-8")
    with pytest.raises(FileNotFoundError, match="is not a Khabar dataset"):
        khabar.load(str(tmp_path))


def test_parse_says_a_missing_file_is_missing_and_the_readme_path_is_real():
    done = _khabar("parse", "corpus/raw/aa-fa/page.txt")
    assert done.returncode == 1 and "no such file" in done.stderr and "FIFO" not in done.stderr
    readme = (REPO / "README.md").read_text("utf-8")
    path = re.search(r"khabar parse (corpus/raw/aa-fa/\S+?\.txt)", readme).group(1)
    assert (REPO / path).is_file()
    done = _khabar("parse", str(REPO / path))
    assert done.returncode == 0, done.stderr


def test_failed_builds_and_local_mappings_stay_out_of_git_status():
    ignored = (REPO / ".gitignore").read_text("utf-8").splitlines()
    assert "corpus/reports/last-failed/" in ignored and "/local/" in ignored
    readme = (REPO / "README.md").read_text("utf-8")
    assert "Keep your own mappings and build configs in `local/`" in readme
    assert "a\nclone does not have them" in readme or "clone does not have them" in readme


def test_an_unknown_outlet_message_names_the_mapping_file_plainly(tmp_path):
    root = make_root(tmp_path, {})
    (root / "x.jsonl").write_text("", "utf-8")
    config = write_export_project(root, "x.jsonl", mapping='source = "nosuchoutlet"\nformat = "jsonl"\n[fields]\ntitle = "t"\n')
    with pytest.raises(ConfigError) as err:
        load_config(config, root)
    assert "the mapping m.toml names source(s) 'nosuchoutlet'" in str(err.value) and ".toml.mapping" not in str(err.value)


def test_a_date_that_fits_no_format_points_at_the_mapping(tmp_path):
    root = make_root(tmp_path, {})
    (root / "x.jsonl").write_text(json.dumps({"t": "خبر درباره بازار و اقتصاد امروز", "b": "متن خبر درباره بازار.",
                                              "d": "1403/05/01"}, ensure_ascii=False) + "\n", "utf-8")
    config = write_export_project(root, "x.jsonl", mapping='source = "farsnews"\nformat = "jsonl"\n[fields]\ntitle = "t"\n'
                                                          'body = "b"\n[date]\nfield = "d"\ncalendar = "gregorian"\n'
                                                          'formats = ["%Y-%m-%d"]\n')
    with pytest.raises(BuildError):
        build(BuildConfig(root=root, build_date=BUILD_DATE, progress=False, workers=1, config=load_config(config, root)))
    [rej] = [json.loads(x) for x in (root / "corpus/reports/last-failed/rejects.jsonl").read_text("utf-8").splitlines()]
    assert rej["code"] == "date.unmatched"
    assert "'1403/05/01' (field 'd') fits none of the mapping's date formats: '%Y-%m-%d'" in rej["message"]
    assert "mapping's [date] formats" in rej["hint"] and "page may be corrupt" not in rej["hint"]
