"""The takedown list: articles that must never be published, whatever the inputs hold.

``corpus/takedowns.jsonl`` holds one entry per line (``khabar takedown add`` writes it)::

    {"by": "url", "value": "https://…", "date": "2026-11-29", "reason": "publisher-request",
     "requested_by": "publisher", "scope": "record", "note": "…"}

* ``by``: ``url`` (the article's URL, in any of its forms: http or https, with or without
  ``www.``, a trailing slash, tracking parameters or percent-encoding; and, where the outlet's
  page rules read its article id from the URL, any URL of the same article), ``id`` (a record
  id) or ``sha256`` (the ``raw_sha256`` of the input: the content hash);
* ``reason``: ``publisher-request`` | ``personal-data`` | ``other``;
* ``requested_by``: who asked, as a category (``publisher`` | ``person`` | ``authority`` |
  ``maintainers`` | ``other``), never a name;
* ``scope``: ``record`` removes the matching record only; ``cluster`` removes its whole
  near-duplicate cluster (every copy of the story).

Every build applies the list before publishing and reports how many records each entry
removed (``corpus/reports/takedowns.json``: each entry by a short hash of its value, never the
value or the note) and says which matched nothing; a removed record's id leaves the split
ledger too. ``khabar verify`` fails if a published row matches an entry.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path
from typing import Any

from khabar.urls import url_key

FILE = "takedowns.jsonl"
BY = ("url", "id", "sha256")
REASONS = ("publisher-request", "personal-data", "other")
REQUESTERS = ("publisher", "person", "authority", "maintainers", "other")
SCOPES = ("record", "cluster")
_COLUMN = {"url": "url", "id": "id", "sha256": "raw_sha256"}


class TakedownError(Exception):
    """A malformed takedown entry; names the line and the key."""


@dataclasses.dataclass(frozen=True)
class Entry:
    by: str
    value: str
    date: str
    reason: str
    requested_by: str
    scope: str = "record"
    note: str = ""

    @property
    def key(self) -> str:
        return f"{self.by}:{self.value}"

    @property
    def ref(self) -> str:
        """How the published report names the entry: a hash of its key, not the URL or id it removes."""
        import hashlib

        return hashlib.sha256(self.key.encode("utf-8")).hexdigest()[:12]

    def public(self) -> dict[str, str]:
        """What the report publishes of the entry (the rights policy needs no more)."""
        return {"entry": self.ref, "by": self.by, "date": self.date, "reason": self.reason,
                "requested_by": self.requested_by, "scope": self.scope}

    def to_json(self) -> dict[str, str]:
        return {k: v for k, v in dataclasses.asdict(self).items() if v != ""}


def check_entry(data: dict[str, Any], where: str) -> Entry:
    known = {f.name for f in dataclasses.fields(Entry)}
    unknown = set(data) - known
    if unknown:
        raise TakedownError(f"{where}: unknown key(s) {sorted(unknown)}")
    for key, allowed in (("by", BY), ("reason", REASONS), ("requested_by", REQUESTERS), ("scope", SCOPES)):
        value = data.get(key, "record" if key == "scope" else None)
        if value not in allowed:
            raise TakedownError(f"{where}: {key} must be one of {', '.join(allowed)} (got {value!r})")
    if not isinstance(data.get("value"), str) or not data["value"].strip():
        raise TakedownError(f"{where}: value: the URL, id or sha256 to take down")
    try:
        dt.date.fromisoformat(str(data.get("date")))
    except ValueError:
        raise TakedownError(f"{where}: date: YYYY-MM-DD (got {data.get('date')!r})") from None
    if data["by"] == "sha256" and (len(data["value"]) != 64 or not all(c in "0123456789abcdef" for c in data["value"])):
        raise TakedownError(f"{where}: value: a sha256 is 64 lower-case hex digits")
    return Entry(**{**data, "value": data["value"].strip(), "scope": data.get("scope", "record")})


@dataclasses.dataclass
class Takedowns:
    entries: list[Entry]

    def __post_init__(self) -> None:
        self._index: dict[tuple[str, str], Entry] = {}
        for e in reversed(self.entries):          # the first entry wins
            if e.by == "url":
                key = url_key(e.value)
                if key is not None:
                    self._index[("url", key)] = e
                article = _article_of(e.value)
                if article is not None:
                    self._index[("article", article)] = e
            else:
                self._index[(e.by, e.value)] = e

    def match(self, record: dict[str, Any]) -> Entry | None:
        """The first entry a record matches (by URL in any form, the outlet's article id, record
        id or content hash), or None."""
        for by in BY:
            value = record.get(_COLUMN[by])
            if value is None:
                continue
            if by == "url":
                value = url_key(value)
                if value is None:
                    continue
            entry = self._index.get((by, value))
            if entry is not None:
                return entry
        if record.get("article_id") and record.get("source"):
            return self._index.get(("article", f"{record['source']}:{record['article_id']}"))
        return None


def _article_of(url: str) -> str | None:
    """``source:article id`` of an outlet's article URL, where the registry knows the host and the
    outlet's page rules read the id from it."""
    from khabar.registry import sources
    from khabar.sources.warc import Outlets
    from khabar.sources.webpage import page_rules

    source = Outlets(sources()).of(url, None)
    rules = page_rules().get(source) if source else None
    article_id = rules.article_id(url) if rules else None
    return f"{source}:{article_id}" if article_id else None


def path_of(root: Path) -> Path:
    return root / "corpus" / FILE


def load(root: Path) -> Takedowns:
    path = path_of(root)
    if not path.is_file():
        return Takedowns([])
    entries = []
    for n, raw in enumerate(path.read_bytes().split(b"\n"), start=1):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise TakedownError(f"{path}:{n}: not UTF-8 (a bad byte at offset {exc.start} of the line)") from None
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise TakedownError(f"{path}:{n}: not JSON ({exc.msg})") from None
        if not isinstance(data, dict):
            raise TakedownError(f"{path}:{n}: expected a JSON object")
        entries.append(check_entry(data, f"{path}:{n}"))
    return Takedowns(entries)


def add(root: Path, entry: Entry) -> bool:
    """Append an entry (False if the same by/value is listed already)."""
    listing = load(root)
    if any(e.by == entry.by and e.value == entry.value for e in listing.entries):
        return False
    path = path_of(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(entry.to_json(), ensure_ascii=False, sort_keys=True) + "\n")
    return True
