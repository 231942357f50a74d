"""The harvest's WARC files: a warcinfo record, then a request and a response record per page,
gzip per record, rotated by size, written so that a crash never leaves a half record a build
reads: a file is written as ``NAME.warc.gz.open`` (which the build does not read) and renamed
to ``NAME.warc.gz`` when closed; one left open by a killed harvest is cut back to its last whole
record and closed by the next run (:func:`recover`), which also learns the pages it holds."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
from pathlib import Path
from typing import Any

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from khabar import __version__
from khabar.harvest.fetch import Response
from khabar.sources.warc import OPEN_SUFFIX as OPEN, OUTLET_HEADER


def _stamp() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y%m%d%H%M%S")


class WarcOut:
    def __init__(self, folder: Path, outlet: str, options: dict[str, Any], max_file_bytes: int):
        self.folder, self.outlet, self.options, self.max_file_bytes = folder, outlet, options, max_file_bytes
        self.fh: Any = None
        self.path: Path | None = None
        self.serial = 0
        self.closed: list[Path] = []

    def _open(self) -> None:
        self.serial += 1
        name = f"khabar-{self.outlet}-{_stamp()}-{os.getpid()}-{self.serial:05d}.warc.gz"
        self.path = self.folder / name
        self.fh = open(self.folder / (name + OPEN), "wb")
        writer = WARCWriter(self.fh, gzip=True)
        info = {"software": f"khabar/{__version__} (khabar harvest)", "format": "WARC File Format 1.1",
                "robots": "obey", "outlet": self.outlet, "options": json.dumps(self.options, sort_keys=True)}
        writer.write_record(writer.create_warcinfo_record(name, info))
        self._sync()

    def _sync(self) -> None:
        self.fh.flush()
        os.fsync(self.fh.fileno())

    def write(self, response: Response) -> None:
        """The request and the response of one page, handed to the file (whole in the page cache
        when this returns, so a killed process loses nothing; :meth:`sync` puts them on disk)."""
        if self.fh is None:
            self._open()
        writer = WARCWriter(self.fh, gzip=True)
        request = StatusAndHeaders(f"GET {response.url} HTTP/1.1", response.request_headers, is_http_request=True)
        req = writer.create_warc_record(response.url, "request", payload=io.BytesIO(b""), length=0, http_headers=request)
        http = StatusAndHeaders(f"{response.status} {response.reason}".strip(), response.headers, protocol="HTTP/1.1")
        resp = writer.create_warc_record(response.url, "response", payload=io.BytesIO(response.body),
                                         length=len(response.body), http_headers=http,
                                         warc_headers_dict={OUTLET_HEADER: self.outlet})
        req.rec_headers.add_header("WARC-Concurrent-To", resp.rec_headers.get_header("WARC-Record-ID"))
        writer.write_record(req)
        writer.write_record(resp)
        self.fh.flush()
        if self.fh.tell() >= self.max_file_bytes:
            self.close()

    def sync(self) -> None:
        """Everything written so far on disk (fsync): the harvest marks pages fetched after this."""
        if self.fh is not None:
            self._sync()

    def close(self) -> None:
        if self.fh is None:
            return
        self._sync()
        self.fh.close()
        assert self.path is not None
        os.replace(self.path.with_name(self.path.name + OPEN), self.path)
        self.closed.append(self.path)
        self.fh, self.path = None, None


def recover(folder: Path) -> tuple[list[Path], list[str]]:
    """Close the WARC files a killed harvest left open: each is cut back to its last whole record
    and renamed (an empty one is removed). Returns the files closed and the URLs of the responses
    they hold (pages fetched, to be marked so)."""
    files, urls = [], []
    for partial in sorted(folder.glob(f"*.warc.gz{OPEN}")):
        good, found = 0, []
        with partial.open("rb") as fh:
            iterator = ArchiveIterator(fh, check_digests=False)
            try:
                for record in iterator:
                    url = record.rec_headers.get_header("WARC-Target-URI")
                    kind = record.rec_type
                    iterator.read_to_end(record)
                    good = iterator.get_record_offset() + iterator.get_record_length()
                    if kind == "response" and url:
                        found.append(url)
            except Exception:                       # the half record a kill left: cut below
                pass
        final = partial.with_name(partial.name[:-len(OPEN)])
        if not found:
            partial.unlink()
            continue
        with partial.open("r+b") as fh:
            fh.truncate(good)
            os.fsync(fh.fileno())
        os.replace(partial, final)
        files.append(final)
        urls += found
    return files, urls
