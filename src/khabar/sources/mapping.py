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
import codecs
import dataclasses
import functools
import json
import re
import tomllib
from pathlib import Path
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import jsonschema_rs

from khabar.dates import DateFormatError, DateLimits, ascii_digits, compile_format, date_from_groups
from khabar.errors import KhabarError
from khabar.paths import schema_dir
from khabar.record import PublicationDate, RawArticle, raw_json, sha256_hex
from khabar.registry import RegistryError, Source, make_source
from khabar.sources import html
from khabar.sources.decode import LANGUAGE_SAMPLE, check_persian
from khabar.validate import json_path




class MappingError(Exception):
    """A mapping file is malformed; the message names the file and the key at fault."""


@functools.cache
def _mapping_validator() -> Any:
    schema = json.loads((schema_dir() / "mapping.schema.json").read_text(encoding="utf-8"))
    return jsonschema_rs.validator_for(schema, validate_formats=True)


PATTERN_SECONDS = 0.5      # the longest a mapping's pattern may take on one value


class TimedPattern:
    """A mapping's regular expression, run with a time limit (the ``regex`` module's timeout): a
    pattern that backtracks catastrophically on a value, ``(a|a)+`` or ``^(\\s*\\S*)*x``, costs
    that record a coded reject, never a hung build."""

    def __init__(self, key: str, pattern: str):
        import regex

        self.key = key
        self._compiled = regex.compile(pattern)
        self.groupindex = self._compiled.groupindex

    def _run(self, how: str, text: str) -> Any:
        try:
            return getattr(self._compiled, how)(text, timeout=PATTERN_SECONDS)
        except TimeoutError:
            raise KhabarError("layout.bad-record", detail=f"the mapping's {self.key} pattern ran over "
                                                          f"{PATTERN_SECONDS} s on this record's value (catastrophic "
                                                          "backtracking): simplify the pattern") from None

    def match(self, text: str) -> Any:
        return self._run("match", text)

    def search(self, text: str) -> Any:
        return self._run("search", text)

    def fullmatch(self, text: str) -> Any:
        return self._run("fullmatch", text)


def _compile(path: Path, key: str, pattern: str) -> Any:
    import regex

    try:
        return TimedPattern(key.removeprefix("$."), pattern)
    except (regex.error, re.error) as exc:
        raise MappingError(f"{path}: {key}: not a regular expression: {exc}") from None


@dataclasses.dataclass(frozen=True)
class DateRule:
    field: str
    calendar: str
    regexes: tuple[re.Pattern[str], ...]
    whole: bool          # formats must match the whole value; patterns are searched
    century: int | None
    origin: str
    written: tuple[str, ...] = ()     # the formats or patterns as the mapping writes them (for messages)


