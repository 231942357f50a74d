"""Dates as Persian sources write them: calendars, digits, month names, offsets and zone history."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from conftest import BUILD_DATE
from khabar.dates import DateFormatError, DateLimits, ascii_digits, compile_format, date_from_groups
from khabar.errors import KhabarError

LIMITS = DateLimits(latest=BUILD_DATE)


def parse(raw, fmt, calendar, zone="Asia/Tehran", limits=LIMITS):
    m = compile_format(fmt).fullmatch(ascii_digits(raw))
    assert m, (raw, fmt)
    return date_from_groups(m.groupdict(), calendar=calendar, raw=raw, origin="field date", zone=zone, limits=limits)


def test_jalali_with_offset_from_the_multisource_export():
    d = parse("1404-04-21 11:30:16+0330", "%Y-%m-%d %H:%M:%S%z", "jalali")
    assert (d.published, d.published_at, d.offset) == ("2025-07-12", "2025-07-12T08:00:16Z", "+03:30")
    assert d.raw == "1404-04-21 11:30:16+0330"


def test_iran_zone_history_decides_the_offset_when_none_is_written():
    # summer 1399 (2020): Iran still observed +04:30; summer 1403 (2024): +03:30 all year since 2022
    old = parse("1399-04-01 12:00", "%Y-%m-%d %H:%M", "jalali")
    new = parse("1403-04-01 12:00", "%Y-%m-%d %H:%M", "jalali")
    winter = parse("1399-10-01 12:00", "%Y-%m-%d %H:%M", "jalali")
    assert (old.published, old.offset, old.published_at) == ("2020-06-21", "+04:30", "2020-06-21T07:30:00Z")
    assert (new.published, new.offset, new.published_at) == ("2024-06-21", "+03:30", "2024-06-21T08:30:00Z")
    assert winter.offset == "+03:30"


@pytest.mark.parametrize("raw", ["۱۴۰۴-۰۴-۲۱", "١٤٠٤-٠٤-٢١", "1404-04-21"])
def test_persian_and_arabic_indic_digits(raw):
    d = parse(raw, "%Y-%m-%d", "jalali")
    assert d.published == "2025-07-12" and d.raw == raw


def test_month_names():
    assert parse("2018 Jan 01", "%Y %b %d", "gregorian").published == "2018-01-01"
    assert parse("۲۱ تیر ۱۴۰۴", "%d %B %Y", "jalali").published == "2025-07-12"
    assert parse("12 ژوئیه 2025", "%d %B %Y", "gregorian").published == "2025-07-12"
    with pytest.raises(KhabarError) as exc:
        parse("21 Tir 1404", "%d %B %Y", "jalali")
    assert exc.value.code == "date.impossible"


@pytest.mark.parametrize("raw,fmt,calendar", [
    ("2025-02-31", "%Y-%m-%d", "gregorian"),
    ("1404-12-31", "%Y-%m-%d", "jalali"),        # Esfand has 29 or 30 days
    ("1404-13-01", "%Y-%m-%d", "jalali"),
    ("1404-04-21 25:00", "%Y-%m-%d %H:%M", "jalali"),
])
def test_impossible_dates(raw, fmt, calendar):
    with pytest.raises(KhabarError) as exc:
        parse(raw, fmt, calendar)
    assert exc.value.code == "date.impossible"


def test_implausible_dates_and_founding():
    with pytest.raises(KhabarError) as exc:
        parse("1899-12-31", "%Y-%m-%d", "gregorian")
    assert exc.value.code == "date.implausible"
    with pytest.raises(KhabarError):
        parse("2026-11-30", "%Y-%m-%d", "gregorian")              # after the build date
    hamshahri = LIMITS.for_source(dt.date(1992, 12, 1))
    with pytest.raises(KhabarError) as exc:
        parse("1901 Dec 14", "%Y %b %d", "gregorian", limits=hamshahri)
    assert exc.value.code == "date.implausible" and "1992-12-01" in exc.value.message


def test_unknown_directive_is_a_format_error():
    with pytest.raises(DateFormatError, match="%Q"):
        compile_format("%Y-%Q")


def test_fars_url_ids():
    from khabar.dates import date_from_groups as g
    short = re.search(r"/news/(?P<yy>\d{2})(?P<m>\d{2})(?P<d>\d{2})\d{4}", "https://www.farsnews.ir/news/8707060255")
    long = re.search(r"/news/(?P<Y>\d{4})(?P<m>\d{2})(?P<d>\d{2})\d{6}", "https://www.farsnews.ir/news/13950404000869/x")
    kw = dict(calendar="jalali", raw="x", origin="url id", zone="Asia/Tehran", limits=LIMITS, century=1300)
    assert g(short.groupdict(), **kw).published == "2008-09-27"
    assert g(long.groupdict(), **kw).published == "2016-06-24"


def test_instant_writes_what_astimezone_and_strftime_write():
    import datetime as dt
    import random
    import zoneinfo

    from khabar import dates

    def reference(local, zone=None, offset=None):
        tz = dt.timezone(offset) if offset is not None else zoneinfo.ZoneInfo(zone or "UTC")
        aware = local.replace(tzinfo=tz)
        utc = aware.astimezone(dt.timezone.utc)
        return dates.Instant(local_date=local.date(), utc=utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
                             offset=dates._offset_text(aware.utcoffset() or dt.timedelta(0)))

    rng = random.Random(26)
    cases = [(dt.datetime(2024, 3, 20, 23, 59, 59, 999999), "Asia/Tehran", None),   # Nowruz, no DST since 2022
             (dt.datetime(2008, 3, 21, 0, 30), "Asia/Tehran", None),                  # a DST gap
             (dt.datetime(2021, 9, 21, 23, 30, fold=1), "Asia/Tehran", None),          # a repeated hour
             (dt.datetime(999, 12, 31, 23, 0), None, dt.timedelta(hours=-3)),          # a three-digit year
             (dt.datetime(9999, 12, 31, 23, 0), None, dt.timedelta(hours=5))]
    for _ in range(3000):
        local = dt.datetime(rng.choice([1900, 1979, 2000, 2024]), rng.randint(1, 12), rng.randint(1, 28),
                            rng.randint(0, 23), rng.randint(0, 59), rng.randint(0, 59), fold=rng.randint(0, 1))
        cases.append((local, rng.choice(["Asia/Tehran", "Asia/Kabul", "UTC", None]),
                      rng.choice([None, dt.timedelta(hours=3, minutes=30), dt.timedelta(hours=-8)])))
    for local, zone, offset in cases:
        try:
            expected = reference(local, zone, offset)
        except OverflowError:
            continue
        assert dates.instant(local, zone, offset) == expected, (local, zone, offset)
