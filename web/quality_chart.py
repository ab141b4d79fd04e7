"""An indicator's monthly trend as a bar chart drawn on the server (SVG, no script): one bar per
month, its height the month's compliance percentage. Only the geometry is here; the template
(`quality/_trend.html`) draws it and puts the same figures in a data table beside it, which is
what a screen reader reads (the SVG is one image with a title and a description)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import format_date, gettext

from engine.audit.trends import Trend
from web.filters import percent_text

HEIGHT = 220
TOP = 22  # room for the value over a full bar
BOTTOM = 40  # room for the month and year under the axis
LEFT = 52  # room for the percentages of the axis
RIGHT = 12
SLOT = 52  # the width a month takes
BAR = 30
PLOT = HEIGHT - TOP - BOTTOM
TICKS = (0, 25, 50, 75, 100)


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label_x: float
    month: str  # "dic"
    year: str
    value: str  # "33,3 %", or "—" for a month with nothing measured


@dataclass(frozen=True)
class Tick:
    y: float
    label: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: int
    right: int  # x of the plot's right edge
    baseline: float
    bars: list[Bar]
    ticks: list[Tick]
    description: str


def trend_chart(trend: Trend) -> Chart:
    width = LEFT + RIGHT + SLOT * max(len(trend.months), 1)
    baseline = TOP + PLOT
    bars = []
    for index, month in enumerate(trend.months):
        height = 0.0 if month.percent is None else PLOT * month.percent / 100
        x = LEFT + SLOT * index + (SLOT - BAR) / 2
        bars.append(
            Bar(
                x=x,
                y=baseline - height,
                width=BAR,
                height=height,
                label_x=x + BAR / 2,
                month=format_date(month.month, "MMM"),
                year=format_date(month.month, "y"),
                value=percent_text(month.percent),
            )
        )
    ticks = [Tick(TOP + PLOT * (100 - value) / 100, f"{value} %") for value in TICKS]
    return Chart(width, HEIGHT, LEFT, width - RIGHT, baseline, bars, ticks, _description(trend))


def _description(trend: Trend) -> str:
    """What the chart shows in one sentence, for whoever cannot see it."""
    if not trend.months:
        return str(gettext("No hay meses con datos en el periodo."))
    text: str = gettext(
        "Porcentaje de cumplimiento por mes, de %(first)s a %(last)s.",
        first=month_name(trend.months[0].month),
        last=month_name(trend.months[-1].month),
    )
    measured = [m for m in trend.months if m.percent is not None]
    if measured:
        text += " " + gettext(
            "Último mes con datos, %(month)s: %(percent)s.",
            month=month_name(measured[-1].month),
            percent=percent_text(measured[-1].percent),
        )
    else:
        text += " " + gettext("Ningún mes tiene casos medidos.")
    return text + " " + str(gettext("Las cifras están en la tabla que sigue."))


def month_name(month: date) -> str:
    """ "diciembre de 2026" """
    return str(format_date(month, "MMMM 'de' y"))
