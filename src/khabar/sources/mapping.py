"""Declarative mappings: bring a new export shape by writing a TOML file, not code.

A mapping (``schema/mapping.schema.json``; guide in ``docs/MAPPINGS.md``) says
which field of a record is the title, lead, body, URL, categories and topics,
where the date is and how it is written (format or regular expression,
calendar), and which source the records belong to.  :func:`load_mapping`
checks the file against its schema and names the key at fault;
:meth:`Mapping.apply` turns one export record into a :class:`RawArticle`.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import json
import re
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema_rs

from khabar.dates import DateFormatError, DateLimits, ascii_digits, compile_format, date_from_groups
from khabar.errors import KhabarError
from khabar.paths import schema_dir
from khabar.record import PublicationDate, RawArticle, sha256_hex
from khabar.registry import Source
from khabar.sources.decode import check_persian
from khabar.validate import json_path


LANGUAGE_SAMPLE = 4000      # characters the language check reads: enough to tell, cheap on long articles


class MappingError(Exception):
    """A mapping file is malformed; the message names the file and the key at fault."""


@functools.cache
def _mapping_validator() -> Any:
    schema = json.loads((schema_dir() / "mapping.schema.json").read_text(encoding="utf-8"))
    return jsonschema_rs.validator_for(schema, validate_formats=True)


def _compile(path: Path, key: str, pattern: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise MappingError(f"{path}: {key}: not a regular expression: {exc}") from None


@dataclasses.dataclass(frozen=True)
class DateRule:
    field: str
    calendar: str
    regexes: tuple[re.Pattern[str], ...]
    whole: bool          # formats must match the whole value; patterns are searched
    century: int | None
    origin: str


@dataclasses.dataclass(frozen=True)
class Mapping:
    path: Path
    format: str
    fields: dict[str, Any]
    source: str | None = None
    source_by_host: dict[str, str] = dataclasses.field(default_factory=dict)
    source_by_value: dict[str, Any] | None = None
    encoding: str = "utf-8"
    delimiter: str = ","
    body_split: str = "blank-line"
    category_separator: str | None = None
    label_order: str = "breadcrumb"
    lead_prefix: re.Pattern[str] | None = None
    date: DateRule | None = None

    @property
    def name(self) -> str:
        return self.path.stem

    def columns(self) -> list[str]:
        """Every field the mapping reads (for checking a CSV header)."""
        cols: list[str] = []
        for value in self.fields.values():
            cols.extend(value if isinstance(value, list) else [value])
        if self.date:
            cols.append(self.date.field)
        if self.source_by_value:
            cols.append(self.source_by_value["field"])
        return list(dict.fromkeys(cols))

    def default_source(self) -> str:
        """The source counted for a file that cannot be read at all."""
        if self.source:
            return self.source
        values = sorted(set(self.source_by_host.values()))
        return values[0] if len(values) == 1 else f"mapping:{self.name}"

    # -- one record ---------------------------------------------------------------------------

    def source_of(self, record: dict[str, Any], url: str | None) -> str:
        if url and self.source_by_host:
            host = (urlsplit(url).hostname or "").lower().removeprefix("www.")
            if host in self.source_by_host:
                return self.source_by_host[host]
        if self.source_by_value:
            value = _scalar(record, self.source_by_value["field"])
            if value is not None and value.strip() in self.source_by_value["values"]:
                return self.source_by_value["values"][value.strip()]
        if self.source:
            return self.source
        detail = f"the URL {url!r}" if url else "a record without a URL"
        if self.source_by_value:
            detail += f" or its {self.source_by_value['field']!r} value"
        raise KhabarError("record.unknown-source", detail=detail)

    def apply(self, record: dict[str, Any], *, origin: str, registry: dict[str, Source],
              limits: DateLimits) -> RawArticle:
        url = _scalar(record, self.fields.get("url"))
        url = iri_safe(url.strip()) or None if url is not None else None
        source_key = self.source_of(record, url)
        if source_key not in registry:
            raise KhabarError("input.unknown-source", source=source_key, known=", ".join(sorted(registry)))
        source = registry[source_key]
        title = _scalar(record, self.fields.get("title"))
        lead = _scalar(record, self.fields.get("lead"))
        lead = lead.strip() if lead else lead
        paragraphs = self._paragraphs(record)
        check_persian("\n".join(x for x in [title, lead, *paragraphs] if x)[:LANGUAGE_SAMPLE])
        prefix = None
        if lead and self.lead_prefix:
            m = self.lead_prefix.match(lead)
            if m and m.end() < len(lead.strip()):
                prefix = lead[:m.end()]
        return RawArticle(
            source=source.key,
            origin=origin,
            raw_sha256=sha256_hex(json.dumps(record, ensure_ascii=False, sort_keys=True).encode("utf-8")),
            url=url,
            title=title.strip() if title and title.strip() else None,
            lead=lead.strip() if lead and lead.strip() else None,
            paragraphs=paragraphs,
            date=self._date(record, source, limits),
            categories=self._categories(record),
            topics=_labels(record, self.fields.get("topics")),
            label_order=self.label_order,
            lead_prefix=prefix,
        )

    def _paragraphs(self, record: dict[str, Any]) -> list[str]:
        name = self.fields.get("body")
        if name is None or record.get(name) is None:
            return []
        value = _listish(record[name], name)
        if isinstance(value, str):
            splitter = r"\n\s*\n" if self.body_split == "blank-line" else r"\n"
            value = re.split(splitter, value.replace("\r\n", "\n"))
        return [p.strip() for p in value if isinstance(p, str) and p.strip()]

    def _categories(self, record: dict[str, Any]) -> list[str]:
        names = self.fields.get("categories")
        if names is None:
            return []
        labels: list[str] = []
        for name in names if isinstance(names, list) else [names]:
            for label in _labels(record, name):
                parts = label.split(self.category_separator) if self.category_separator else [label]
                labels.extend(p.strip() for p in parts if p.strip())
        return labels

    def _date(self, record: dict[str, Any], source: Source, limits: DateLimits) -> PublicationDate | None:
        rule = self.date
        if rule is None:
            return None
        raw = _scalar(record, rule.field)
        if raw is None or not raw.strip():
            return None
        value = ascii_digits(raw.strip())
        for regex in rule.regexes:
            m = regex.fullmatch(value) if rule.whole else regex.search(value)
            if m:
                written = raw.strip() if rule.whole else (m.groupdict().get("raw") or m.group(0))
                return date_from_groups(m.groupdict(), calendar=rule.calendar, raw=written, origin=rule.origin,
                                        zone=source.timezone, limits=limits.for_source(source.founded),
                                        century=rule.century)
        raise KhabarError("date.impossible", raw=raw, reason=f"it does not fit the mapping's date {'formats' if rule.whole else 'patterns'}")


def _scalar(record: dict[str, Any], name: str | None) -> str | None:
    if name is None:
        return None
    value = record.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or isinstance(value, (list, dict)):
        raise KhabarError("layout.bad-record", detail=f"field {name!r} is a {type(value).__name__}, expected text")
    return str(value)


_NOT_IN_IRI = re.compile(r'[\x00-\x20\x7f<>"{}|\\^`]')


def iri_safe(url: str) -> str:
    """The URL with the characters an IRI (RFC 3987) forbids percent-encoded; Persian letters stay."""
    return _NOT_IN_IRI.sub(lambda m: "".join(f"%{b:02X}" for b in m.group().encode("utf-8")), url)


_REPR_LIST = re.compile(r"^\s*\[.*\]\s*$", re.DOTALL)


def _listish(value: Any, name: str) -> list[Any] | str:
    """A list, or the text of a Python/JSON list (as some scrapers store lists), or plain text."""
    if isinstance(value, list):
        return value
    if isinstance(value, str):
        if _REPR_LIST.match(value):
            try:
                parsed = ast.literal_eval(value.strip())
            except (ValueError, SyntaxError, MemoryError, RecursionError):
                parsed = None
            if isinstance(parsed, list):
                return parsed
        return value
    raise KhabarError("layout.bad-record", detail=f"field {name!r} is a {type(value).__name__}, expected text or a list")


def _labels(record: dict[str, Any], name: str | None) -> list[str]:
    if name is None or record.get(name) is None:
        return []
    value = _listish(record[name], name)
    items = [value] if isinstance(value, str) else value
    return [str(v).strip() for v in items if isinstance(v, (str, int)) and str(v).strip()]


def load_mapping(path: Path) -> Mapping:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise MappingError(f"{path}: no such mapping file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise MappingError(f"{path}: cannot be read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise MappingError(f"{path}: not valid TOML: {exc}") from None
    problems = [f"{json_path(e.instance_path)}: {e.message}" for e in _mapping_validator().iter_errors(data)]
    if problems:
        raise MappingError(f"{path}: " + "; ".join(problems))
    date = None
    if "date" in data:
        d = data["date"]
        try:
            if "formats" in d:
                regexes = tuple(compile_format(f) for f in d["formats"])
            else:
                regexes = tuple(_compile(path, "$.date.patterns", p) for p in d["patterns"])
        except DateFormatError as exc:
            raise MappingError(f"{path}: $.date.formats: {exc}") from None
        date = DateRule(field=d["field"], calendar=d["calendar"], regexes=regexes, whole="formats" in d,
                        century=d.get("century"), origin=d.get("origin", f"field {d['field']}"))
    return Mapping(
        path=path, format=data["format"], fields=data["fields"], source=data.get("source"),
        source_by_host={h.lower().removeprefix("www."): s for h, s in data.get("source_by_host", {}).items()},
        source_by_value=data.get("source_by_value"), encoding=data.get("encoding", "utf-8"),
        delimiter=data.get("delimiter", ","), body_split=data.get("body_split", "blank-line"),
        category_separator=data.get("category_separator"), label_order=data.get("label_order", "breadcrumb"),
        lead_prefix=_compile(path, "$.lead_prefix", data["lead_prefix"]) if "lead_prefix" in data else None,
        date=date,
    )
