"""A small HTTP server on 127.0.0.1 for the harvester's tests: robots.txt with a disallowed path
and a crawl delay, an RSS feed, a sitemap index with two children, article pages of Tasnim's
markup (each a real article of the shipped corpus), and the hostile cases: a 429 with
Retry-After, a 503 then a 200, a page that never answers in time, a redirect loop, a redirect
to another host, a 20 MB page, a gzip bomb. Every request is logged (time, path, headers)."""

from __future__ import annotations

import dataclasses
import gzip
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from web_fixtures import PAGES, Story, stories

NORMAL = [3400001 + k for k in range(8)]          # the ordinary article pages
BUSY, FLAKY, SLOW, LOOP, AWAY, HUGE, BOMB = 3400010, 3400011, 3400012, 3400013, 3400014, 3400015, 3400016
PRIVATE, OLD = 3400020, 3400021


def article_path(article_id: int, slug: str = "slug") -> str:
    return f"/fa/news/1404/06/14/{article_id}/{slug}"


@dataclasses.dataclass
class Hit:
    at: float
    path: str
    host: str
    headers: dict[str, str]


class Server:
    def __init__(self, crawl_delay: float = 0.2, slow_seconds: float = 3.0, many: int = 0, mixed: bool = False):
        """``many``: that many more article pages listed in the sitemap (for benchmarks/harvest_throughput.py);
        ``mixed``: each page's body joins paragraphs of six shipped articles, so that it is a new story
        to the corpus's deduplication (a harvest built beside the shipped corpus)."""
        self.log: list[Hit] = []
        self.lock = threading.Lock()
        self.counts: dict[str, int] = {}
        self.crawl_delay, self.slow_seconds = crawl_delay, slow_seconds
        self.bomb = gzip.compress(b"<html>" + b"0" * (50 * 2**20), 6)          # 50 MB in about 50 KB
        self.pages = {}
        pool = stories("tasnimnews", 24, skip=2)
        for n, article_id in enumerate(NORMAL + [BUSY, FLAKY, PRIVATE, OLD]):
            story = pool[n]
            if mixed:                  # one paragraph of each of six articles: no shipped story's copy
                parts = [pool[(n + 4 * j) % len(pool)].paragraphs for j in range(6)]
                story = Story(f"mixed-{n}", story.source, f"{story.title} ({n})", story.lead,
                              [p[j % len(p)] for j, p in enumerate(parts)])
            self.pages[article_path(article_id)] = PAGES["tasnimnews"](story, article_id=str(article_id))[1].encode()
        self.many = [3500000 + k for k in range(many)]
        if many:
            bodies = list(self.pages.values())
            for k, article_id in enumerate(self.many):
                self.pages[article_path(article_id)] = bodies[k % len(bodies)]
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> "Server":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    # -- what is served ---------------------------------------------------------------------------

    def feed(self) -> bytes:
        items = [article_path(a) for a in NORMAL[:4]] + [article_path(NORMAL[0]) + "?utm_source=tg&utm_medium=x",
                                                          article_path(PRIVATE).replace("/fa/news/", "/fa/news/private/"),
                                                          "http://localhost:%d%s" % (self.port, article_path(NORMAL[5]))]
        body = "".join(f"<item><title>خبر {k}</title><link>{self.base if i.startswith('/') else ''}{i}</link>"
                       f"<pubDate>Fri, 05 Sep 2025 10:0{k}:00 +0330</pubDate></item>" for k, i in enumerate(items))
        return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>تسنیم</title>'
                f"{body}</channel></rss>").encode()

    def sitemap_index(self) -> bytes:
        return (f'<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                f"<sitemap><loc>{self.base}/sitemap-new.xml</loc><lastmod>2025-09-05</lastmod></sitemap>"
                f"<sitemap><loc>{self.base}/sitemap-old.xml</loc><lastmod>2024-01-01</lastmod></sitemap>"
                f"</sitemapindex>").encode()

    def sitemap_new(self) -> bytes:
        entries = [(a, "2025-09-05") for a in NORMAL[4:] + [BUSY, FLAKY, SLOW, LOOP, AWAY, HUGE, BOMB] + self.many] \
            + [(OLD, "2024-12-01")]
        urls = "".join(f"<url><loc>{self.base}{article_path(a)}</loc><lastmod>{d}</lastmod></url>" for a, d in entries)
        return (f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                f"{urls}</urlset>").encode()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def setup(self) -> None:
                super().setup()            # headers and body are two writes: no Nagle delay between them
                self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def _send(self, status: int, body: bytes = b"", kind: str = "text/html; charset=utf-8",
                      headers: dict[str, str] | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                try:
                    self.wfile.write(body)
                except OSError:
                    pass

            def _listing(self, body: bytes, kind: str) -> None:
                etag = f'"{hash(body) & 0xffffffff:x}"'
                if self.headers.get("If-None-Match") == etag:
                    self._send(304, headers={"ETag": etag})
                else:
                    self._send(200, body, kind, {"ETag": etag})

            def do_GET(self) -> None:  # noqa: N802
                path = self.path
                with server.lock:
                    server.log.append(Hit(time.monotonic(), path, self.headers.get("Host", ""), dict(self.headers)))
                    server.counts[path] = server.counts.get(path, 0) + 1
                    count = server.counts[path]
                if path == "/robots.txt":
                    body = (f"User-agent: *\nDisallow: /fa/news/private/\nCrawl-delay: {server.crawl_delay}\n"
                            f"Sitemap: {server.base}/sitemap-index.xml\n").encode()
                    return self._send(200, body, "text/plain")
                if path == "/feed.xml":
                    return self._listing(server.feed(), "application/rss+xml")
                if path == "/sitemap-index.xml":
                    return self._listing(server.sitemap_index(), "application/xml")
                if path == "/sitemap-new.xml":
                    return self._listing(server.sitemap_new(), "application/xml")
                if path == "/sitemap-old.xml":
                    return self._listing(b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"/>', "application/xml")
                if path == article_path(BUSY) and count == 1:
                    return self._send(429, b"slow down", "text/plain", {"Retry-After": "1"})
                if path == article_path(FLAKY) and count == 1:
                    return self._send(503, b"try again", "text/plain")
                if path == article_path(SLOW):
                    time.sleep(server.slow_seconds)
                    return self._send(200, b"<html>late</html>")
                if path == article_path(LOOP):
                    return self._send(302, headers={"Location": article_path(LOOP, "again")})
                if path == article_path(LOOP, "again"):
                    return self._send(302, headers={"Location": article_path(LOOP)})
                if path == article_path(AWAY):
                    return self._send(302, headers={"Location": f"http://localhost:{server.port}{article_path(NORMAL[6])}"})
                if path == article_path(HUGE):
                    return self._send(200, b"<html>" + b"x" * (20 * 2**20) + b"</html>")
                if path == article_path(BOMB):
                    return self._send(200, server.bomb, headers={"Content-Encoding": "gzip"})
                if path in server.pages:
                    return self._send(200, server.pages[path])
                return self._send(404, b"not found", "text/plain")

        return Handler

    # -- what was asked -----------------------------------------------------------------------------

    def hits(self, prefix: str = "/fa/news/") -> list[Hit]:
        with self.lock:
            return [h for h in self.log if h.path.startswith(prefix)]
