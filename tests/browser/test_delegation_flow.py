"""P001 in a real browser: the officials of one case, from the invitation to the ficha and the
follow-up of its commitments (P005, called inside the case)."""

from __future__ import annotations

import re
from datetime import datetime

from playwright.sync_api import Page, expect

from engine import ManualClock
from engine.bpm.calendar import BOGOTA
from tests.browser.conftest import LiveServer, axe_violations, screenshot, sign_in, sign_out
from tests.helpers import follow_commitments
from tests.web.conftest import PDF


def _open_task(page: Page, live_server: LiveServer, tab: str, key: str, task_name: str) -> None:
    page.goto(f"{live_server.url}/?bandeja={tab}&q={key}")
    row = page.get_by_role("row").filter(has_text=key).filter(has_text=task_name)
    row.get_by_role("link", name=task_name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(task_name)


def test_delegation_from_invitation_to_ficha(page: Page, live_server: LiveServer) -> None:
    violations: dict[str, list[str]] = {}
    page.goto(f"{live_server.url}/ingresar")
    screenshot(page, "01-ingresar")
    violations["ingresar"] = axe_violations(page)

    # Despacho de Gobierno registers the invitation.
    sign_in(page, live_server.url, "despacho")
    page.get_by_role("link", name="Iniciar trámite").click()
    screenshot(page, "02-iniciar")
    violations["iniciar"] = axe_violations(page)
    page.get_by_role("link", name=re.compile("Iniciar P001")).click()
    page.locator("#campo-instancia").fill("Junta Directiva de EMCALI")
    page.locator("#campo-asunto").fill("Sesión ordinaria de diciembre")
    page.locator("#campo-fecha_sesion").fill("2026-12-04")
    page.get_by_label("Puntual (una sesión)").check()
    screenshot(page, "03-formulario-inicio")
    violations["formulario de inicio"] = axe_violations(page)
    page.get_by_role("button", name="Iniciar el trámite").click()
    expect(page.locator(".flashes")).to_contain_text("Inició el trámite P001-")
    key = page.url.rsplit("/", 1)[-1]

    # ... and proposes the delegate.
    _open_task(page, live_server, "grupos", key, "Proponer delegado")
    page.locator("#campo-delegado").select_option("delegada")
    page.locator("#campo-cargo_delegado").fill("Subsecretaria de Cultura")
    page.get_by_role("button", name="Enviar y completar la tarea").click()
    expect(page.locator(".flashes")).to_contain_text("Completó «Proponer delegado»")
    sign_out(page)

    # The Secretario approves with one button.
    sign_in(page, live_server.url, "secretario")
    _open_task(page, live_server, "grupos", key, "Aprobar delegación")
    expect(page.get_by_text("Subsecretaria delegada")).to_be_visible()  # the proposal, read-only
    page.get_by_role("button", name="Aprobar", exact=True).click()
    sign_out(page)

    # Despacho de Gobierno communicates the one-off delegation in writing (Ley 489 art. 10).
    sign_in(page, live_server.url, "despacho")
    _open_task(page, live_server, "grupos", key, "Comunicar la delegación por escrito")
    page.locator("#campo-numero_oficio").fill("202641730100021")
    page.locator("#campo-fecha_oficio").fill("2026-12-01")
    page.locator("#campo-oficio_delegacion").set_input_files(
        {"name": "oficio.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    violations["oficio de delegación"] = axe_violations(page)
    page.get_by_role("button", name="Enviar y completar la tarea").click()
    expect(page.locator(".flashes")).to_contain_text("Completó «Comunicar la delegación")
    sign_out(page)

    # The delegate reports the session held (not before it happens), then fills the ficha:
    # two commitments and the minutes.
    sign_in(page, live_server.url, "delegada")
    screenshot(page, "04-bandeja")
    violations["bandeja"] = axe_violations(page)
    expect(page.get_by_role("row").filter(has_text=key)).to_contain_text("Faltan 3 días hábiles")
    _open_task(page, live_server, "mias", key, "Informar la realización de la sesión")
    page.get_by_label("Se realizó y asistí").check()
    page.locator("#campo-fecha_realizacion").fill("2026-12-04")
    page.get_by_role("button", name="Enviar y completar la tarea").click()
    expect(page.locator("#campo-fecha_realizacion-error")).to_contain_text(
        "no puede ser posterior a hoy"
    )
    clock = live_server.engine.clock
    assert isinstance(clock, ManualClock)
    clock.set(datetime(2026, 12, 4, 17, 0, tzinfo=BOGOTA))
    try:
        page.get_by_role("button", name="Enviar y completar la tarea").click()
        expect(page.locator(".flashes")).to_contain_text("Completó «Informar la realización")
        _file_ficha(page, live_server, key, violations)
    finally:
        clock.set(datetime(2026, 12, 1, 9, 0, tzinfo=BOGOTA))

    # P005 inside the case: Salud reports progress on its commitment, Despacho verifies it.
    sign_in(page, live_server.url, "salud")
    _open_task(
        page,
        live_server,
        "mias",
        key,
        "Reportar avance: Enviar informe de gestión (salud, vence el 18 de diciembre de 2026)",
    )
    page.locator("#campo-avance").fill("Informe de gestión enviado")
    screenshot(page, "06-reporte-avance")
    violations["reporte de avance"] = axe_violations(page)
    page.get_by_role("button", name="Enviar y completar la tarea").click()
    expect(page.locator(".flashes")).to_contain_text(
        "Completó «Reportar avance: Enviar informe de gestión (salud, vence el 18 de diciembre de 2026)»"
    )
    sign_out(page)
    sign_in(page, live_server.url, "despacho")
    _open_task(
        page,
        live_server,
        "grupos",
        key,
        "Verificar cumplimiento: Enviar informe de gestión (salud, vence el 18 de diciembre de 2026)",
    )
    page.get_by_label("Cumplido", exact=True).check()
    page.get_by_role("button", name="Enviar y completar la tarea").click()
    expect(page.locator(".flashes")).to_contain_text("Completó «Verificar cumplimiento")
    # Movilidad's commitment is followed through the engine, to the end of the case.
    assert follow_commitments(live_server.engine, key) == ["movilidad"]

    # The case page: timeline, the file, and the path on the diagram.
    page.goto(f"{live_server.url}/casos/{key}")
    expect(page.locator("#diagrama")).to_have_attribute("data-ready", "true")
    for element in (
        "inicio",
        "proponer_delegado",
        "aprobar_delegacion",
        "comunicar_delegacion",
        "diligenciar_ficha",
        "seguir_compromisos",
    ):
        expect(page.locator(f'.djs-element.bg-done[data-element-id="{element}"]')).to_have_count(1)
    expect(page.locator('.djs-element.bg-done[data-element-id="fin_cumplida"]')).to_have_count(1)
    expect(page.locator('.djs-element.bg-done[data-element-id="fin_rechazada"]')).to_have_count(0)
    timeline = page.locator(".timeline")
    expect(timeline).to_contain_text("Completó la tarea «Diligenciar ficha técnica de delegación»")
    expect(timeline).to_contain_text("El trámite terminó")
    expect(page.get_by_role("link", name="acta.pdf").first).to_be_visible()
    expect(page.get_by_text("Terminado", exact=True)).to_be_visible()
    screenshot(page, "07-caso")
    violations["caso"] = axe_violations(page)

    assert {name: found for name, found in violations.items() if found} == {}


def _file_ficha(
    page: Page, live_server: LiveServer, key: str, violations: dict[str, list[str]]
) -> None:
    expect(page.get_by_role("row").filter(has_text=key)).to_contain_text("Faltan 3 días hábiles")
    _open_task(page, live_server, "mias", key, "Diligenciar ficha técnica de delegación")
    # The header comes from the case: the instance, the delegate, her position and the oficio.
    expect(page.locator("#campo-encabezado-instancia")).to_have_value("Junta Directiva de EMCALI")
    expect(page.locator("#campo-encabezado-delegado")).to_have_value("delegada")
    expect(page.locator("#campo-encabezado-documento_delegacion")).to_have_value(
        "Oficio 202641730100021 del 2026-12-01"
    )
    page.locator("#campo-fecha_realizacion").fill("2026-12-04")
    page.locator("#campo-asistentes-0-nombre").fill("Gerente de EMCALI")
    page.locator("#campo-asistentes-0-entidad").fill("EMCALI EICE ESP")
    page.get_by_label("A favor", exact=True).check()
    page.locator("#campo-posicion_delegado").fill("La Administración apoyó el presupuesto.")
    page.locator("#campo-proxima_sesion").fill("2027-01-22")

    page.locator("#campo-resumen_sesion").fill("Se aprobó el presupuesto 2027.")
    page.locator("#campo-compromisos-0-descripcion").fill("Enviar informe de gestión")
    page.locator("#campo-compromisos-0-responsable").select_option("salud")
    page.locator("#campo-compromisos-0-fecha_limite").fill("2026-12-18")
    page.get_by_role("button", name="Agregar fila (compromiso)").click()
    expect(page.locator("#campo-compromisos-1-descripcion")).to_be_focused()
    expect(page.locator("#campo-compromisos-0-descripcion")).to_have_value(
        "Enviar informe de gestión"
    )
    page.locator("#campo-compromisos-1-descripcion").fill("Revisar tarifas")
    page.locator("#campo-compromisos-1-responsable").select_option("movilidad")
    page.locator("#campo-compromisos-1-fecha_limite").fill("2027-01-15")
    page.locator("#campo-acta_adjunta").set_input_files(
        {"name": "acta.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    screenshot(page, "05-tarea-ficha")
    violations["tarea"] = axe_violations(page)
    page.get_by_role("button", name="Enviar y completar la tarea").click()
    expect(page.locator(".flashes")).to_contain_text("Completó «Diligenciar ficha técnica")
    page.goto(f"{live_server.url}/?q={key}")
    expect(page.get_by_text("0 tareas")).to_be_visible()
    sign_out(page)
