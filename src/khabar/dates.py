"""Dates as sources write them: calendars, digits, zones, and plausibility.

Calendar conversion is done by maintained libraries (``jdatetime`` for the Solar
Hijri calendar, the standard library and the IANA database from ``zoneinfo``/
``tzdata`` for zones), never by hand-written arithmetic.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import zoneinfo
from typing import TYPE_CHECKING

import jdatetime

from khabar.errors import KhabarError

if TYPE_CHECKING:
    from khabar.record import PublicationDate

_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
EARLIEST = dt.date(1900, 1, 1)


def ascii_digits(text: str) -> str:
    """Persian (U+06F0…) and Arabic-Indic (U+0660…) digits to ASCII digits."""
    return text.translate(_DIGITS)


@dataclasses.dataclass(frozen=True)
class DateLimits:
    """The plausible range of publication dates: 1900 to the build date."""

    latest: dt.date
    earliest: dt.date = EARLIEST

    def for_source(self, founded: dt.date | None) -> "DateLimits":
        """The range narrowed to start when the outlet was founded (an earlier date is impossible for it)."""
        if founded is None or founded <= self.earliest:
            return self
        return DateLimits(latest=self.latest, earliest=founded)

    def check(self, day: dt.date, raw: str) -> dt.date:
        if day < self.earliest:     # the message names the build date only when it is the bound crossed,
            bound = f"before {self.earliest.isoformat()}, the earliest plausible date (1900, or the outlet's founding)"
        elif day > self.latest:     # so a rebuild on another day gives the same report
            bound = f"after the build date {self.latest.isoformat()}"
        else:
            return day
        raise KhabarError("date.implausible", raw=raw, date=day.isoformat(), bound=bound,
                          earliest=self.earliest.isoformat(), latest=self.latest.isoformat())


def gregorian(year: int, month: int, day: int, raw: str) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError as exc:
        raise KhabarError("date.impossible", raw=raw, reason=str(exc)) from None


def jalali(year: int, month: int, day: int, raw: str) -> dt.date:
    """A Solar Hijri (Jalali) date converted to the Gregorian calendar."""
    try:
        return jdatetime.date(year, month, day).togregorian()
    except (ValueError, OverflowError) as exc:
        raise KhabarError("date.impossible", raw=raw, reason=f"not a Jalali date: {exc}") from None


@dataclasses.dataclass(frozen=True)
class Instant:
    """A publication time: the local calendar date, the UTC instant and the offset in force."""

    local_date: dt.date
    utc: str            # ISO 8601, 'Z'
    offset: str         # '+03:30'


def _offset_text(delta: dt.timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    minutes = abs(minutes)
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def instant(local: dt.datetime, zone: str | None = None, offset: dt.timedelta | None = None) -> Instant:
    """Locate a wall-clock time: by the written offset when there is one, else by the IANA zone's history."""
    if offset is not None:
        aware = local.replace(tzinfo=dt.timezone(offset))
    else:
        aware = local.replace(tzinfo=zoneinfo.ZoneInfo(zone or "UTC"))
    shift = aware.utcoffset() or dt.timedelta(0)
    utc = local - shift                  # what astimezone(timezone.utc) gives, without its zone
    # isoformat writes what strftime("%Y-%m-%dT%H:%M:%SZ") writes for a four-digit year, at a fifth of its cost
    text = utc.isoformat(timespec="seconds") + "Z" if utc.year >= 1000 else utc.strftime("%Y-%m-%dT%H:%M:%SZ")
    return Instant(local_date=local.date(), utc=text, offset=_offset_text(shift))


# --- dates as exports write them: strptime-like formats and regular expressions -------------

_MONTHS_GREGORIAN = {
    **{name: i for i, name in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)},
    **{name: i for i, name in enumerate(
        ["january", "february", "march", "april", "may", "june", "july", "august", "september",
         "october", "november", "december"], start=1)},
    **{name: i for i, name in enumerate(
        ["ژانویه", "فوریه", "مارس", "آوریل", "مه", "ژوئن", "ژوئیه", "اوت", "سپتامبر", "اکتبر", "نوامبر", "دسامبر"],
        start=1)},
    "می": 5, "جولای": 7, "آگوست": 8,
}
_MONTHS_JALALI = {name: i for i, name in enumerate(
    ["فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور", "مهر", "آبان", "آذر", "دی", "بهمن", "اسفند"], start=1)}
