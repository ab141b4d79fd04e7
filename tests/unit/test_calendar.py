"""Business days: weekends and Colombian holidays (Ley 51 de 1983 moves, Easter-based ones)."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from engine.bpm.calendar import (
    add_business_days,
    business_days_between,
    is_business_day,
    is_holiday,
    long_date,
)

days = st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31))


def test_ficha_of_a_friday_session_skips_the_weekend_and_the_immaculate_conception() -> None:
    assert is_holiday(date(2026, 12, 8))
    assert add_business_days(date(2026, 12, 4), 3) == date(2026, 12, 10)


def test_ficha_of_christmas_eve_session_skips_christmas_and_the_weekend() -> None:
    assert add_business_days(date(2026, 12, 24), 3) == date(2026, 12, 30)


def test_emiliani_holidays_move_to_monday() -> None:
    # Epiphany (6 January 2027 is a Wednesday) is observed on Monday 11 January.
    assert not is_holiday(date(2027, 1, 6))
    assert is_holiday(date(2027, 1, 11))
    # Holy Thursday and Good Friday 2027 (Easter is 28 March).
    assert is_holiday(date(2027, 3, 25)) and is_holiday(date(2027, 3, 26))


COLOMBIAN_HOLIDAYS_2026 = [
    date(2026, 1, 1), date(2026, 1, 12), date(2026, 3, 23), date(2026, 4, 2), date(2026, 4, 3),
    date(2026, 5, 1), date(2026, 5, 18), date(2026, 6, 8), date(2026, 6, 15), date(2026, 6, 29),
    date(2026, 7, 13), date(2026, 7, 20), date(2026, 8, 7), date(2026, 8, 17), date(2026, 10, 12),
    date(2026, 11, 2), date(2026, 11, 16), date(2026, 12, 8), date(2026, 12, 25),
]  # fmt: skip
COLOMBIAN_HOLIDAYS_2027 = [
    date(2027, 1, 1), date(2027, 1, 11), date(2027, 3, 22), date(2027, 3, 25), date(2027, 3, 26),
    date(2027, 5, 1), date(2027, 5, 10), date(2027, 5, 31), date(2027, 6, 7), date(2027, 7, 5),
    date(2027, 7, 12), date(2027, 7, 20), date(2027, 8, 7), date(2027, 8, 16), date(2027, 10, 18),
    date(2027, 11, 1), date(2027, 11, 15), date(2027, 12, 8), date(2027, 12, 25),
]  # fmt: skip


def _holidays_of(year: int) -> list[date]:
    first = date(year, 1, 1)
    return [
        first + timedelta(offset)
        for offset in range((date(year + 1, 1, 1) - first).days)
        if is_holiday(first + timedelta(offset))
    ]


def test_the_2026_calendar_has_the_nineteen_colombian_holidays() -> None:
    assert _holidays_of(2026) == COLOMBIAN_HOLIDAYS_2026


def test_the_2027_calendar_has_the_nineteen_colombian_holidays() -> None:
    assert _holidays_of(2027) == COLOMBIAN_HOLIDAYS_2027


def test_chiquinquira_is_a_holiday_from_2026_moved_to_monday() -> None:
    # Ley 2578 de 2026, art. 6: 9 July, moved by Ley 51 de 1983 (Thursday 9 July 2026 -> Monday 13).
    assert is_holiday(date(2026, 7, 13)) and not is_holiday(date(2026, 7, 9))
    assert not is_holiday(date(2025, 7, 14))
    assert add_business_days(date(2026, 7, 10), 3) == date(2026, 7, 16)


@given(days, st.integers(min_value=1, max_value=60))
def test_adding_n_business_days_lands_on_a_business_day_n_business_days_later(
    start: date, n: int
) -> None:
    due = add_business_days(start, n)
    assert is_business_day(due)
    assert business_days_between(start, due) == n
    assert due > start


@given(days, st.integers(min_value=1, max_value=60))
def test_no_business_day_is_skipped(start: date, n: int) -> None:
    due = add_business_days(start, n)
    skipped = [start + timedelta(d) for d in range(1, (due - start).days)]
    assert sum(is_business_day(day) for day in skipped) == n - 1


@given(days, days)
def test_business_days_between_is_antisymmetric(a: date, b: date) -> None:
    assert business_days_between(a, b) == -business_days_between(b, a)


@given(days, st.integers(min_value=-40, max_value=40))
def test_going_back_undoes_going_forward_from_a_business_day(start: date, n: int) -> None:
    if is_business_day(start):
        assert add_business_days(add_business_days(start, n), -n) == start


def test_a_long_date_is_formatted_once_per_date() -> None:
    long_date.cache_clear()
    assert long_date(date(2026, 12, 4)) == "4 de diciembre de 2026"
    assert long_date(date(2026, 12, 4)) == "4 de diciembre de 2026"
    assert long_date(date(2026, 12, 10)) == "10 de diciembre de 2026"
    assert (long_date.cache_info().hits, long_date.cache_info().misses) == (1, 2)
