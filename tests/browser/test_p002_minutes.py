"""Issue 17 in a real browser: P002's meeting record takes its attendees and agenda as lists (as
P005's does), items added and removed, and a meeting without commitments closes the case (the
form leaves the empty list of commitments out; P005 starts with none)."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer, axe_violations, screenshot, sign_in
from tests.conftest import BPMN
from tests.helpers import case_row, complete, task_for


def _at_the_meeting(live_server: LiveServer) -> str:
    engine = live_server.engine
    engine.deploy([BPMN / "P002_actividades_secretario.bpmn"], "admin")
    key = engine.start("P002", "despacho", {
        "tipo_actividad": "reunion", "nombre_actividad": "Mesa de seguridad del oriente",
        "solicitante": "Policía Metropolitana", "fecha_evento": "2026-12-03",
    })  # fmt: skip
    complete(engine, key, "tamizar_solicitud", "despacho",
             {"recomendacion_tamizaje": "aceptar", "organismo_responsable": "secretaria_salud"})  # fmt: skip
    complete(engine, key, "decidir_asistencia", "secretario", {"decision_secretario": "aceptar"})
    complete(engine, key, "agendar_actividad", "despacho",
             {"fecha_agendada": "2026-12-03", "hora_agendada": "09:00", "lugar_agendado": "CAM"})  # fmt: skip
    complete(engine, key, "preparar_insumos", "salud", {"resumen_insumos": "Cifras del oriente"})
    return key


def test_p002_minutes_are_filled_with_lists_of_attendees_and_topics(
    page: Page, live_server: LiveServer
) -> None:
    key = _at_the_meeting(live_server)
    task = task_for(live_server.engine, key, "registrar_reunion")
    sign_in(page, live_server.url, "despacho")
    page.goto(f"{live_server.url}/tareas/{task.id}")
    page.locator("#campo-fecha_reunion").fill("2026-12-03")
    page.get_by_label("Asistente 1").fill("Comandante de la Policía Metropolitana")
    page.get_by_role("button", name="Agregar asistente").click()
    expect(page.get_by_label("Asistente 2")).to_be_focused()
    page.get_by_label("Asistente 2").fill("Persona por quitar")
    page.get_by_role("button", name="Agregar asistente").click()
    page.get_by_label("Asistente 3").fill("Secretario de Gobierno")
    page.get_by_role("button", name="Quitar asistente 2").click()
    expect(page.get_by_label("Asistente 2")).to_have_value("Secretario de Gobierno")
    page.locator("#campo-objetivo").fill("Acordar el plan de intervención del oriente")
    page.get_by_label("Tema 1").fill("Cifras de seguridad")
    page.get_by_role("button", name="Agregar tema").click()
    page.get_by_label("Tema 2").fill("Plan de intervención")
    page.locator("#campo-desarrollo").fill("El Secretario presentó el plan.")
    screenshot(page, "p002-acta-reunion")
    violations = axe_violations(page)
    page.get_by_role("button", name="Enviar y completar la tarea").click()
    expect(page.locator(".flashes")).to_contain_text(re.compile(r"Completó «Registrar reunión"))
    assert violations == []
    case = case_row(live_server.engine, key)
    assert case.data["asistentes"] == [
        "Comandante de la Policía Metropolitana",
        "Secretario de Gobierno",
    ]
    assert case.data["orden_del_dia"] == ["Cifras de seguridad", "Plan de intervención"]
    assert case.status == "completed"
