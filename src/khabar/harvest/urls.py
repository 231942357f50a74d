"""Article URLs as the harvester keeps them: one form per page, tracking parameters gone."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from khabar.urls import tracking


def canonical(url: str) -> str | None:
    """The URL with scheme and host in lower case, no default port, no fragment and no tracking
    parameters (``utm_*``, ``fbclid`` ...); None for what is not an http(s) URL with a host."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname or parts.username or parts.password:
        return None
    host = parts.hostname.lower().rstrip(".")
    if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        host = f"{host}:{port}"
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not tracking(k)]
    return urlunsplit((scheme, host, parts.path or "/", urlencode(query), ""))


def host_key(url: str) -> str:
    """``host[:port]`` of a URL: what robots.txt, the rate limit and the connection are kept per."""
    parts = urlsplit(url)
    return parts.netloc.lower().rsplit("@", 1)[-1]