@dataclasses.dataclass(frozen=True)
class ArticleIdRule:
    field: str
    pattern: re.Pattern[str] | None     # searched in the field; its group ``id`` is the id


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
    sheet: str | None = None                       # xlsx: the sheet to read (default: the first)
    separator: str | None = None                   # lines: the field separator
    line_columns: tuple[str, ...] = ()             # lines: the names of a line's fields, in order
    html: frozenset[str] = frozenset()             # fields that hold HTML
    decode_entities: bool = False                  # decode character references (&#x6F1;) in every field
    ignore: tuple[str, ...] = ()                   # fields left unread on purpose (e.g. machine-written titles)
    article_id: ArticleIdRule | None = None
    host_field: str | None = None                  # the field whose URL or domain tells the outlet
    markdown: frozenset[str] = frozenset()         # fields that hold Markdown (hard wraps, **bold**, links)
    paragraph_separator: str | None = None         # a literal paragraph mark in a body held as one text ('[n]')
    outlet: Source | None = None                   # an outlet the mapping declares inline ([outlet])
    topic_separator: str | None = None             # cut each topics value at this separator

    @property
    def name(self) -> str:
        return self.path.stem

    def columns(self) -> list[str]:
        """Every field the mapping reads (for checking a CSV or Excel header)."""
        cols: list[str] = []
        for value in self.fields.values():
            cols.extend(value if isinstance(value, list) else [value])
        if self.date:
            cols.append(self.date.field)
        if self.source_by_value:
            cols.append(self.source_by_value["field"])
        if self.article_id:
            cols.append(self.article_id.field)
        if self.host_field:
            cols.append(self.host_field)
        return list(dict.fromkeys(cols))

    def read(self, raw: bytes, file_name: str, lazy: bool = False) -> Iterator[Any]:
        """The records of one export file of this mapping's format (see :mod:`khabar.sources.exports`);
        ``lazy``: a JSON Lines record as its line, parsed where it is worked on."""
        from khabar.sources import exports

        stem = file_name.rsplit(".", 1)[0] if "." in file_name.lstrip(".") else file_name
        if self.format == "csv":
            return exports.read_csv(raw, self.encoding, self.delimiter, self.columns())
        if self.format == "xlsx":
            return exports.read_xlsx(raw, self.sheet, self.columns())
        if self.format == "lines":
            assert self.separator is not None
            return exports.read_lines(raw, stem, self.separator, list(self.line_columns), self.encoding)
        if self.format == "text-file":
            return exports.read_text_file(raw, stem, self.encoding)
        if self.format == "jsonl":
            return exports.read_jsonl(raw, self.encoding, lazy)
        return exports.read_json(raw, self.encoding)

    def source_keys(self) -> set[str]:
        """Every source key the mapping may give a record."""
        keys = set(self.source_by_host.values())
        if self.source:
            keys.add(self.source)
        if self.source_by_value:
            keys.update(self.source_by_value["values"].values())
        return keys

    def registry(self, known: dict[str, Source]) -> dict[str, Source]:
        """``known`` with the mapping's inline outlet."""
        return known if self.outlet is None else {**known, self.outlet.key: self.outlet}

    def default_source(self) -> str:
        """The source counted for a file that cannot be read at all."""
        if self.source:
            return self.source
        values = sorted(set(self.source_by_host.values()))
        return values[0] if len(values) == 1 else f"mapping:{self.name}"

    # -- one record ---------------------------------------------------------------------------

    def source_of(self, record: dict[str, Any], url: str | None) -> str:
        if self.host_field:
            url = self._text(record, self.host_field)
        if url and self.source_by_host:
            host = host_of(url)
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

    def _text(self, record: dict[str, Any], name: str | None, prose: bool = False) -> str | None:
        """A field's text: character references decoded and HTML read as the mapping says.
        ``prose``: the field is text of the article (title, lead), so a number is no value for it."""
        found = record.get(name) if name else None
        if prose and isinstance(found, (int, float)) and not isinstance(found, bool):
            raise KhabarError("layout.bad-record", detail=f"field {name!r} is a number ({found!r}), expected text")
        value = _scalar(record, name)
        if value is None:
            return None
        if name in self.html:
            return html.text(value)
        if name in self.markdown:
            return html.text(html.from_markdown(value))
        return html.unescape(value) if self.decode_entities else value

    def _article_id(self, record: dict[str, Any]) -> str | None:
        rule = self.article_id
        if rule is None:
            return None
        value = self._text(record, rule.field)
        if value is None:
            return None
        value = ascii_digits(value.strip())
        if rule.pattern is not None:
            m = rule.pattern.search(value)
            value = m.group("id") if m else ""
        return value if _ARTICLE_ID.fullmatch(value) else None

    def apply(self, record: dict[str, Any], *, origin: str, registry: dict[str, Source],
              limits: DateLimits) -> RawArticle:
        url = self._text(record, self.fields.get("url"))
        url = iri_safe(url.strip()) or None if url is not None else None
        if url and ":" in url.split("/")[0] and url.split(":")[0].lower() not in ("http", "https"):
            raise KhabarError("layout.bad-record", detail=f"the url {url[:60]!r} is not a web address (http or https)")
        source_key = self.source_of(record, url)
        if source_key not in registry:
            raise KhabarError("input.unknown-source", source=source_key, known=", ".join(sorted(registry)))
        source = registry[source_key]
        title = self._text(record, self.fields.get("title"), prose=True)
        lead = self._text(record, self.fields.get("lead"), prose=True)
        paragraphs = self._paragraphs(record)
        if not any(x and x.strip() for x in [title, lead, *paragraphs]):
            raise KhabarError("layout.empty-record")
        check_persian("\n".join(x for x in [title, lead, *paragraphs] if x)[:LANGUAGE_SAMPLE])
        prefix = None
        if lead and self.lead_prefix:
            m = self.lead_prefix.match(lead.lstrip())
            if m:                  # a lead that is only the dateline is no lead
                prefix = lead[:len(lead) - len(lead.lstrip()) + m.end()]
        return RawArticle(
            source=source.key,
            origin=origin,
            raw_sha256=sha256_hex(raw_json(record)),
            url=url,
            title=title if title and title.strip() else None,       # as received: assemble normalizes
            lead=lead if lead and lead.strip() else None,
            paragraphs=paragraphs,
            date=self._date(record, source, limits),
            categories=self._categories(record),
            topics=self._topics(record),
            label_order=self.label_order,
            lead_prefix=prefix,
            article_id=self._article_id(record),
        )

    def _paragraphs(self, record: dict[str, Any]) -> list[str]:
        name = self.fields.get("body")
        if name is None or record.get(name) is None:
            return []
        if name in self.html or name in self.markdown:
            value = _scalar(record, name) or ""
            if name in self.markdown:
                value = html.from_markdown(value)
            return [p for p in html.paragraphs(value) if p.strip()]
        value = _listish(record[name], name)
        if isinstance(value, str):
            if self.decode_entities:
                value = html.unescape(value)
            if self.paragraph_separator is not None:
                value = value.split(self.paragraph_separator)
            else:
                splitter = r"\n\s*\n" if self.body_split == "blank-line" else r"\n"
                value = re.split(splitter, value.replace("\r\n", "\n").replace("\r", "\n"))
        odd = [type(p).__name__ for p in value if p is not None and not isinstance(p, str)]
        if odd:                             # a body item that is not text is no paragraph: say so, never drop it
            raise KhabarError("layout.bad-record", detail=f"field {name!r} holds {len(odd)} item(s) that are not text "
                                                          f"({', '.join(sorted(set(odd)))}), expected a list of paragraphs")
        return [p.strip() for p in value if isinstance(p, str) and p.strip()]

    def _topics(self, record: dict[str, Any]) -> list[str]:
        labels = _labels(record, self.fields.get("topics"))
        if self.decode_entities:
            labels = [html.unescape(label) for label in labels]
        if self.topic_separator:
            labels = [p.strip() for label in labels for p in label.split(self.topic_separator)]
        return [label for label in labels if label]

    def _categories(self, record: dict[str, Any]) -> list[str]:
        names = self.fields.get("categories")
        if names is None:
            return []
        labels: list[str] = []
        for name in names if isinstance(names, list) else [names]:
            for label in _labels(record, name):
                label = html.unescape(label) if self.decode_entities else label
                parts = label.split(self.category_separator) if self.category_separator else [label]
                labels.extend(p.strip() for p in parts if p.strip())
        return labels

    def _date(self, record: dict[str, Any], source: Source, limits: DateLimits) -> PublicationDate | None:
        rule = self.date
        if rule is None:
            return None
        raw = self._text(record, rule.field)
        if raw is None or not raw.strip():
            return None
        value = ascii_digits(raw.strip())
        for regex in rule.regexes:
            m = regex.fullmatch(value) if rule.whole else regex.search(value)
            if m:
                original = raw.strip()          # ascii_digits keeps lengths: the span reads the digits as written
                span = m.span("raw") if "raw" in m.groupdict() and m.group("raw") else m.span()
                written = original if rule.whole else original[span[0]:span[1]]
                return date_from_groups(m.groupdict(), calendar=rule.calendar, raw=written, origin=rule.origin,
                                        zone=source.timezone, limits=limits.for_source(source.founded),
                                        century=rule.century)
        what = "formats" if rule.whole else "patterns"
        shown = ", ".join(repr(x) for x in (rule.written or ())) or "(none)"
        raise KhabarError("date.unmatched", raw=raw, what=what, written=shown, field=rule.field)


