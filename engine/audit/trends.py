"""Each policy indicator month by month: the items of an indicator computed over a period,
grouped by the month of the date that places each one in the period (the same date the period
filters on), so the months add up to the indicator's own figures."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from engine.audit.indicators import Indicator

# A period longer than this shows only from its first to its last month with items: "desde
# 1900" should not draw a century of empty months.
LONGEST_EMPTY_SPAN = 36


@dataclass(frozen=True)
class MonthFigures:
    month: date  # the first day of the month
    compliant: int
    non_compliant: int
    pending: int

    @property
    def measured(self) -> int:
        return self.compliant + self.non_compliant

    @property
    def percent(self) -> float | None:
        """Compliant over compliant plus non-compliant; None for a month with nothing measured."""
        return None if self.measured == 0 else 100 * self.compliant / self.measured


@dataclass(frozen=True)
class Trend:
    policy: str
    title: str
    months: list[MonthFigures]


def monthly_trend(
    indicator: Indicator, start: date | None = None, end: date | None = None
) -> Trend:
    """Every month from `start` (or the first item's) to `end` (or the last item's), the
    months without items included, so a gap in the chart is a month where nothing counted."""
    counts: dict[date, dict[str, int]] = {}
    for bucket in indicator.buckets:
        if bucket.outcome == "info":
            continue  # shown with the indicator, not part of its percentage
        for item in bucket.items:
            month = counts.setdefault(_first_of(item.day), {})
            month[bucket.outcome] = month.get(bucket.outcome, 0) + 1
    lowest, highest = min(counts, default=None), max(counts, default=None)
    first = _first_of(start) if start else lowest
    last = _first_of(end) if end else highest
    if first and last and lowest and highest and _span(first, last) > LONGEST_EMPTY_SPAN:
        first, last = max(first, lowest), min(last, highest)
    months = [
        MonthFigures(
            month,
            counts.get(month, {}).get("compliant", 0),
            counts.get(month, {}).get("non_compliant", 0),
            counts.get(month, {}).get("pending", 0),
        )
        for month in (_months(first, last) if first and last else [])
    ]
    return Trend(indicator.policy, indicator.title, months)


def _first_of(day: date) -> date:
    return day.replace(day=1)


def _span(first: date, last: date) -> int:
    return (last.year - first.year) * 12 + last.month - first.month + 1


def _months(first: date, last: date) -> Iterator[date]:
    month = first
    while month <= last:
        yield month
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
