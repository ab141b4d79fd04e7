"""Issue 17 in a real browser: with a desfavorable DAGJP concept, P004's convocation form shows
"Continuar el trámite" disabled, its reason as the radio's accessible description; the leader
can still convene the Committee or archive, and the page passes axe."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from handlers.viability import VETO_REASON
from tests.browser.conftest import LiveServer, axe_violations, screenshot, sign_in
from tests.conftest import BPMN
from tests.helpers import complete, task_for
from tests.web.test_unavailable_options import BILL, CONCEPT_GROUPS


def test_continue_is_shown_disabled_with_why_when_the_legal_concept_is_unfavourable(
    page: Page, live_server: LiveServer
) -> None:
    engine = live_server.engine
    engine.deploy([BPMN / "P004_proyectos_acuerdo.bpmn"], "admin")
    key = engine.start("P004", "despacho", BILL)
    complete(engine, key, "verificar_completitud", "despacho", {"decision_completitud": "completo"})
    for concept, group in CONCEPT_GROUPS.items():
        data = {f"concepto_{concept}": "favorable"}
        if concept == "juridico":
            data = {"concepto_juridico": "desfavorable", "razones_concepto_juridico": "Ilegal"}
        complete(engine, key, f"concepto_{concept}", group, data)
    task = task_for(engine, key, "decidir_convocatoria")

    sign_in(page, live_server.url, "despacho")
    page.goto(f"{live_server.url}/tareas/{task.id}")
    decision = page.get_by_role("group", name="Decisión sin Comité")
    continuar = decision.get_by_role("radio", name="Continuar el trámite")
    expect(continuar).to_be_disabled()
    expect(continuar).to_have_accessible_description(f"No disponible en este caso: {VETO_REASON}")
    expect(decision.get_by_text(VETO_REASON)).to_be_visible()
    archivar = decision.get_by_role("radio", name="Archivar el proyecto")
    expect(archivar).to_be_enabled()
    page.get_by_role("radio", name="No convocar").check()
    archivar.check()
    expect(archivar).to_be_checked()
    expect(continuar).not_to_be_checked()
    screenshot(page, "p004-convocatoria-continuar-no-disponible")
    assert axe_violations(page) == []
