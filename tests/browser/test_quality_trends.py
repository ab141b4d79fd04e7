"""The quality office in a browser: each indicator's monthly chart is an image with a name and a
description, its figures a table (axe-core WCAG 2.1 AA clean); a case's trace page prints
without its actions bar."""

from __future__ import annotations

import re
from datetime import datetime

from playwright.sync_api import Page, expect

from engine import ManualClock
from engine.bpm.calendar import BOGOTA
from tests.browser.conftest import LiveServer, axe_violations, screenshot, sign_in
from tests.helpers import complete, hold_session
from tests.web.conftest import PROPOSAL, start_p001
from tests.web.test_printed_documents import FICHA


def _case_with_ficha(live_server: LiveServer) -> str:
    engine = live_server.engine
    clock = engine.clock
    assert isinstance(clock, ManualClock)
    key = start_p001(engine, asunto="Sesión para la tendencia")
    complete(engine, key, "proponer_delegado", "despacho", PROPOSAL)
    complete(engine, key, "aprobar_delegacion", "secretario", {"decision_secretario": "aprobar"})
    try:
        hold_session(engine, key)  # moves the shared clock to the session's afternoon
        complete(engine, key, "diligenciar_ficha", "delegada", FICHA)
    finally:
        clock.set(datetime(2026, 12, 1, 9, 0, tzinfo=BOGOTA))
    return key


def test_the_trend_charts_and_the_trace_page_are_accessible(
    page: Page, live_server: LiveServer
) -> None:
    key = _case_with_ficha(live_server)
    sign_in(page, live_server.url, "calidad")
    page.goto(f"{live_server.url}/calidad?desde=2026-11-01&hasta=2027-01-31")
    chart = page.get_by_role("img", name="Política 3: porcentaje de cumplimiento por mes")
    expect(chart).to_be_visible()
    expect(chart).to_have_accessible_description(
        re.compile(r"^Porcentaje de cumplimiento por mes, de noviembre de 2026 a enero de 2027\.")
    )
    table = page.get_by_role("table", name="Política 3 por mes")
    expect(table.get_by_role("row", name="diciembre de 2026")).to_contain_text("100,0 %")
    expect(
        page.get_by_role("link", name="Descargar la tendencia en CSV (política 3)")
    ).to_be_visible()
    screenshot(page, "13-calidad-tendencias")
    assert axe_violations(page) == []

    page.goto(f"{live_server.url}/casos/{key}")
    page.get_by_role("link", name="Ver traza de auditoría").click()
    expect(page.get_by_role("heading", name=f"Traza de auditoría del caso {key}")).to_be_visible()
    actions = page.get_by_role("navigation", name="Acciones del documento")
    expect(actions).to_be_visible()
    screenshot(page, "14-traza")
    assert axe_violations(page) == []
    page.emulate_media(media="print")
    expect(actions).to_be_hidden()  # printed, the page is the document alone
