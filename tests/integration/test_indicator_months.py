"""The indicators month by month, and over a period read from only the cases of the period.

Fichas of P001 in two months: December 2026 (one sent on time, one never sent) and February 2027
(one sent late, one still in its term), January without any. The trend places each ficha in the
month of its due date, as the period does; a narrow period reads fewer rows (every SELECT the
computation sends is run again and its rows counted) and counts exactly what the whole trail,
filtered item by item, counts.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

import pytest
from sqlalchemy import event, func, select

from engine import Engine, ManualClock
from engine.audit.indicators import Filters, Indicator, compliance
from engine.audit.policy_rounds import TASK_ACTIONS
from engine.audit.trends import MonthFigures, monthly_trend
from engine.bpm.calendar import BOGOTA
from storage.models import AuditEvent, Case
from tests.integration.test_policy_indicators import _delegation, _send_ficha


@pytest.fixture
def two_months(procedures: Engine, clock: ManualClock) -> dict[str, str]:
    engine = procedures  # every procedure deployed by the analyst
    keys = {"dic_a_tiempo": _delegation(engine, "2026-12-04")}
    _send_ficha(
        engine,
        keys["dic_a_tiempo"],
        [{"descripcion": "Informe", "responsable": "salud", "fecha_limite": "2026-12-18"}],
    )
    keys["dic_falta"] = _delegation(engine, "2026-12-04")
    keys["feb_tarde"] = _delegation(engine, "2027-02-05")  # ficha due 2027-02-10
    keys["feb_en_termino"] = _delegation(engine, "2027-02-19")  # ficha due 2027-02-24
    clock.set(datetime(2027, 2, 20, 9, 0, tzinfo=BOGOTA))
    _send_ficha(engine, keys["feb_tarde"])
    return keys


def _figures(engine: Engine, filters: Filters | None = None) -> dict[str, Indicator]:
    with engine.sessions() as session:
        return {i.policy: i for i in compliance(session, engine.clock.now(), filters)}


def _months(months: list[MonthFigures]) -> list[tuple[str, int, int, int]]:
    return [(m.month.strftime("%Y-%m"), m.compliant, m.non_compliant, m.pending) for m in months]


def test_the_trend_places_each_ficha_in_the_month_it_was_due_with_the_empty_months(
    engine: Engine, two_months: dict[str, str]
) -> None:
    p3 = _figures(engine)["3"]
    trend = monthly_trend(p3)
    assert _months(trend.months) == [
        ("2026-12", 1, 1, 0),
        ("2027-01", 0, 0, 0),
        ("2027-02", 0, 1, 1),
    ]
    assert [m.percent for m in trend.months] == [50.0, None, 0.0]
    assert sum(m.compliant for m in trend.months) == p3.compliant
    assert sum(m.non_compliant for m in trend.months) == p3.non_compliant
    assert sum(m.pending for m in trend.months) == p3.pending


def test_the_trend_over_a_period_spans_its_months_and_leaves_out_the_informative_groups(
    engine: Engine, two_months: dict[str, str]
) -> None:
    period = Filters(start=date(2026, 11, 15), end=date(2027, 3, 2))
    indicators = _figures(engine, period)
    trend = monthly_trend(indicators["3"], period.start, period.end)
    assert [m.month for m in trend.months] == [
        date(2026, 11, 1), date(2026, 12, 1), date(2027, 1, 1), date(2027, 2, 1), date(2027, 3, 1)
    ]  # fmt: skip
    assert _months(trend.months)[0] == ("2026-11", 0, 0, 0)
    # Policy 1: the December commitment is open and overdue; nothing informative is counted.
    assert _months(monthly_trend(indicators["1"]).months) == [("2026-12", 0, 1, 0)]


def test_a_century_long_period_draws_only_the_months_with_items(
    engine: Engine, two_months: dict[str, str]
) -> None:
    period = Filters(start=date(1926, 1, 1), end=date(2126, 1, 1))
    trend = monthly_trend(_figures(engine, period)["3"], period.start, period.end)
    assert [m.month for m in trend.months] == [
        date(2026, 12, 1),
        date(2027, 1, 1),
        date(2027, 2, 1),
    ]


# -- narrowing in SQL ---------------------------------------------------------------------------


@contextmanager
def statements_sent(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    sent: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            sent.append((statement, parameters))

    database = engine.sessions.kw["bind"]
    event.listen(database, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(database, "before_cursor_execute", record)


def _rows_read(engine: Engine, filters: Filters) -> int:
    """The rows the computation's SELECTs return: each is sent again, as it was, and counted."""
    with statements_sent(engine) as sent, engine.sessions() as session:
        compliance(session, engine.clock.now(), filters)
    database = engine.sessions.kw["bind"]
    with database.connect() as connection:
        return sum(
            len(connection.exec_driver_sql(statement, parameters).fetchall())
            for statement, parameters in sent
        )


def _task_events_of(engine: Engine, keys: list[str]) -> int:
    with engine.sessions() as session:
        return (
            session.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .join(Case, Case.id == AuditEvent.case_id)
                .where(Case.business_key.in_(keys), AuditEvent.action.in_(TASK_ACTIONS))
            )
            or 0
        )


def test_a_narrow_period_reads_only_its_cases_rows(
    engine: Engine, two_months: dict[str, str]
) -> None:
    everything = _rows_read(engine, Filters())
    february = _rows_read(engine, Filters(start=date(2027, 2, 1), end=date(2027, 2, 28)))
    december_events = _task_events_of(engine, [two_months["dic_a_tiempo"], two_months["dic_falta"]])
    assert december_events > 10
    # Neither December case is read (their commitment neither): at least their events fewer.
    assert february <= everything - december_events
    assert _rows_read(engine, Filters(start=date(2027, 3, 1))) < february


Placed = dict[str, dict[str, list[tuple[str, str]]]]


def _reference(engine: Engine, filters: Filters) -> Placed:
    """The old way: every case read, each item kept when the filters admit it."""
    return {
        policy: {
            b.code: [(i.business_key, i.detail) for i in b.items if filters.admits(i)]
            for b in indicator.buckets
        }
        for policy, indicator in _figures(engine, Filters()).items()
    }


def _narrowed(engine: Engine, filters: Filters) -> Placed:
    return {
        policy: {b.code: [(i.business_key, i.detail) for i in b.items] for b in indicator.buckets}
        for policy, indicator in _figures(engine, filters).items()
    }


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (date(2026, 12, 1), date(2026, 12, 31)),
        (date(2027, 1, 1), date(2027, 1, 31)),
        (date(2027, 2, 10), date(2027, 2, 10)),  # the day the late ficha was due
        (date(2026, 12, 18), None),  # the commitment's due date, open-ended
        (None, date(2026, 12, 4)),  # the sessions' day, from the beginning
        (None, date(2027, 2, 9)),
    ],
)
def test_a_narrowed_period_counts_what_the_whole_trail_filtered_counts(
    engine: Engine, two_months: dict[str, str], start: date | None, end: date | None
) -> None:
    period = Filters(start=start, end=end)
    assert _narrowed(engine, period) == _reference(engine, period)
