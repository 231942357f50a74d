"""``khabar harvest``: an outlet's new articles, from its feeds and sitemaps, into WARC files
that the build reads as they are (docs/HARVEST.md). The build never imports this package.

    discover (feeds, sitemaps: discover.py) -> robots and rate (polite.py) -> fetch (fetch.py)
      -> WARC out (warcout.py), with what was seen, fetched and failed kept in state.py

A page is fetched once; a killed harvest resumes where it stopped; a second run with nothing
new asks only for the feeds and sitemaps (conditionally). Only outlets whose licence allows
redistribution are harvested unless ``research_only`` is said.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import random
import sys
import time
from pathlib import Path
from typing import Any

from tqdm import tqdm

from khabar.harvest import discover, polite
from khabar.harvest.fetch import ROBOTS_AGENT, Fetcher, FetchError, Response
from khabar.harvest.state import State
from khabar.harvest.urls import canonical, host_key
from khabar.harvest.warcout import WarcOut, recover

HTML = ("text/html", "application/xhtml+xml")
SYNC_PAGES, SYNC_SECONDS = 64, 2.0       # how often fetched pages are put on disk and marked (a group commit)


class HarvestError(Exception):
    """The harvest cannot start or cannot discover anything: ``code`` is a harvest.* code."""

    def __init__(self, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.code = code


@dataclasses.dataclass
class Options:
    outlet: str
    out: Path
    feeds: list[str] = dataclasses.field(default_factory=list)
    sitemaps: list[str] = dataclasses.field(default_factory=list)
    since: dt.date | None = None
    until: dt.date | None = None
    max_pages: int | None = None
    rate: float = 1.0                     # requests per second per host; 0: no limit of ours (robots.txt still rules)
    research_only: bool = False
    dry_run: bool = False
    timeout: float = 20.0
    max_bytes: int = 10 * 2**20
    retries: int = 3
    backoff: float = 1.0                  # seconds; doubled at each retry, with jitter
    warc_bytes: int = 1 << 30
    retry_failed: bool = False
    progress: bool | None = None
    seed: int | None = None               # the jitter's seed (tests)

    def recorded(self) -> dict[str, Any]:
        """The options as the warcinfo record names them."""
        return {k: (str(v) if isinstance(v, (Path, dt.date)) else v) for k, v in dataclasses.asdict(self).items()
                if k not in ("progress", "seed")}


@dataclasses.dataclass
class Summary:
    outlet: str
    discovered: int = 0                   # new article URLs found this run
    listed: int = 0                       # article URLs the feeds and sitemaps listed
    fetched: int = 0
    bytes: int = 0
    requests: collections.Counter[str] = dataclasses.field(default_factory=collections.Counter)   # by kind
    failed: collections.Counter[str] = dataclasses.field(default_factory=collections.Counter)     # by code
    skipped: collections.Counter[str] = dataclasses.field(default_factory=collections.Counter)    # by reason
    not_modified: int = 0
    would_fetch: list[str] = dataclasses.field(default_factory=list)
    files: list[str] = dataclasses.field(default_factory=list)
    seconds: float = 0.0

    def text(self) -> str:
        rate = self.fetched / self.seconds if self.seconds else 0.0
        lines = [f"harvest of {self.outlet}: {self.fetched} page(s) fetched ({self.bytes / 1e6:.1f} MB) in "
                 f"{self.seconds:.1f} s ({rate:.2f} pages/s); {self.discovered} new URL(s) of {self.listed} listed; "
                 f"requests: " + ", ".join(f"{k} {n}" for k, n in sorted(self.requests.items()))]
        if self.not_modified:
            lines.append(f"not modified since the last run (304): {self.not_modified}")
        if self.skipped:
            lines.append("skipped: " + ", ".join(f"{k} {n}" for k, n in sorted(self.skipped.items())))
        if self.failed:
            lines.append("failed: " + ", ".join(f"{k} {n}" for k, n in sorted(self.failed.items())))
        if self.files:
            lines.append("WARC files: " + ", ".join(self.files))
        return "\n".join(lines)


class Harvester:
    def __init__(self, opts: Options):
        from khabar.registry import sources
        from khabar.sources.webpage import page_rules

        registry = sources()
        if opts.outlet not in registry:
            raise HarvestError("harvest.bad-option", f"--outlet {opts.outlet!r} is not in schema/sources.yaml "
                                                     f"(known: {', '.join(sorted(registry))})")
        self.source = registry[opts.outlet]
        if not self.source.open and not opts.research_only:
            raise HarvestError("harvest.not-open", f"{opts.outlet} is licensed {self.source.license} "
                                                   f"({self.source.redistribution}): harvest it only with --research-only, "
                                                   "for a build of your own (--output); the repository's dataset never "
                                                   "publishes it")
        self.rules = page_rules().get(opts.outlet)
        if self.rules is None:
            raise HarvestError("harvest.bad-option", f"{opts.outlet} has no page rules in schema/pages.yaml: its "
                                                     "article URLs cannot be told from other pages")
        if opts.rate < 0 or (opts.max_pages is not None and opts.max_pages < 0) or opts.timeout <= 0:
            raise HarvestError("harvest.bad-option", "--rate and --max-pages must be 0 or more, --timeout above 0")
        if opts.since and opts.until and opts.since > opts.until:
            raise HarvestError("harvest.bad-option", f"--since {opts.since} is after --until {opts.until}")
        self.opts = opts
        given = [u for u in opts.feeds + opts.sitemaps]
        for url in given:
            if canonical(url) is None:
                raise HarvestError("harvest.bad-option", f"{url!r} is not an http(s) URL")
        self.hosts = set(self.source.hosts) | {host_key(canonical(u) or u) for u in given}
        self.rng = random.Random(opts.seed)
        self.clock = polite.HostClock()
        self.robots: dict[str, polite.Robots] = {}
        self.failures: collections.Counter[str] = collections.Counter()
        self.stopped: set[str] = set()
        self.summary = Summary(opts.outlet)
        self.fetcher = Fetcher(timeout=opts.timeout, max_bytes=opts.max_bytes, allowed=self.allowed)

    # -- where a harvest may go ----------------------------------------------------------------

    def allowed(self, host: str) -> bool:
        """A host of the outlet (or a subdomain), or one of the feeds and sitemaps given."""
        name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
        return host in self.hosts or self.source.owns(name)

    def _robots(self, url: str) -> polite.Robots:
        host = host_key(url)
        if host not in self.robots:
            scheme = url.split(":", 1)[0]
            try:
                response = self._request(f"{scheme}://{host}/robots.txt", "robots", check_robots=False)
                self.robots[host] = polite.robots_from(response.status, response.decoded(self.opts.max_bytes)
                                                       .decode("utf-8", "replace"))
            except FetchError as err:
                self.robots[host] = polite.robots_from(err.status or None, "")
        return self.robots[host]

    def _interval(self, url: str, check_robots: bool = True) -> float:
        ours = 1 / self.opts.rate if self.opts.rate > 0 else 0.0
        if not check_robots:
            return ours
        return max(ours, self._robots(url).delay(ROBOTS_AGENT))

    # -- one polite request, with retries ------------------------------------------------------

    def _request(self, url: str, kind: str, headers: dict[str, str] | None = None,
                 check_robots: bool = True) -> Response:
        host = host_key(url)
        if host in self.stopped:
            raise FetchError("harvest.host-stopped", f"{host} failed {polite.CONSECUTIVE_FAILURES} times in a row; "
                                                     "left alone for this run")
        if check_robots and not self._robots(url).allowed(url, ROBOTS_AGENT):
            raise FetchError("harvest.disallowed", f"{url}: robots.txt of {host} disallows it")
        interval = self._interval(url, check_robots)
        for attempt in range(self.opts.retries + 1):
            self.clock.wait(host, interval)
            self.summary.requests[kind] += 1
            try:
                response = self.fetcher.get(url, headers, pace=lambda hop: self._pace(hop, kind))
            except FetchError as err:
                if not err.retry or attempt == self.opts.retries:
                    self._failed(host, err.retry)
                    raise
                self.clock.hold(host, polite.backoff(attempt, self.opts.backoff, self.rng))
                continue
            if response.status == 429 or response.status >= 500:
                wait = polite.retry_after(response.header("Retry-After"))
                if wait is not None and wait > polite.MAX_WAIT:
                    self.stopped.add(host)
                    raise FetchError("harvest.host-stopped", f"{host} asks to wait {wait:.0f} s (Retry-After): "
                                                             "left alone for this run", status=response.status)
                if attempt == self.opts.retries:
                    self._failed(host, True)
                    raise FetchError("harvest.http-error", f"{url}: HTTP {response.status} after "
                                                           f"{attempt + 1} tries", status=response.status)
                self.clock.hold(host, max(wait or 0.0, polite.backoff(attempt, self.opts.backoff, self.rng)))
                continue
            self.failures[host] = 0
            return response
        raise AssertionError("unreachable")

    def _pace(self, url: str, kind: str) -> None:
        """A redirect's request: the same host clock, counted."""
        self.clock.wait(host_key(url), self._interval(url))
        self.summary.requests[kind] += 1

    def _failed(self, host: str, transient: bool) -> None:
        if transient:
            self.failures[host] += 1
            if self.failures[host] >= polite.CONSECUTIVE_FAILURES:
                self.stopped.add(host)

    # -- discovery -------------------------------------------------------------------------------

    def _listing(self, url: str, kind: str, state: State) -> bytes | None:
        etag, modified = state.validators(url)
        headers = {k: v for k, v in (("If-None-Match", etag), ("If-Modified-Since", modified)) if v}
        response = self._request(url, kind, headers)
        if response.status == 304:
            self.summary.not_modified += 1
            return None
        if response.status != 200:
            raise FetchError("harvest.http-error", f"{url}: HTTP {response.status}", status=response.status)
        body = response.decoded(self.opts.max_bytes)
        state.set_validators(url, response.header("ETag"), response.header("Last-Modified"))
        return body

    def _consider(self, listed: discover.Listed, found_in: str, state: State) -> None:
        url = canonical(listed.url)
        self.summary.listed += 1
        if url is None or not self.allowed(host_key(url)):
            self.summary.skipped["off-host"] += 1
        elif not self.rules.is_article(url):
            self.summary.skipped["not-article"] += 1
        elif not discover.in_period(listed.date, self.opts.since, self.opts.until):
            self.summary.skipped["out-of-period"] += 1
        elif state.add(url, self.opts.outlet, found_in, listed.date.isoformat() if listed.date else None):
            self.summary.discovered += 1

    def discover(self, state: State) -> None:
        explicit = bool(self.opts.feeds or self.opts.sitemaps)
        feeds = self.opts.feeds if explicit else list(self.source.feeds)
        sitemaps = list(self.opts.sitemaps)
        if not explicit:
            sitemaps = self._robots(self.source.homepage).sitemaps
        reached = 0
        for feed in feeds:
            try:
                body = self._listing(feed, "feed", state)
                reached += 1
            except FetchError as err:
                self.summary.failed[err.code] += 1
                print(f"khabar harvest: feed {feed}: {err.code}: {err.detail}", file=sys.stderr)
                continue
            for listed in discover.feed_entries(body) if body is not None else []:
                self._consider(listed, feed, state)
        queue = list(sitemaps)
        while queue:
            url = queue.pop(0)
            try:
                body = self._listing(url, "sitemap", state)
                reached += 1
                found = discover.sitemap(body, self.opts.max_bytes) if body is not None else None
            except FetchError as err:
                self.summary.failed[err.code] += 1
                print(f"khabar harvest: sitemap {url}: {err.code}: {err.detail}", file=sys.stderr)
                continue
            except (ValueError, SyntaxError) as exc:           # lxml's XMLSyntaxError is a SyntaxError
                self.summary.failed["harvest.bad-sitemap"] += 1
                print(f"khabar harvest: sitemap {url}: harvest.bad-sitemap: {exc}", file=sys.stderr)
                continue
            if found is None:
                continue
            for child in found.children:
                if child.date is None or self.opts.since is None or child.date >= self.opts.since:
                    queue.append(child.url)
                else:
                    self.summary.skipped["sitemap-out-of-period"] += 1
            for listed in found.pages:
                self._consider(listed, url, state)
        if feeds + sitemaps and not reached:
            raise HarvestError("harvest.unreachable", "no feed or sitemap could be read: " +
                               ", ".join(f"{k} {n}" for k, n in self.summary.failed.items()))

    # -- pages -------------------------------------------------------------------------------------

    def fetch_pages(self, state: State, pending: list[str], warc: WarcOut) -> None:
        """Fetch the pages; each is marked fetched once its records are synced to disk (every
        :data:`SYNC_PAGES` pages or :data:`SYNC_SECONDS`, and at the end: a group commit)."""
        unsynced: list[str] = []
        last = time.monotonic()

        def sync() -> None:
            nonlocal last
            warc.sync()
            state.fetched(unsynced)
            unsynced.clear()
            last = time.monotonic()

        bar = tqdm(total=len(pending), desc=f"harvest {self.opts.outlet}", unit="page",
                   disable=None if self.opts.progress is None else not self.opts.progress)
        try:
            for url in pending:
                try:
                    response = self._request(url, "page")
                    if response.status != 200:
                        raise FetchError("harvest.http-error", f"{url}: HTTP {response.status}", status=response.status)
                    kind = (response.header("Content-Type") or "").split(";")[0].strip().lower()
                    if kind not in HTML:
                        raise FetchError("harvest.not-html", f"{url}: {kind or 'no Content-Type'}")
                    response.decoded(self.opts.max_bytes)           # a compression bomb is refused here
                    warc.write(response)
                    unsynced.append(url)
                    self.summary.fetched += 1
                    self.summary.bytes += len(response.body)
                except FetchError as err:
                    state.failed(url, err.code, err.detail)
                    self.summary.failed[err.code] += 1
                if len(unsynced) >= SYNC_PAGES or time.monotonic() - last >= SYNC_SECONDS:
                    sync()
                bar.update(1)
                bar.set_postfix(MB=f"{self.summary.bytes / 1e6:.1f}", errors=sum(self.summary.failed.values()))
        finally:                  # (also on Ctrl-C: what is written is marked, so never fetched again)
            sync()
            bar.close()


def harvest(opts: Options) -> Summary:
    """Run one harvest (or, with ``dry_run``, list what it would fetch)."""
    t0 = time.monotonic()
    harvester = Harvester(opts)
    opts.out.mkdir(parents=True, exist_ok=True)
    state = State(opts.out)
    try:
        files, urls = recover(opts.out)                     # what a killed run left: closed, its pages known
        state.fetched(urls)
        harvester.summary.files += [str(f) for f in files]
        if opts.retry_failed:
            state.retry_failed(opts.outlet)
        harvester.discover(state)
        pending = state.pending(opts.outlet)
        if opts.max_pages is not None:
            pending = pending[:opts.max_pages]
        if opts.dry_run:
            harvester.summary.would_fetch = [u for u in pending if harvester._robots(u).allowed(u, ROBOTS_AGENT)]
            return harvester.summary
        warc = WarcOut(opts.out, opts.outlet, opts.recorded(), opts.warc_bytes)
        try:
            harvester.fetch_pages(state, pending, warc)
        finally:
            warc.close()
            harvester.summary.files += [str(p) for p in warc.closed]
        return harvester.summary
    finally:
        harvester.summary.seconds = time.monotonic() - t0
        harvester.fetcher.close()
        state.close()
