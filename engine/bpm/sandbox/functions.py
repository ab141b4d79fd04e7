"""The curated functions scripts and expressions may call: business days, dates, numbers.

Dates travel as ISO strings (what forms submit), so `add_business_days(fecha_sesion, 3)` works on
case data as it is. `today()` reads the engine's clock, passed in with each evaluation.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from engine.bpm import calendar


def business_functions(now: datetime) -> dict[str, Callable[..., Any]]:
    def add_business_days(day: str, days: int) -> str:
        return calendar.add_business_days(_day(day), int(days)).isoformat()

    def business_days_between(start: str, end: str) -> int:
        return calendar.business_days_between(_day(start), _day(end))

    def business_datetime(day: str) -> str:
        return calendar.start_of_business_day(_day(day)).isoformat()

    def is_business_day(day: str) -> bool:
        return calendar.is_business_day(_day(day))

    def today() -> str:
        return calendar.local_date(now).isoformat()

    def spanish_date(day: str) -> str:
        """`"2026-12-15"` -> `"15 de diciembre de 2026"`: dates as officials read them."""
        value = _day(day)
        return f"{value.day} de {_MONTHS[value.month - 1]} de {value.year}"

    return {
        "add_business_days": add_business_days,
        "business_days_between": business_days_between,
        "business_datetime": business_datetime,
        "is_business_day": is_business_day,
        "today": today,
        "spanish_date": spanish_date,
        "date": date,
        "datetime": datetime,
        "timedelta": timedelta,
        "floor": math.floor,
        "ceil": math.ceil,
    }


_MONTHS = (
    "enero", "febrero", "marzo", "abril", "mayo", "junio",
    "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre",
)  # fmt: skip


def _day(value: Any) -> date:
    return date.fromisoformat(str(value)[:10])


FUNCTION_NAMES = frozenset(business_functions(datetime(2000, 1, 1)))
