"""Each indicator's trend on /calidad: a bar chart drawn on the server (SVG, an image with a
title and a description) with the same figures in a data table, which downloads as CSV."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

from flask.testing import FlaskClient

from engine import Engine
from engine.audit.quality import trend_csv
from engine.audit.trends import MonthFigures, Trend
from tests.web.conftest import login
from tests.web.test_quality_page import _two_fichas_one_missing


def _section(page: str, policy: str) -> str:
    start = page.index(f'id="tendencia-{policy}-titulo"')
    return page[start : page.index("</section>", start)]


def test_each_policy_has_a_chart_with_its_data_table_and_no_script(
    client: FlaskClient, p001: Engine
) -> None:
    _two_fichas_one_missing(p001)  # December 2026: one ficha sent on time, one never sent
    login(client, "calidad")
    page = client.get("/calidad?desde=2026-11-01&hasta=2027-01-31").text
    for policy in "1234":
        assert f'id="tendencia-{policy}-titulo"' in page
    trend = _section(page, "3")
    svg = trend[trend.index("<svg") : trend.index("</svg>")]
    assert 'role="img"' in svg
    assert 'aria-labelledby="tendencia-3-svg-titulo"' in svg
    assert 'aria-describedby="tendencia-3-svg-desc"' in svg
    assert "Política 3: porcentaje de cumplimiento por mes" in svg
    assert "de noviembre de 2026 a enero de 2027" in svg
    assert "Último mes con datos, diciembre de 2026: 50,0 %" in svg
    assert svg.count("<rect") == 1  # one month measured; November and January have no bar
    assert "<script" not in trend
    table = trend[trend.index("<table") : trend.index("</table>")]
    rows = [
        [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)
        ]
        for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)
    ]
    assert rows == [
        ["Mes", "Cumplen", "No cumplen", "Pendientes", "Cumplimiento"],
        ["noviembre de 2026", "0", "0", "0", "—"],
        ["diciembre de 2026", "1", "1", "0", "50,0 %"],
        ["enero de 2027", "0", "0", "0", "—"],
    ]
    assert 'href="/calidad/politica/3/tendencia.csv?desde=2026-11-01&amp;hasta=2027-01-31"' in trend


def test_the_trend_table_downloads_as_csv_with_a_bom_and_spanish_headers(
    client: FlaskClient, p001: Engine
) -> None:
    _two_fichas_one_missing(p001)
    login(client, "calidad")
    response = client.get("/calidad/politica/3/tendencia.csv?desde=2026-12-01&hasta=2027-01-31")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "politica-3-tendencia.csv" in response.headers["Content-Disposition"]
    text = response.data.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert rows[0] == [
        "Política", "Indicador", "Mes (AAAA-MM)", "Cumplen", "No cumplen", "Pendientes",
        "Porcentaje de cumplimiento",
    ]  # fmt: skip
    assert [row[2:] for row in rows[1:]] == [
        ["2026-12", "1", "1", "0", "50,0"],
        ["2027-01", "0", "0", "0", ""],
    ]
    assert client.get("/calidad/politica/9/tendencia.csv").status_code == 404
    login(client, "despacho")
    assert client.get("/calidad/politica/3/tendencia.csv").status_code == 403


def test_a_period_without_items_says_so_instead_of_drawing(
    client: FlaskClient, p001: Engine
) -> None:
    login(client, "calidad")
    page = client.get("/calidad").text
    assert "<svg" not in _section(page, "2")
    assert "No hay meses con datos en el periodo." in _section(page, "2")


def test_no_cell_of_the_trend_csv_reaches_a_spreadsheet_as_a_formula() -> None:
    trend = Trend("3", '=HYPERLINK("http://x")', [MonthFigures(date(2026, 12, 1), 1, 0, 0)])
    rows = list(csv.reader(io.StringIO(trend_csv(trend).removeprefix("\ufeff"))))
    assert rows[1] == ["3", '\'=HYPERLINK("http://x")', "2026-12", "1", "0", "0", "100,0"]
