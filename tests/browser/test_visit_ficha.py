"""Issue 17 in a real browser: the Ficha de visita internacional (P008.F001) with its members
and positions, nota verbal, contact and security requirements, and an organism picked from the
directory for the requested meeting; a mission that asks for the Mayor reaches his office."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer, axe_violations, sign_in
from tests.conftest import BPMN
from tests.helpers import case_row, complete, open_elements


def test_p008_ficha_is_filled_in_the_browser_and_the_mayors_office_is_consulted(
    page: Page, live_server: LiveServer
) -> None:
    engine = live_server.engine
    engine.deploy([BPMN / "P008_misiones_diplomaticas.bpmn"], "admin")
    sign_in(page, live_server.url, "orc")
    page.goto(f"{live_server.url}/iniciar/P008")
    page.get_by_role("button", name="Agregar fila (miembro)").click()
    page.locator("#campo-pais").fill("Japón")
    page.locator("#campo-delegacion").fill("Misión de cooperación de Japón")
    page.locator("#campo-nivel_delegacion").select_option("embajador")
    page.locator("#campo-jefe_delegacion").fill("Embajador de Japón")
    page.locator("#campo-miembros_delegacion-0-nombre_miembro").fill("Kenji Sato")
    page.locator("#campo-miembros_delegacion-0-cargo_miembro").fill("Embajador")
    page.locator("#campo-miembros_delegacion-1-nombre_miembro").fill("Ana Ruiz")
    page.locator("#campo-miembros_delegacion-1-cargo_miembro").fill("Consejera")
    page.locator("#campo-nota_verbal_numero").fill("NV-015/2027")
    page.locator("#campo-nota_verbal_fecha").fill("2026-11-25")
    page.locator("#campo-fecha_llegada").fill("2027-02-08")
    page.locator("#campo-fecha_salida").fill("2027-02-10")
    page.locator("#campo-objetivos").fill("Cooperación técnica en gestión del riesgo")
    page.locator("#campo-idioma_delegacion").fill("japonés")
    page.locator("#campo-contacto_delegacion").fill("Ana Ruiz, consejera")
    page.locator("#campo-contacto_correo").fill("ana.ruiz@embajada.jp")
    page.locator("#campo-requisitos_seguridad").fill("Escolta para el embajador")
    page.locator("#campo-reuniones_solicitadas-0-organismo").select_option("despacho_alcalde")
    page.locator("#campo-reuniones_solicitadas-0-tema").fill("Saludo protocolario")
    violations = axe_violations(page)
    page.get_by_role("button", name="Iniciar el trámite").click()
    expect(page.locator(".flashes")).to_contain_text(re.compile(r"Inició el trámite P008-"))
    assert violations == []
    key = page.url.rsplit("/", 1)[-1]
    data = case_row(engine, key).data
    assert data["miembros_delegacion"] == [
        {"nombre_miembro": "Kenji Sato", "cargo_miembro": "Embajador"},
        {"nombre_miembro": "Ana Ruiz", "cargo_miembro": "Consejera"},
    ]
    assert data["reuniones_solicitadas"] == [
        {"organismo": "despacho_alcalde", "tema": "Saludo protocolario"}
    ]
    complete(engine, key, "decidir_recepcion", "orc", {"decision_orc": "recibir"})
    assert open_elements(engine, key) == ["consultar_agenda_alcalde"]
