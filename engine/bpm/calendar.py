"""Business days of the Alcaldía: weekends and Colombian public holidays do not count.

The `holidays` package implements Ley 51 de 1983 (Emiliani: holidays moved to Monday) and the
Easter-based holidays. Local dates are in America/Bogota.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from babel.dates import format_date

BOGOTA = ZoneInfo("America/Bogota")
WORKDAY_START = time(8, 0)


@lru_cache(maxsize=64)
def _colombian_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("CO", years=year).keys())


def is_holiday(day: date) -> bool:
    return day in _colombian_holidays(day.year)


def is_business_day(day: date) -> bool:
    return day.weekday() < 5 and not is_holiday(day)


def add_business_days(start: date, days: int) -> date:
    """The date `days` business days after `start` (before it when negative).

    `start` itself never counts: a term of 3 days from a Friday session starts on Monday.
    """
    step = 1 if days >= 0 else -1
    remaining = abs(days)
    current = start
    while remaining:
        current += timedelta(days=step)
        if is_business_day(current):
            remaining -= 1
    return current


def business_days_between(start: date, end: date) -> int:
    """Business days in (start, end]; negative when `end` is before `start`."""
    if end < start:
        return -business_days_between(end, start)
    return sum(
        1
        for offset in range(1, (end - start).days + 1)
        if is_business_day(start + timedelta(offset))
    )


def local_date(instant: datetime) -> date:
    return instant.astimezone(BOGOTA).date()


def start_of_business_day(day: date) -> datetime:
    """08:00 in Bogotá on `day`, as an aware datetime: when a business-day timer fires."""
    return datetime.combine(day, WORKDAY_START, tzinfo=BOGOTA)


@lru_cache(maxsize=1024)
def long_date(day: date) -> str:
    """A date as officials read it in a message: "4 de diciembre de 2026" (es-CO); formatted
    once per date (Babel's formatting is a notable part of a task's creation)."""
    return format_date(day, "d 'de' MMMM 'de' y", locale="es_CO")