def _scalar(record: dict[str, Any], name: str | None) -> str | None:
    if name is None:
        return None
    value = record.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or isinstance(value, (list, dict)):
        raise KhabarError("layout.bad-record", detail=f"field {name!r} is a {type(value).__name__}, expected text")
    return str(value)


_ARTICLE_ID = re.compile(r"[0-9A-Za-z_-]{1,64}")


def host_of(value: str) -> str:
    """The host of a URL, or of a bare domain (``mehrnews.com``), lower-case and without ``www.``."""
    value = value.strip()
    host = urlsplit(value).hostname if "//" in value else value.split("/")[0]
    return (host or "").lower().removeprefix("www.")


_NOT_IN_IRI = re.compile(r'[\x00-\x20\x7f<>"{}|\\^`]')


def iri_safe(url: str) -> str:
    """The URL with the characters an IRI (RFC 3987) forbids percent-encoded; Persian letters stay."""
    return _NOT_IN_IRI.sub(lambda m: "".join(f"%{b:02X}" for b in m.group().encode("utf-8")), url)


_REPR_LIST = re.compile(r"^\s*\[.*\]\s*$", re.DOTALL)
LITERAL_LIMIT = 2_000_000          # characters of a list literal parsed (ast.literal_eval costs ~200x that in memory)