_DIRECTIVES = {
    "Y": r"(?P<Y>\d{4})", "y": r"(?P<yy>\d{2})", "m": r"(?P<m>\d{1,2})", "d": r"(?P<d>\d{1,2})",
    "H": r"(?P<H>\d{1,2})", "M": r"(?P<M>\d{2})", "S": r"(?P<S>\d{2})", "f": r"(?P<f>\d{1,6})",
    "z": r"(?P<z>Z|[+-]\d{2}:?\d{2})", "o": r"(?:st|nd|rd|th)", "b": r"(?P<b>[^\W\d_][^\W\d_\u200c]*)", "B": r"(?P<b>[^\W\d_][^\W\d_\u200c]*)",
}


class DateFormatError(ValueError):
    """A date format in a mapping uses a directive this module does not know."""


def compile_format(fmt: str) -> "re.Pattern[str]":
    """An strptime-like format as a regular expression with named groups."""
    out, i = [], 0
    while i < len(fmt):
        ch = fmt[i]
        if ch == "%":
            if i + 1 >= len(fmt):
                raise DateFormatError(f"{fmt!r}: a lone % at the end")
            d = fmt[i + 1]
            if d == "%":
                out.append("%")
            elif d in _DIRECTIVES:
                out.append(_DIRECTIVES[d])
            else:
                raise DateFormatError(f"{fmt!r}: unknown directive %{d} (known: %Y %y %m %d %H %M %S %f %z %b %B %o)")
            i += 2
            continue
        out.append(r"\s+" if ch.isspace() else re.escape(ch))
        i += 1
    return re.compile("".join(out))


def _month_from_name(name: str, calendar: str, raw: str) -> int:
    from khabar.text.normalize import normalize_line

    key = normalize_line(name).lower()
    table = _MONTHS_JALALI if calendar == "jalali" else _MONTHS_GREGORIAN
    if key not in table:
        raise KhabarError("date.impossible", raw=raw, reason=f"{name!r} is not a month name of the {calendar} calendar")
    return table[key]


def _offset(text: str, raw: str = "") -> dt.timedelta:
    if text == "Z":
        return dt.timedelta(0)
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:])
    if hours > 14 or minutes > 59:           # real offsets run from -12:00 to +14:00
        raise KhabarError("date.impossible", raw=raw or text, reason=f"{text} is not a time zone offset")
    return sign * dt.timedelta(hours=hours, minutes=minutes)


def date_from_groups(groups: dict[str, str | None], *, calendar: str, raw: str, origin: str,
                     zone: str, limits: DateLimits, century: int | None = None) -> "PublicationDate":
    from khabar.record import PublicationDate

    g = {k: v for k, v in groups.items() if v is not None and k != "raw"}
    if "Y" in g:
        year = int(g["Y"])
    elif "yy" in g and century is not None:
        year = century + int(g["yy"])
    else:
        raise KhabarError("date.impossible", raw=raw, reason="no year in it")
    month = int(g["m"]) if "m" in g else _month_from_name(g.get("b", ""), calendar, raw)
    if "d" not in g:
        raise KhabarError("date.impossible", raw=raw, reason="no day in it")
    day = (jalali if calendar == "jalali" else gregorian)(year, month, int(g["d"]), raw)
    limits.check(day, raw)
    if "H" not in g:
        return PublicationDate(published=day.isoformat(), raw=raw, origin=origin)
    try:
        clock = dt.time(int(g["H"]), int(g.get("M", 0)), int(g.get("S", 0)), int(g.get("f", "0").ljust(6, "0")))
    except ValueError as exc:
        raise KhabarError("date.impossible", raw=raw, reason=str(exc)) from None
    moment = instant(dt.datetime.combine(day, clock), zone=zone,
                     offset=_offset(g["z"], raw) if "z" in g else None)
    return PublicationDate(published=day.isoformat(), raw=raw, origin=origin,
                           published_at=moment.utc, offset=moment.offset)
