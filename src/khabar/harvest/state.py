"""What a harvest has seen, fetched and failed: a small SQLite file beside the WARC files.

A page is fetched once: a killed harvest resumes with what it had not fetched, and a second
run with nothing new fetches only the feeds and sitemaps (conditionally: their ETag and
Last-Modified are kept here). A page is marked fetched only after its record is in a WARC
file on disk (and a WARC file left open by a killed run is reconciled before anything else).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

from khabar.sources.warc import HARVEST_STATE

SCHEMA = """
CREATE TABLE IF NOT EXISTS pages (
    url TEXT PRIMARY KEY,
    outlet TEXT NOT NULL,
    found_in TEXT,
    lastmod TEXT,
    status TEXT NOT NULL DEFAULT 'seen',      -- seen | fetched | failed
    code TEXT,                                 -- the failure's code (harvest.*), if failed
    detail TEXT,
    updated TEXT
);
CREATE TABLE IF NOT EXISTS validators (
    url TEXT PRIMARY KEY,
    etag TEXT,
    last_modified TEXT
);
"""


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class State:
    FILE = HARVEST_STATE

    def __init__(self, folder: Path):
        self.path = folder / self.FILE
        self.db = sqlite3.connect(self.path)
        self.db.execute("PRAGMA journal_mode=WAL")       # commits without an fsync each (the WARC file is synced first)
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(SCHEMA)
        self.db.commit()

    def close(self) -> None:
        self.db.close()

    def add(self, url: str, outlet: str, found_in: str, lastmod: str | None) -> bool:
        """Record a discovered page; False if it was known already."""
        cur = self.db.execute("INSERT OR IGNORE INTO pages (url, outlet, found_in, lastmod, updated) VALUES (?,?,?,?,?)",
                              (url, outlet, found_in, lastmod, _now()))
        self.db.commit()
        return cur.rowcount == 1

    def known(self, url: str) -> bool:
        return self.db.execute("SELECT 1 FROM pages WHERE url = ?", (url,)).fetchone() is not None

    def pending(self, outlet: str) -> list[str]:
        """Pages seen and neither fetched nor failed, in the order they were found."""
        return [r[0] for r in self.db.execute(
            "SELECT url FROM pages WHERE outlet = ? AND status = 'seen' ORDER BY rowid", (outlet,))]

    def fetched(self, urls: list[str]) -> None:
        self.db.executemany("UPDATE pages SET status = 'fetched', code = NULL, detail = NULL, updated = ? WHERE url = ?",
                            [(_now(), u) for u in urls])
        self.db.commit()

    def failed(self, url: str, code: str, detail: str) -> None:
        self.db.execute("UPDATE pages SET status = 'failed', code = ?, detail = ?, updated = ? WHERE url = ?",
                        (code, detail[:500], _now(), url))
        self.db.commit()

    def retry_failed(self, outlet: str) -> int:
        cur = self.db.execute("UPDATE pages SET status = 'seen', code = NULL WHERE outlet = ? AND status = 'failed'",
                              (outlet,))
        self.db.commit()
        return cur.rowcount

    def counts(self, outlet: str) -> dict[str, int]:
        return {status: n for status, n in self.db.execute(
            "SELECT status, COUNT(*) FROM pages WHERE outlet = ? GROUP BY status", (outlet,))}

    def validators(self, url: str) -> tuple[str | None, str | None]:
        row = self.db.execute("SELECT etag, last_modified FROM validators WHERE url = ?", (url,)).fetchone()
        return (row[0], row[1]) if row else (None, None)

    def set_validators(self, url: str, etag: str | None, last_modified: str | None) -> None:
        self.db.execute("INSERT OR REPLACE INTO validators (url, etag, last_modified) VALUES (?,?,?)",
                        (url, etag, last_modified))
        self.db.commit()
