"""`khabar harvest` against a real HTTP server on 127.0.0.1 (tests/harvest_server.py): polite,
resumable, idempotent, and what it writes builds into the dataset. No test reaches any other
address: KHABAR_LOOPBACK_ONLY makes the fetcher refuse one, and a test proves it does."""

from __future__ import annotations

import collections
import datetime as dt
import os
import signal
import subprocess
import sys
import time

import pyarrow.parquet as pq
import pytest

from conftest import BUILD_DATE, REPO, make_root
from harvest_server import AWAY, BOMB, BUSY, FLAKY, HUGE, LOOP, NORMAL, OLD, PRIVATE, SLOW, Server, article_path

from khabar.pipeline import BuildConfig, build
from khabar.config import load_config
from khabar.features import from_arrow_row
from khabar.harvest import HarvestError, Options, harvest
from khabar.harvest.fetch import LOOPBACK_ONLY, Fetcher, FetchError

REACHABLE = NORMAL + [BUSY, FLAKY]                    # every article the feed and sitemap list that can be had


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch):
    monkeypatch.setenv(LOOPBACK_ONLY, "1")


def _options(server: Server, out, **kw) -> Options:
    base = dict(outlet="tasnimnews", out=out, feeds=[f"{server.base}/feed.xml"],
                sitemaps=[f"{server.base}/sitemap-index.xml"], since=dt.date(2025, 1, 1), rate=5.0, timeout=1.0,
                max_bytes=2 * 2**20, retries=2, backoff=0.1, progress=False, seed=1)
    base.update(kw)
    return Options(**base)


def test_a_harvest_is_polite_and_fetches_every_reachable_article_once(tmp_path):
    with Server() as server:
        summary = harvest(_options(server, tmp_path / "h"))
        pages = server.hits()
    got = collections.Counter(h.path for h in pages)
    for article_id in REACHABLE:
        assert got[article_path(article_id)] == (1 if article_id not in (BUSY, FLAKY) else 2), article_id
    assert summary.fetched == len(REACHABLE)
    assert not any("/private/" in h.path for h in pages)                      # robots.txt obeyed
    assert got[article_path(OLD)] == 0                                         # listed before --since
    assert all(h.host == f"127.0.0.1:{server.port}" for h in server.log)      # the off-host redirect not followed
    assert got[article_path(AWAY)] == 1 and summary.failed["harvest.off-host-redirect"] == 1
    assert summary.failed["harvest.too-large"] == 2                            # 20 MB, and the gzip bomb
    assert got[article_path(HUGE)] == 1 and got[article_path(BOMB)] == 1
    assert summary.failed["harvest.redirect"] == 1 and got[article_path(LOOP)] == 1
    assert summary.failed["harvest.timeout"] == 1 and got[article_path(SLOW)] == 3      # first try + 2 retries
    assert not any("sitemap-old" in h.path for h in server.log)               # a child sitemap before --since
    assert all(h.headers["User-Agent"].startswith("KhabarBot/") and "+https://" in h.headers["User-Agent"]
               for h in server.log)
    # at most one request per 0.2 s (the rate 5/s and the Crawl-delay 0.2), one host
    starts = [h.at for h in server.log]
    gaps = [b - a for a, b in zip(starts, starts[1:])]
    assert min(gaps) >= 0.19, min(gaps)
    # the 429 was retried only after its Retry-After: 1
    busy = [h.at for h in pages if h.path == article_path(BUSY)]
    assert busy[1] - busy[0] >= 1.0


