"""Defect 2 of issue 13 in a real browser: P005's meeting record, with its lists of plain
strings (attendees, agenda), is filled in, items added and removed, and the case starts."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer, axe_violations, screenshot, sign_in
from tests.conftest import BPMN
from tests.helpers import case_row, open_tasks


def test_p005_starts_from_the_web_with_its_lists_of_strings(
    page: Page, live_server: LiveServer
) -> None:
    live_server.engine.deploy([BPMN / "P005_seguimiento_compromisos.bpmn"], "admin")
    sign_in(page, live_server.url, "despacho")
    page.goto(f"{live_server.url}/iniciar/P005")
    page.locator("#campo-fecha_reunion").fill("2026-12-01")
    page.get_by_label("Asistente 1").fill("Ana Pérez")
    page.get_by_role("button", name="Agregar asistente").click()
    expect(page.get_by_label("Asistente 2")).to_be_focused()  # focus follows the new item
    page.get_by_label("Asistente 2").fill("Persona por quitar")
    page.get_by_role("button", name="Agregar asistente").click()
    page.get_by_label("Asistente 3").fill("Luis Gómez")
    page.get_by_role("button", name="Quitar asistente 2").click()
    expect(page.get_by_label("Asistente 2")).to_have_value("Luis Gómez")
    page.locator("#campo-objetivo").fill("Seguimiento del plan de acción")
    page.get_by_label("Tema 1").fill("Avance de compromisos")
    page.locator("#campo-desarrollo").fill("Se revisaron los compromisos.")
    page.locator("#campo-compromisos-0-descripcion").fill("Enviar el informe")
    page.locator("#campo-compromisos-0-responsable").select_option("salud")
    page.locator("#campo-compromisos-0-fecha_limite").fill("2026-12-15")
    screenshot(page, "p005-acta-reunion")
    violations = axe_violations(page)
    page.get_by_role("button", name="Iniciar el trámite").click()
    expect(page.locator(".flashes")).to_contain_text(re.compile(r"Inició el trámite P005-"))
    assert violations == []
    key = page.url.rsplit("/", 1)[-1]
    data = case_row(live_server.engine, key).data
    assert data["asistentes"] == ["Ana Pérez", "Luis Gómez"]
    assert data["orden_del_dia"] == ["Avance de compromisos"]
    assert [t.element_id for t in open_tasks(live_server.engine, key)] == ["reportar_avance"]