def _listish(value: Any, name: str) -> list[Any] | str:
    """A list, or the text of a Python/JSON list (as some scrapers store lists), or plain text."""
    if isinstance(value, list):
        return value
    if isinstance(value, str):
        if len(value) > LITERAL_LIMIT and value.lstrip().startswith("["):
            raise KhabarError("layout.bad-record", detail=f"field {name!r} is a list literal of {len(value)} characters, "
                                                          f"over the {LITERAL_LIMIT} this reader parses")
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
        if path.exists() and (not path.is_file() or path.stat().st_size > 4 * 2**20):
            raise MappingError(f"{path}: not a regular file of at most 4 MiB (a FIFO, a device, a folder?)")
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
    try:
        codecs.lookup(data.get("encoding", "utf-8"))
    except LookupError:
        raise MappingError(f"{path}: $.encoding: {data['encoding']!r} is not an encoding Python knows "
                           "(e.g. utf-8, cp1256, utf-16)") from None
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
                        century=d.get("century"), origin=d.get("origin", f"field {d['field']}"),
                        written=tuple(d.get("formats") or d.get("patterns") or ()))
    article_id = None
    if "article_id" in data:
        a = data["article_id"]
        article_id = ArticleIdRule(field=a["field"], pattern=_compile(path, "$.article_id.pattern", a["pattern"])
                                   if "pattern" in a else None)
        if article_id.pattern is not None and "id" not in article_id.pattern.groupindex:
            raise MappingError(f"{path}: $.article_id.pattern: needs a group named id, (?P<id>...)")
    used = set()
    for value in data["fields"].values():
        used.update(value if isinstance(value, list) else [value])
    clash = sorted(used & set(data.get("ignore", [])))
    if clash:
        raise MappingError(f"{path}: $.ignore: {clash} are also read by [fields]; a field is read or ignored, not both")
    if data["format"] == "lines" and not {"separator", "columns"} <= set(data):
        raise MappingError(f"{path}: format = \"lines\" needs separator and columns (the names of a line's fields)")
    if "file" in data.get("columns", []):
        raise MappingError(f"{path}: $.columns: 'file' is the name the reader gives the file's name; choose another")
    outlet = None
    if "outlet" in data:
        entry = dict(data["outlet"])
        key = entry.pop("key")
        try:
            outlet = dataclasses.replace(make_source(key, entry, f"{path}: $.outlet"), inline=True)
        except RegistryError as exc:
            raise MappingError(str(exc)) from None
        if data.get("source", key) != key:
            raise MappingError(f"{path}: $.source: {data['source']!r} differs from the [outlet] it declares ({key!r})")
    return Mapping(
        outlet=outlet,
        path=path, format=data["format"], fields=data["fields"], source=data.get("source") or (outlet.key if outlet else None),
        source_by_host={h.lower().removeprefix("www."): s for h, s in data.get("source_by_host", {}).items()},
        source_by_value=data.get("source_by_value"), encoding=data.get("encoding", "utf-8"),
        delimiter=data.get("delimiter", ","), body_split=data.get("body_split", "blank-line"),
        category_separator=data.get("category_separator"), label_order=data.get("label_order", "breadcrumb"),
        lead_prefix=_compile(path, "$.lead_prefix", data["lead_prefix"]) if "lead_prefix" in data else None,
        date=date, sheet=data.get("sheet"), separator=data.get("separator"),
        line_columns=tuple(data.get("columns", ())), html=frozenset(data.get("html", ())),
        decode_entities=data.get("decode_entities", False), ignore=tuple(data.get("ignore", ())),
        article_id=article_id, host_field=data.get("host_field"), markdown=frozenset(data.get("markdown", ())),
        paragraph_separator=data.get("paragraph_separator"), topic_separator=data.get("topic_separator"),
    )
