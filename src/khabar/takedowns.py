"""The takedown list: articles that must never be published, whatever the inputs hold.

``corpus/takedowns.jsonl`` holds one entry per line (``khabar takedown add`` writes it)::

    {"by": "url", "value": "https://…", "date": "2026-11-29", "reason": "publisher-request",
     "requested_by": "publisher", "scope": "record", "note": "…"}

* ``by``: ``url`` (the article's URL as published), ``id`` (a record id) or ``sha256``
  (the ``raw_sha256`` of the input: the content hash);
* ``reason``: ``publisher-request`` | ``personal-data`` | ``other``;
* ``requested_by``: who asked, as a category (``publisher`` | ``person`` | ``authority`` |
  ``maintainers`` | ``other``), never a name;
* ``scope``: ``record`` removes the matching record only; ``cluster`` removes its whole
  near-duplicate cluster (every copy of the story).

Every build applies the list before publishing and reports how many records each entry
removed (``corpus/reports/takedowns.json``), entries that matched nothing included;
``khabar verify`` fails if a published row matches an entry.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path
from typing import Any

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
        self._index = {(e.by, e.value): e for e in self.entries}

    def match(self, record: dict[str, Any]) -> Entry | None:
        """The first entry a record matches (by URL, id or content hash), or None."""
        for by in BY:
            value = record.get(_COLUMN[by])
            if value is not None:
                entry = self._index.get((by, value))
                if entry is not None:
                    return entry
        return None


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
