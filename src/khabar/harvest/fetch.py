"""One HTTP request at a time per host, as a polite crawler makes it: a User-Agent that names
Khabar, its version and a contact URL; timeouts; a size limit on what is read (and on what a
compressed body expands to); redirects followed only within the hosts a harvest may visit;
the body kept exactly as received (the WARC record is evidence)."""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import socket
import time
import zlib
from collections.abc import Callable
from urllib.parse import urljoin

import requests
from requests.adapters import HTTPAdapter

from khabar import __version__
from khabar.harvest.urls import canonical, host_key

CONTACT = "https://github.com/khabar-corpus/khabar"
AGENT = f"KhabarBot/{__version__} (+{CONTACT}; Persian news corpus, CC BY outlets)"
ROBOTS_AGENT = "KhabarBot"
MAX_REDIRECTS = 5
LOOPBACK_ONLY = "KHABAR_LOOPBACK_ONLY"      # set (by the tests): refuse any address off this machine


class FetchError(Exception):
    """A request that failed: ``code`` (harvest.*), whether another try may succeed, and how long
    the server asked to wait (Retry-After)."""

    def __init__(self, code: str, detail: str, *, retry: bool = False, wait: float | None = None,
                 status: int | None = None):
        super().__init__(f"{code}: {detail}")
        self.code, self.detail, self.retry, self.wait, self.status = code, detail, retry, wait, status


@dataclasses.dataclass
class Response:
    url: str                                  # the URL that answered (after redirects on allowed hosts)
    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: bytes                               # as received: a Content-Encoding is not undone
    request_headers: list[tuple[str, str]]
    redirects: list[str]

    def header(self, name: str) -> str | None:
        name = name.lower()
        return next((v for k, v in self.headers if k.lower() == name), None)

    def decoded(self, limit: int) -> bytes:
        """The body with its Content-Encoding (gzip, deflate) undone, never past ``limit`` bytes."""
        encoding = (self.header("Content-Encoding") or "").strip().lower()
        if encoding in ("", "identity"):
            return self.body
        if encoding not in ("gzip", "x-gzip", "deflate"):
            raise FetchError("harvest.bad-encoding", f"Content-Encoding {encoding!r} is not one Khabar reads")
        inflater = zlib.decompressobj(47 if encoding != "deflate" else zlib.MAX_WBITS)
        try:
            out = inflater.decompress(self.body, limit + 1)
        except zlib.error as exc:
            raise FetchError("harvest.bad-encoding", f"the {encoding} body cannot be decoded ({exc})") from None
        if len(out) > limit or inflater.unconsumed_tail:
            raise FetchError("harvest.too-large", f"the {encoding} body expands past {limit} bytes (a compression bomb?)")
        return out


def _check_loopback(host: str, port: int) -> None:
    """With KHABAR_LOOPBACK_ONLY set, every address the host resolves to must be on this machine."""
    if not os.environ.get(LOOPBACK_ONLY):
        return
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except OSError as exc:
        raise FetchError("harvest.unreachable", f"{host} does not resolve ({exc})") from None
    for info in infos:
        if not ipaddress.ip_address(info[4][0]).is_loopback:
            raise FetchError("harvest.not-loopback", f"{host} resolves to {info[4][0]}, off this machine "
                                                     f"({LOOPBACK_ONLY} is set)")


class Fetcher:
    def __init__(self, *, timeout: float, max_bytes: int, allowed: Callable[[str], bool], agent: str = AGENT):
        self.timeout, self.max_bytes, self.allowed, self.agent = timeout, max_bytes, allowed, agent
        self.session = requests.Session()
        adapter = HTTPAdapter(pool_connections=16, pool_maxsize=1, max_retries=0)   # one connection per host
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers.clear()

    def close(self) -> None:
        self.session.close()

    def get(self, url: str, headers: dict[str, str] | None = None,
            pace: Callable[[str], None] | None = None) -> Response:
        """One GET of ``url`` (redirects on allowed hosts followed, up to five); no retries here.
        ``pace(url)`` is called before each redirect's request, so a redirect keeps the host's rate."""
        seen: list[str] = []
        current = url
        while True:
            if seen and pace is not None:
                pace(current)
            response = self._once(current, headers or {})
            if response.status not in (301, 302, 303, 307, 308):
                response.redirects = seen
                return response
            target = canonical(urljoin(current, response.header("Location") or ""))
            seen.append(current)
            if target is None:
                raise FetchError("harvest.redirect", f"{current} redirects to {response.header('Location')!r}, "
                                                     "not a web address", status=response.status)
            if not self.allowed(host_key(target)):
                raise FetchError("harvest.off-host-redirect", f"{current} redirects to {target}, off the outlet's "
                                                              "hosts: not followed", status=response.status)
            if target in seen or len(seen) > MAX_REDIRECTS:
                raise FetchError("harvest.redirect", f"{url}: redirect loop or more than {MAX_REDIRECTS} redirects "
                                                     f"({' -> '.join(seen + [target])[:300]})", status=response.status)
            current = target

    def _once(self, url: str, extra: dict[str, str]) -> Response:
        parts = requests.utils.urlparse(url)
        _check_loopback(parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80))
        sent = {"User-Agent": self.agent, "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.5",
                "Accept-Encoding": "gzip, deflate", "Connection": "keep-alive", **extra}
        deadline = time.monotonic() + 4 * self.timeout
        try:
            r = self.session.get(url, headers=sent, stream=True, allow_redirects=False, timeout=(self.timeout, self.timeout))
            try:
                chunks, size = [], 0
                while True:
                    chunk = r.raw.read(65536, decode_content=False)
                    if not chunk:
                        break
                    chunks.append(chunk)
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise FetchError("harvest.too-large", f"{url}: more than {self.max_bytes} bytes: cut off, "
                                                              "not kept", status=r.status_code)
                    if time.monotonic() > deadline:
                        raise FetchError("harvest.timeout", f"{url}: still sending after {4 * self.timeout:.0f} s",
                                         retry=True)
                headers = list(r.raw.headers.items())
                return Response(url, r.status_code, r.reason or "", headers, b"".join(chunks), list(sent.items()), [])
            finally:
                r.close()
        except FetchError:
            raise
        except requests.exceptions.Timeout as exc:
            raise FetchError("harvest.timeout", f"{url}: no answer within {self.timeout:.0f} s ({type(exc).__name__})",
                             retry=True) from None
        except (requests.exceptions.RequestException, OSError) as exc:
            kind = type(exc).__name__
            if "Timeout" in kind or "timed out" in str(exc):
                raise FetchError("harvest.timeout", f"{url}: no answer within {self.timeout:.0f} s", retry=True) from None
            raise FetchError("harvest.unreachable", f"{url}: {kind}: {str(exc)[:200]}", retry=True) from None
