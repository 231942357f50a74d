"""The error catalogue and the build report.

Every rejection the project can make is an :class:`ErrorType` with a stable
``code`` (never renamed once released), a short title, a message template and
a hint telling a person what to do.  Code raises :class:`KhabarError` carrying
one of these types; the build turns it into a row of the rejects report.
``docs/ERRORS.md`` is generated from :data:`CATALOGUE` (a test keeps it current).
"""

from __future__ import annotations

import collections
import dataclasses
from typing import Any


@dataclasses.dataclass(frozen=True)
class ErrorType:
    code: str
    title: str
    template: str
    hint: str

    def format(self, **params: Any) -> str:
        return self.template.format(**params)


_TYPES = [
    # input: the bytes of a file
    ErrorType("input.empty", "Empty file", "the file has no bytes", "Remove the file or re-scrape the page."),
    ErrorType("input.blank", "Blank file", "the file holds only white space ({size} bytes)",
              "Remove the file or re-scrape the page."),
    ErrorType("input.too-large", "File over the size limit",
              "the file is {size} bytes, over the limit of {limit} bytes",
              "Split the export into smaller files, or raise max_input_bytes in the build config."),
    ErrorType("input.unreadable", "Unreadable file", "the file could not be read: {reason}",
              "Check the file's permissions and that it still exists."),
    ErrorType("input.hidden", "Hidden file", "the file's name starts with a dot, so it is not read as an input",
              "Rename it without the leading dot to have it read, or move it out of the input folder."),
    ErrorType("input.outside-root", "Outside the input folder",
              "the path resolves to {target}, outside its input folder {root}, so it is not read",
              "Copy the file into the input folder instead of linking to it: builds read only inside their inputs."),
    ErrorType("input.symlink-loop", "Symbolic link loop", "the path is a symbolic link that never resolves ({reason})",
              "Remove the link or point it at a real file."),
    ErrorType("input.checksum-mismatch", "File changed",
              "the file's sha256 is {found}, not the {expected} its provenance records",
              "Raw files are evidence and never edited: restore the file (git checkout), or record a new "
              "input with its provenance in corpus/inputs.toml."),
    ErrorType("input.unknown-source", "Unknown source",
              "no source named {source!r} in schema/sources.yaml (known: {known})",
              "Put the file under corpus/raw/<source key>/ for a registered source, or add the source to schema/sources.yaml."),
    ErrorType("input.unknown-format", "No reader for this file",
              "no reader for files ending in {suffix!r} in {where}",
              "Save pages as .txt, or add a mapping for the export to the build config."),
    # encoding: bytes that are not UTF-8 text
    ErrorType("encoding.binary", "Binary data", "the file holds binary data ({detail})",
              "This is not a saved text page: remove it or export the page as UTF-8 text."),
    ErrorType("encoding.nul", "NUL bytes in text", "the text holds {count} NUL byte(s), first at offset {offset}",
              "The file was damaged in transfer or by the scraper: re-scrape it, or remove the NUL bytes."),
    ErrorType("encoding.not-utf8", "Not UTF-8",
              "the bytes are not valid UTF-8 (first bad byte at offset {offset}){guess}",
              "Find the file's encoding first: a file in Windows-1256 converts with iconv -f WINDOWS-1256 -t UTF-8; "
              "a UTF-8 file with a few damaged bytes must not be converted (that garbles it): re-scrape it."),
    ErrorType("encoding.mojibake", "Mojibake",
              "the text is UTF-8 that was decoded as {codec} and encoded again (e.g. {sample!r})",
              "Re-scrape the page, or repair it with text.encode('{codec}').decode('utf-8') before adding it."),
    # layout: a page that does not have the source's page layout
    ErrorType("layout.html", "HTML, not text", "the file is HTML markup ({detail}), not a page saved as text",
              "Save the page as plain text (one block per line), not its HTML source."),
    ErrorType("layout.truncated", "Page cut short",
              "the page ends after {blocks} block(s), before its date line",
              "Re-scrape the page: it was cut after its headline."),
    ErrorType("layout.no-date-line", "No date line",
              "no line of the page is a date line (DD.MM.YYYY [- label : DD.MM.YYYY]) among its {blocks} blocks",
              "Check that this is an article page of this source; re-scrape it if the date line is missing."),
    ErrorType("layout.header", "Unexpected header",
              "{count} block(s) before the date line at line {line}; expected a category breadcrumb, a headline and an optional lead",
              "Check the page's top: breadcrumb, headline and lead each on their own line."),
    ErrorType("layout.no-body", "No body", "the page has no body paragraph after its dateline (line {line})",
              "Re-scrape the page: its body is missing."),
    ErrorType("layout.after-footer", "Text after the footer",
              "line {line} holds text after the page footer ({footer}): {sample!r}",
              "Check the page: body text must come before the rights notice and related topics."),
    ErrorType("layout.bad-record", "Malformed record", "{detail}",
              "Fix the record in the export, or its mapping."),
    ErrorType("layout.empty-record", "Nothing to publish",
              "the record has no title, no lead and no body text",
              "Check the export and the mapping's [fields]: they may name the wrong columns."),
    ErrorType("layout.no-article", "No article",
              "the record is not an article: {detail}",
              "Nothing to fix when the page really has no article (a photo or video item, a headline); "
              "if the export or the page holds a body the reader missed, check the mapping's [fields] or the "
              "outlet's rules in schema/pages.yaml, and schema/furniture.yaml if a rule cut real text."),
    # export: a whole export file that cannot be read as its format
    ErrorType("export.invalid-json", "Invalid JSON", "the file is not valid JSON: {reason}",
              "Repair or re-export the file; for one object per line use format = \"jsonl\" in the mapping."),
    ErrorType("export.not-a-list", "Not a JSON array", "the file holds a JSON {kind}, not an array of records",
              "A JSON export must be an array of objects; for one object per line use format = \"jsonl\"."),
    ErrorType("export.invalid-csv", "Invalid CSV", "the file cannot be read as CSV: {reason}",
              "Check the delimiter and quoting in the mapping, and that the file is UTF-8."),
    ErrorType("export.invalid-xlsx", "Unreadable workbook", "the file cannot be read as an Excel workbook: {reason}",
              "Check that the file is an .xlsx workbook and the mapping's sheet name."),
    ErrorType("export.missing-column", "Missing column",
              "the mapping names column(s) {columns} that the file does not have (it has: {present})",
              "Fix the mapping's [fields] or the export's header."),
    ErrorType("record.unknown-source", "Record of no known source",
              "the record's source could not be told from {detail}",
              "Add the outlet's host to the mapping's [source_by_host], and the outlet to schema/sources.yaml."),
    # text: characters that have no place in an article's text
    ErrorType("text.control-chars", "Control characters",
              "{field} holds {count} control character(s) ({names}), first at offset {offset}",
              "Control characters are not text: re-scrape the page or repair the export."),
    ErrorType("text.not-unicode", "Not Unicode text",
              "{field} holds {count} character(s) that are not text ({names}: lone surrogates or noncharacters), "
              "first at offset {offset}",
              "The export was written from broken strings: fix the scraper's encoding and export the record again."),
    ErrorType("text.bidi-override", "Bidirectional override",
              "{field} holds {count} bidirectional override(s) ({names}), which reorder how text displays",
              "Overrides (U+202D, U+202E) can disguise text; remove them from the source if they are genuine."),
    # web captures: WARC records and the pages they hold
    ErrorType("warc.unreadable", "Unreadable WARC record",
              "the WARC record at offset {offset} cannot be read ({reason}); reading went on at the next record "
              "found{resumed}",
              "The capture is damaged there: re-fetch the page, or repair the file (warcio check FILE)."),
    ErrorType("warc.truncated", "Truncated capture",
              "the record at offset {offset} ({url}) is truncated: {reason}",
              "The crawler stopped before the page ended (a size or time limit): re-fetch the page."),
    ErrorType("warc.http-status", "Not a page (HTTP status)",
              "the capture of {url} (offset {offset}) has HTTP status {status}, not 200",
              "Only pages served with 200 OK are articles; re-fetch the page if it should exist."),
    ErrorType("warc.not-html", "Not an HTML page",
              "the capture of {url} (offset {offset}) is {content_type!r}, not an HTML page",
              "Only HTML pages are read as articles; nothing to do unless the outlet serves its articles so."),
    ErrorType("page.charset", "Charset unknown",
              "the page's bytes are not text in any charset it declares or that detection finds (tried: {tried})",
              "Re-fetch the page; if it is in a legacy charset, check the capture's HTTP header and <meta charset>."),
    ErrorType("page.no-article", "No article on the page", "{detail}",
              "Check that the URL is an article page; if the outlet changed its markup, update its rules in "
              "schema/pages.yaml (each rule has a test page in tests/test_web_pages.py)."),
    # harvest: what `khabar harvest` reports for a request or an option (the state file keeps each page's code)
    ErrorType("harvest.bad-option", "Bad harvest option", "{detail}", "Fix the option the message names (khabar harvest --help)."),
    ErrorType("harvest.not-open", "Outlet not openly licensed", "{detail}",
              "Harvest only the open outlets, or say --research-only and build the pages with --output."),
    ErrorType("harvest.unreachable", "Unreachable", "{detail}",
              "Check the URL and the network; the harvest retries with backoff and stops a host that keeps failing."),
    ErrorType("harvest.timeout", "No answer in time", "{detail}", "Try again later, or raise --timeout."),
    ErrorType("harvest.too-large", "Response over the size limit", "{detail}",
              "The page (or what its compressed body expands to) is over --max-bytes: not kept."),
    ErrorType("harvest.bad-encoding", "Undecodable body", "{detail}", "The server sent a body its headers misdescribe."),
    ErrorType("harvest.redirect", "Redirect loop", "{detail}", "The site redirects in circles; nothing to fetch."),
    ErrorType("harvest.off-host-redirect", "Redirect off the outlet", "{detail}",
              "Redirects are followed only within the outlet's hosts; the target is not fetched."),
    ErrorType("harvest.disallowed", "Disallowed by robots.txt", "{detail}", "Robots.txt is obeyed; nothing to do."),
    ErrorType("harvest.http-error", "HTTP error", "{detail}",
              "A 4xx is final; a 429 or 5xx was retried with backoff (Retry-After honoured) and still failed."),
    ErrorType("harvest.not-html", "Not an HTML page", "{detail}", "Only HTML pages are kept."),
    ErrorType("harvest.host-stopped", "Host left alone", "{detail}",
              "The host failed repeatedly or asked for a long wait: try again later (--retry-failed)."),
    ErrorType("harvest.bad-sitemap", "Unreadable sitemap", "{detail}", "The sitemap is not XML of the sitemaps protocol."),
    ErrorType("harvest.not-loopback", "Address off this machine", "{detail}",
              "KHABAR_LOOPBACK_ONLY is set (the tests): only 127.0.0.0/8 and ::1 are reached."),
    ErrorType("text.mark-flood", "Flood of combining marks",
              "{field} holds {count} combining marks on one letter, at offset {offset}",
              "No script stacks more than a few marks: the text was tampered with or damaged; repair the input."),
    # url
    ErrorType("url.invalid", "Not a web address", "the url {url!r} is not a usable web address: {reason}",
              "Fix the URL in the input (or the mapping's url field): the row's attribution carries it."),
    ErrorType("url.off-outlet", "URL off the outlet", "the url {url!r} is not on {source}'s hosts ({hosts})",
              "A row of an outlet links to that outlet: fix the URL or the record's source; if the outlet has a new "
              "host, add it to its hosts in schema/sources.yaml."),
    # date
    ErrorType("date.impossible", "Impossible date", "{raw!r} is not a calendar date ({reason})",
              "Check the date as the source wrote it; the page may be corrupt."),
    ErrorType("date.unmatched", "Date not in the mapping's form",
              "{raw!r} (field {field!r}) fits none of the mapping's date {what}: {written}",
              "Compare the value with the mapping's [date] formats or patterns and add the form the export "
              "writes (docs/MAPPINGS.md, Dates); try it with khabar import --dry-run MAPPING FILE."),
    ErrorType("date.implausible", "Implausible date",
              "{raw!r} gives {date}, {bound}",
              "Check the date: articles are dated between 1900 (or the outlet's founding) and the build date."),
    ErrorType("date.missing", "No date", "the record has no publication date ({detail})",
              "Map a date field in the export's mapping, or drop the record."),
    # language
    ErrorType("language.not-persian", "Not Persian",
              "{detail}; the text is not in Persian",
              "Khabar holds Persian articles only: remove the file, or file it under a source of its language."),
    # schema
    ErrorType("schema.invalid", "Schema violation", "{path}: {message}",
              "The record does not meet schema/article.schema.json; fix the input or the parser."),
    # config: a build config or mapping that cannot be used (the build stops before reading anything)
    ErrorType("config.invalid", "Invalid config or mapping", "{detail}",
              "Fix the key the message names; docs/MAPPINGS.md describes both files."),
    ErrorType("config.missing-file", "Missing file", "{detail}",
              "Fix the path: it is relative to the project root."),
    ErrorType("config.unknown-source", "Unknown outlet in a mapping", "{detail}",
              "Add the entry the message shows to schema/sources.yaml, or declare the outlet in the mapping's [outlet] table."),
    ErrorType("config.outside-project", "Path outside the project", "{detail}",
              "Keep mapping files inside the project, so a build is reproducible from the repository."),
    # rights
    ErrorType("rights.not-redistributable", "Not redistributable",
              "source {source!r} is licensed {license} ({redistribution}): its articles are not published in the "
              "repository's own dataset",
              "Build into a folder of your own for your own use: khabar build --output DIR (see README, Rights)."),
    # build: the build as a whole stops (nothing is published; the previous dataset is kept)
    ErrorType("build.locked", "Another build is running", "{detail}",
              "Wait for the other build of this folder to end; remove corpus/.lock only if no build runs."),
    ErrorType("build.disk-full", "Disk full", "{detail}", "Free space on the output's disk and build again."),
    ErrorType("build.not-writable", "Output not writable", "{detail}",
              "Build into a folder you may write (--output DIR), or fix the folder's permissions."),
    ErrorType("build.worker-died", "A worker process died", "{detail}",
              "A worker was killed (by hand, or by the out-of-memory killer) while on the input named: build again; "
              "if it dies on the same input, split that input or build with --workers 1."),
    ErrorType("build.interrupted", "Build stopped", "{detail}",
              "The build was stopped by a signal (Ctrl-C, SIGTERM, SIGHUP): nothing was published and the previous "
              "dataset is kept; build again."),
    ErrorType("build.nothing-to-publish", "Nothing to publish", "{detail}",
              "Read reports/last-failed/ (or the rejects report): the inputs, their mapping or the takedown list "
              "left no article."),
    ErrorType("record.duplicate-id", "Duplicate id",
              "id {id} was already given to {first} (the same article was added twice)",
              "Remove one of the two inputs, or give them different URLs."),
]

