"""Dates as sources write them: calendars, digits, zones, and plausibility.

Calendar conversion is done by maintained libraries (``jdatetime`` for the Solar
Hijri calendar, the standard library and the IANA database from ``zoneinfo``/
``tzdata`` for zones), never by hand-written arithmetic.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import zoneinfo

import jdatetime

from khabar.errors import KhabarError

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

    def check(self, day: dt.date, raw: str) -> dt.date:
        if not self.earliest <= day <= self.latest:
            raise KhabarError("date.implausible", raw=raw, date=day.isoformat(),
                              earliest=self.earliest.isoformat(), latest=self.latest.isoformat())
        return day


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
    utc = aware.astimezone(dt.timezone.utc)
    return Instant(local_date=local.date(), utc=utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
                   offset=_offset_text(aware.utcoffset() or dt.timedelta(0)))
