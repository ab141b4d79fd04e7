"""An official declares an absence with a substitute in "Mis ausencias"; the substitute finds the
absent colleague's group task in the inbox, marked, and opens it; the absence is cancelled."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import Page, expect

from engine.bpm.calendar import local_date
from tests.browser.conftest import LiveServer, axe_violations, screenshot, sign_in, sign_out
from tests.helpers import task_for
from tests.web.conftest import start_p001


def test_a_substitute_receives_the_absent_colleagues_task_marked(
    page: Page, live_server: LiveServer
) -> None:
    today = local_date(live_server.engine.clock.now())
    key = start_p001(live_server.engine, asunto="Sesión en suplencia")
    task = task_for(live_server.engine, key, "proponer_delegado")
    sign_in(page, live_server.url, "despacho2")
    page.get_by_role("link", name="Mis ausencias").click()
    page.get_by_role("button", name="Declarar ausencia").click()  # empty: refused in place
    expect(page.get_by_role("alert")).to_contain_text("nada se guardó")
    assert axe_violations(page) == []

    page.get_by_label("Suplente", exact=True).select_option("juridica")
    page.get_by_label("Desde (primer día de ausencia)").fill(today.isoformat())
    page.get_by_label("Hasta (último día de ausencia)").fill(
        (today + timedelta(days=1)).isoformat()
    )
    page.get_by_label("Motivo").fill("Comisión de servicios")
    page.get_by_role("button", name="Declarar ausencia").click()
    expect(page.locator(".flashes")).to_contain_text("Declaró la ausencia del")
    row = page.get_by_role("row").filter(has_text="Comisión de servicios")
    expect(row).to_contain_text("Abogada DAGJP")
    expect(row).to_contain_text("En curso")
    screenshot(page, "30-mis-ausencias")
    assert axe_violations(page) == []
    sign_out(page)

    sign_in(page, live_server.url, "juridica")
    page.goto(f"{live_server.url}/?bandeja=grupos")
    marked = page.get_by_role("row").filter(has_text=key)
    expect(marked).to_contain_text("En suplencia de Contratista Despacho de Gobierno")
    screenshot(page, "31-bandeja-en-suplencia")
    assert axe_violations(page) == []
    marked.get_by_role("link", name="Proponer delegado").click()
    page.wait_for_url(f"**/tareas/{task.id}")
    expect(page.locator(".summary")).to_contain_text("En suplencia de Contratista")
    assert axe_violations(page) == []
    sign_out(page)

    sign_in(page, live_server.url, "despacho2")
    page.goto(f"{live_server.url}/cuenta/ausencias")
    page.get_by_role("button", name="Cancelar la ausencia").first.click()
    expect(page.locator(".flashes")).to_contain_text("Canceló la ausencia")
    expect(page.get_by_role("row").filter(has_text="Comisión de servicios")).to_contain_text(
        "Cancelada"
    )