CATALOGUE: dict[str, ErrorType] = {t.code: t for t in _TYPES}


class KhabarError(Exception):
    """A rejection with a catalogued code.  ``where`` adds a line or record."""

    def __init__(self, code: str, *, line: int | None = None, **params: Any):
        self.type = CATALOGUE[code]
        self.code = code
        self.line = line
        self.params = params
        super().__init__(f"{code}: {self.message}")

    @property
    def message(self) -> str:
        return self.type.format(line=self.line, **self.params)


@dataclasses.dataclass(frozen=True)
class Rejection:
    """One row of the rejects report."""

    origin: str          # file path relative to the input root, '#N' for a record of an export
    source: str
    code: str
    message: str
    line: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "origin": self.origin,
            "line": self.line,
            "source": self.source,
            "code": self.code,
            "message": self.message,
            "hint": CATALOGUE[self.code].hint,
        }


class Report:
    """Counts and rejections of one run, per source; prints a ten-second summary."""

    def __init__(self) -> None:
        self.read: collections.Counter[str] = collections.Counter()
        self.published: collections.Counter[str] = collections.Counter()
        self.rejections: list[Rejection] = []
        self.duplicates: collections.Counter[str] = collections.Counter()
        self.taken_down: collections.Counter[str] = collections.Counter()
        self.skipped: collections.Counter[str] = collections.Counter()      # web captures' records that are no article
        self.pages: collections.Counter[tuple[str, str]] = collections.Counter()   # (source, 'rules' | 'generic')

    def skip(self, reason: str) -> None:
        """A web capture's record that is not an article (a request, a page of an unknown host ...):
        not read as an input, counted by reason (khabar.sources.warc)."""
        self.skipped[reason] += 1

    def count_page(self, source: str, path: str) -> None:
        """A web page published, its body found by the outlet's rules or by the generic reader."""
        self.pages[(source, path)] += 1

    def count_read(self, source: str, n: int = 1) -> None:
        self.read[source] += n

    def count_published(self, source: str, n: int = 1) -> None:
        self.published[source] += n

    def reject(self, origin: str, source: str, err: KhabarError) -> Rejection:
        rej = Rejection(origin, source, err.code, err.message, err.line)
        self.rejections.append(rej)
        return rej

    def rejected(self) -> collections.Counter[str]:
        return collections.Counter(r.source for r in self.rejections)

    def by_code(self) -> collections.Counter[str]:
        return collections.Counter(r.code for r in self.rejections)

    def count_duplicate(self, source: str) -> None:
        """An article dropped in favour of its cluster's representative (see the duplicates report)."""
        self.duplicates[source] += 1

    def count_taken_down(self, source: str) -> None:
        """An article removed by the takedown list."""
        self.taken_down[source] += 1

    def balanced(self) -> bool:
        rejected = self.rejected()
        return all(self.read[s] == self.published[s] + rejected[s] + self.duplicates[s] + self.taken_down[s]
                   for s in set(self.read) | set(rejected) | set(self.duplicates) | set(self.taken_down))

    def per_source(self) -> list[dict[str, Any]]:
        rejected = self.rejected()
        return [
            {"source": s, "read": self.read[s], "published": self.published[s], "rejected": rejected[s],
             "duplicates": self.duplicates[s], "taken_down": self.taken_down[s]}
            for s in sorted(set(self.read) | set(rejected))
        ]

    def sorted_rejections(self) -> list[Rejection]:
        return sorted(self.rejections, key=lambda r: (r.origin, r.line or 0, r.code))

    def summary(self) -> str:
        lines = ["source                 read  published  rejected  duplicates  taken down"]
        for row in self.per_source():
            lines.append(f"{row['source']:<20} {row['read']:>6} {row['published']:>10} {row['rejected']:>9}"
                         f" {row['duplicates']:>11} {row['taken_down']:>11}")
        total_read = sum(self.read.values())
        lines.append(f"{'total':<20} {total_read:>6} {sum(self.published.values()):>10} {len(self.rejections):>9}"
                     f" {sum(self.duplicates.values()):>11} {sum(self.taken_down.values()):>11}")
        if self.skipped:
            lines.append(f"web capture records skipped (no article): {sum(self.skipped.values())}")
        if self.rejections:
            lines.append("rejections by code: " + ", ".join(f"{c} {n}" for c, n in sorted(self.by_code().items())))
        lines.append("counts add up" if self.balanced() else "COUNTS DO NOT ADD UP")
        return "\n".join(lines)


def catalogue_markdown() -> str:
    """The catalogue as the Markdown table of docs/ERRORS.md."""
    out = [
        "# Rejection codes",
        "",
        "Generated from `src/khabar/errors.py` (`khabar errors --markdown`); a test keeps it current.",
        "Every input the build cannot publish is listed in `corpus/reports/rejects.jsonl` with one of these codes.",
        "",
        "| code | title | message | what to do |",
        "|---|---|---|---|",
    ]
    for t in _TYPES:
        out.append(f"| `{t.code}` | {t.title} | {t.template.replace('|', '/')} | {t.hint} |")
    return "\n".join(out) + "\n"
