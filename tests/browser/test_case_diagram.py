"""The case's diagram: zoom controls, the minimap, organisms on the lanes, and the call
activity that holds a task open in a called process (issue 13, defect 8)."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer, axe_violations, screenshot, sign_in
from tests.web.conftest import draft_act_uploaded


def test_the_diagram_zooms_shows_a_minimap_and_marks_the_call_activity_in_progress(
    page: Page, live_server: LiveServer
) -> None:
    key = draft_act_uploaded(live_server.engine, asunto="Sesión del diagrama")
    sign_in(page, live_server.url, "despacho")
    page.goto(f"{live_server.url}/casos/{key}")
    diagram = page.locator("#diagrama")
    expect(diagram).to_have_attribute("data-ready", "true")
    expect(
        page.locator('.djs-element.bg-active[data-element-id="tramitar_acto_delegacion"]')
    ).to_have_count(1)
    expect(diagram.locator(".djs-minimap.open")).to_have_count(1)
    expect(diagram.locator(".djs-minimap .toggle")).to_have_attribute("title", "Cerrar minimapa")
    expect(diagram).to_contain_text("Despacho de Gobierno")  # the lane, by its organism

    controls = page.get_by_role("toolbar", name="Controles del diagrama")
    controls.get_by_role("button", name="Ajustar a la pantalla").click()
    fitted = float(controls.get_attribute("data-zoom") or "0")
    controls.get_by_role("button", name="Acercar").click()
    assert float(controls.get_attribute("data-zoom") or "0") > fitted
    controls.get_by_role("button", name="Alejar").click()
    controls.get_by_role("button", name="Alejar").click()
    assert float(controls.get_attribute("data-zoom") or "0") < fitted
    controls.get_by_role("button", name="Ir a lo que está en curso").click()
    assert float(controls.get_attribute("data-zoom") or "0") > fitted
    screenshot(page, "30-diagrama-zoom")
    assert axe_violations(page) == []
