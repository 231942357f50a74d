"""Politeness, by construction: robots.txt per host (protego), one request at a time per host at
most ``rate`` per second (never faster than the host's Crawl-delay or Request-rate), retries
with exponential backoff and jitter that honour ``Retry-After``, and a stop for a host that
keeps failing."""

from __future__ import annotations

import dataclasses
import email.utils
import random
import time
from collections.abc import Callable

from protego import Protego

CONSECUTIVE_FAILURES = 5          # a host that fails this many times in a row is left alone for the run
MAX_WAIT = 300.0                  # the longest Retry-After honoured by waiting (longer: the host is stopped)


@dataclasses.dataclass
class Robots:
    """One host's robots.txt (an empty rule set when it has none, is 4xx, or unreadable)."""

    parser: Protego
    status: str                   # 'ok' | 'absent' | 'unreachable'

    def allowed(self, url: str, agent: str) -> bool:
        if self.status == "unreachable":           # 5xx or no answer: assume nothing is allowed (RFC 9309)
            return False
        return self.parser.can_fetch(url, agent)

    def delay(self, agent: str) -> float:
        """The least interval between two requests this robots.txt asks for, in seconds."""
        delays = [0.0]
        crawl = self.parser.crawl_delay(agent)
        if crawl:
            delays.append(float(crawl))
        rate = self.parser.request_rate(agent)
        if rate and rate.requests:
            delays.append(rate.seconds / rate.requests)
        return max(delays)

    @property
    def sitemaps(self) -> list[str]:
        return list(self.parser.sitemaps)


def robots_from(status: int | None, body: str) -> Robots:
    if status is None or status >= 500:
        return Robots(Protego.parse(""), "unreachable")
    if status >= 400:
        return Robots(Protego.parse(""), "absent")
    return Robots(Protego.parse(body), "ok")


class HostClock:
    """When each host may be asked next: ``interval`` seconds after its last request began."""

    def __init__(self, sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic):
        self.sleep, self.clock = sleep, clock
        self.next: dict[str, float] = {}

    def wait(self, host: str, interval: float) -> None:
        now = self.clock()
        due = self.next.get(host, now)
        if due > now:
            self.sleep(due - now)
        self.next[host] = max(due, now) + interval

    def hold(self, host: str, seconds: float) -> None:
        """No request to ``host`` for ``seconds`` from now (a Retry-After or a backoff)."""
        self.next[host] = max(self.next.get(host, 0.0), self.clock() + seconds)


def retry_after(value: str | None) -> float | None:
    """Seconds a Retry-After header asks for (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def backoff(attempt: int, base: float, rng: random.Random) -> float:
    """Exponential backoff with full jitter's upper half: base * 2^attempt * [1, 1.5)."""
    return base * (2 ** attempt) * (1 + rng.random() / 2)