def test_the_warc_files_pass_warcio_and_build_into_the_dataset(tmp_path):
    with Server() as server:
        summary = harvest(_options(server, tmp_path / "h"))
    files = sorted((tmp_path / "h").glob("*.warc.gz"))
    assert files and [str(f) for f in files] == summary.files and not list((tmp_path / "h").glob("*.open"))
    for f in files:
        done = subprocess.run([sys.executable, "-m", "warcio.cli", "check", str(f)], capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr
    root = make_root(tmp_path, {})
    (root / "b.toml").write_text(f'[build]\ncorpus = false\n[[inputs]]\npath = "{tmp_path / "h"}"\nformat = "warc"\n',
                                 "utf-8")
    result = build(BuildConfig(root=root, build_date=BUILD_DATE, progress=False, workers=1,
                               config=load_config(root / "b.toml", root)))
    assert result.report.published["tasnimnews"] == len(REACHABLE) and not result.report.rejections
    rows = [from_arrow_row(r) for p in sorted((root / "corpus/data").glob("*.parquet")) for r in pq.read_table(p).to_pylist()]
    assert {r["category"] for r in rows} == {"economy"} and {r["published_at"] for r in rows} == {"2025-09-05T06:42:00Z"}
    assert all(r["url"].startswith("https://www.tasnimnews.com/fa/news/") for r in rows)    # the canonical URL
    assert sorted(r["article_id"] for r in rows) == sorted(str(a) for a in REACHABLE)


def test_a_second_run_asks_only_for_the_feeds_and_sitemaps(tmp_path):
    with Server() as server:
        harvest(_options(server, tmp_path / "h"))
        before = len(server.log)
        again = harvest(_options(server, tmp_path / "h"))
        second = server.log[before:]
    assert again.fetched == 0 and not [h for h in second if h.path.startswith("/fa/news/")]
    assert {h.path for h in second} == {"/robots.txt", "/feed.xml", "/sitemap-index.xml"}
    assert again.not_modified == 2                                  # the feed and the index: 304, conditionally asked
    assert all("If-None-Match" in h.headers for h in second if h.path != "/robots.txt")


def test_a_harvest_killed_halfway_resumes_without_fetching_a_page_twice(tmp_path):
    out = tmp_path / "h"
    with Server(crawl_delay=0.5) as server:
        env = {**os.environ, LOOPBACK_ONLY: "1", "PYTHONPATH": str(REPO / "src")}
        args = [sys.executable, "-m", "khabar.cli", "harvest", "--outlet", "tasnimnews", "--out", str(out),
                "--feed", f"{server.base}/feed.xml", "--rate", "2", "--timeout", "1", "--max-bytes", str(2 * 2**20),
                "--retries", "1", "--backoff", "0.1", "--no-progress", "--since", "2025-01-01",
                "--sitemap", f"{server.base}/sitemap-index.xml"]
        proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while len(server.hits()) < 4 and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.25)                                   # between two requests (0.5 s apart)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        first = collections.Counter(h.path for h in server.hits())
        assert 4 <= sum(first.values()) < 12 and list(out.glob("*.warc.gz.open"))     # killed halfway, a file left open
        summary = harvest(_options(server, out, feeds=[f"{server.base}/feed.xml"], retries=1, rate=2.0))
        both = collections.Counter(h.path for h in server.hits())
    for article_id in NORMAL:
        assert both[article_path(article_id)] == 1, (article_id, both)         # each page once, across both runs
    assert not list(out.glob("*.open")) and summary.files
    from khabar.harvest.state import State
    state = State(out)
    assert state.counts("tasnimnews")["fetched"] == len(REACHABLE)
    state.close()


def test_the_dry_run_lists_and_fetches_no_page(tmp_path):
    with Server() as server:
        summary = harvest(_options(server, tmp_path / "h", dry_run=True))
        assert not server.hits()
    assert sorted(summary.would_fetch) == sorted(f"{server.base}{article_path(a)}"
                                                 for a in NORMAL + [BUSY, FLAKY, SLOW, LOOP, AWAY, HUGE, BOMB])
    assert not list((tmp_path / "h").glob("*.warc.gz"))


def test_bad_options_and_unreachable_feeds_are_coded(tmp_path):
    with pytest.raises(HarvestError) as err:
        harvest(Options(outlet="hamshahri", out=tmp_path / "x"))
    assert err.value.code == "harvest.not-open"
    with pytest.raises(HarvestError) as err:
        harvest(Options(outlet="nosuch", out=tmp_path / "x"))
    assert err.value.code == "harvest.bad-option"
    with pytest.raises(HarvestError) as err:
        harvest(Options(outlet="tasnimnews", out=tmp_path / "x", rate=-1))
    assert err.value.code == "harvest.bad-option"
    with Server() as server:
        with pytest.raises(HarvestError) as err:       # nothing listens on port 9 of this machine
            harvest(Options(outlet="tasnimnews", out=tmp_path / "x", feeds=["http://127.0.0.1:9/feed.xml"],
                            retries=1, backoff=0.05, timeout=1, progress=False))
        assert err.value.code == "harvest.unreachable"
    done = subprocess.run([sys.executable, "-m", "khabar.cli", "harvest", "--outlet", "tasnimnews", "--rate", "-2",
                           "--out", str(tmp_path / "y")], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(REPO / "src")})
    assert done.returncode == 2 and "harvest.bad-option" in done.stderr and "Traceback" not in done.stderr


