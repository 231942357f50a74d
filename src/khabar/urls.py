"""One form of a web address, for comparing two of them: what a takedown by URL matches."""

from __future__ import annotations

from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

TRACKING_PREFIXES = ("utm_",)
TRACKING = frozenset({"fbclid", "gclid", "yclid", "msclkid", "mc_cid", "mc_eid", "_ga", "igshid", "ref_src"})


def tracking(name: str) -> bool:
    name = name.lower()
    return name.startswith(TRACKING_PREFIXES) or name in TRACKING


def url_key(url: str) -> str | None:
    """The address without what does not name the page: the scheme (http and https), ``www.``,
    the host's case, a trailing slash, percent-encoding, the fragment and tracking parameters;
    None for what has no host."""
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower().rstrip(".").removeprefix("www.")
    except ValueError:
        return None
    if not host:
        return None
    path = unquote(parts.path).rstrip("/") or "/"
    query = sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not tracking(k))
    return host + path + ("?" + urlencode(query) if query else "")