def test_no_address_off_this_machine_is_ever_asked():
    """With KHABAR_LOOPBACK_ONLY set (every test here), an address off this machine is refused
    before any connection is made."""
    fetcher = Fetcher(timeout=1, max_bytes=1000, allowed=lambda host: True)
    for url in ("http://192.0.2.1/", "http://10.0.0.1/feed", "http://[2001:db8::1]/"):
        with pytest.raises(FetchError) as err:
            fetcher.get(url)
        assert err.value.code == "harvest.not-loopback"


def test_a_snapshot_harvests_rebuilds_and_releases_without_moving_earlier_splits(tmp_path):
    """scripts/snapshot.py's work on a copy of the repository: the harvest goes under corpus/raw/harvest,
    corpus/inputs.toml reads it, the build adds the new articles, the CHANGELOG gets the new version
    with the counts, and every earlier record keeps its split."""
    import shutil

    from khabar.harvest.snapshot import HARVEST_DIR, snapshot

    clone = tmp_path / "clone"
    for rel in ("corpus/raw", "corpus/rights", "corpus/audits", "configs"):
        shutil.copytree(REPO / rel, clone / rel)
    for rel in ("corpus/inputs.toml", "corpus/splits.tsv", "corpus/manifest.json", "README.md", "CHANGELOG.md",
                "DATASHEET.md"):
        (clone / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / rel, clone / rel)
    ledger_before = (clone / "corpus/splits.tsv").read_text("utf-8").splitlines()
    with Server(crawl_delay=0, mixed=True) as server:
        done = snapshot(clone, dt.date(2025, 1, 1), dt.date(2025, 12, 31), ["tasnimnews"],
                        feeds={"tasnimnews": [f"{server.base}/feed.xml"]},
                        sitemaps={"tasnimnews": [f"{server.base}/sitemap-index.xml"]}, rate=0, today=dt.date(2026, 12, 2),
                        build_date=BUILD_DATE)
    assert done.harvests["tasnimnews"].fetched == len(REACHABLE) + 1          # + the slow page (no article: rejected)
    assert done.published["tasnimnews"] == done.before["tasnimnews"] + len(REACHABLE)
    assert list((clone / HARVEST_DIR / "tasnimnews").glob("*.warc.gz"))
    assert f'path = "{HARVEST_DIR}"' in (clone / "corpus/inputs.toml").read_text("utf-8")
    changelog = (clone / "CHANGELOG.md").read_text("utf-8")
    newest = changelog.split("\n## ")[1]
    assert newest.startswith(f"{done.version} — 2026-12-02") and done.version == "0.4.0"
    assert f"`tasnimnews` {done.published['tasnimnews']} (+{len(REACHABLE)})" in newest
    assert changelog.count("<!-- khabar:release -->") == 1 and "<!-- khabar:release -->" in newest
    before = (REPO / "CHANGELOG.md").read_text("utf-8")
    if "\n## Unreleased\n" in before:                        # the unreleased notes become the release's
        first_note = before.split("\n## Unreleased\n", 1)[1].strip().splitlines()[0]
        assert "## Unreleased" not in changelog and first_note in newest
    ledger_after = set((clone / "corpus/splits.tsv").read_text("utf-8").splitlines())
    assert all(line in ledger_after for line in ledger_before)                # earlier splits never move
    assert "Version **0.4.0** of 2026-12-02" in (clone / "README.md").read_text("utf-8")


def test_the_build_never_imports_the_harvester():
    code = ("import sys, khabar.pipeline, khabar.work, khabar.sources.warc, khabar.sources.webpage, khabar.verify; "
            "print(sorted(m for m in sys.modules if m.startswith(('khabar.harvest', 'requests', 'protego', 'feedparser'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr
