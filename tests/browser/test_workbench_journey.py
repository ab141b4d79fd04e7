"""The analyst's whole journey in a real browser (issue 15, "done when"): open P001 in the modeler,
rename a task, remove its form and see the lint problem on it, restore it, save, compare the
draft with version 1, run the scenarios, deploy version 2 and migrate a running version-1 case,
which the official then continues on version 2 from the inbox. Every workbench page on the way is
checked with axe-core (WCAG 2.1 A/AA)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import (
    LiveServer,
    axe_violations,
    screenshot,
    serving,
    sign_in,
    sign_out,
)
from tests.conftest import BPMN
from tests.web.conftest import INVITATION


@pytest.fixture(scope="module")
def journey_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A live server of its own (the journey deploys and migrates: no other test sees it),
    every procedure deployed, the processes/ folder of the repository for the scenarios."""
    folder: Path = tmp_path_factory.mktemp("journey")
    processes = folder / "processes"
    processes.mkdir()
    for part in ("bpmn", "forms", "scenarios"):
        (processes / part).symlink_to(BPMN.parent / part)
    with serving(folder, [BPMN], {"PROCESSES_DIRECTORY": str(processes)}) as server:
        yield server


def test_analyst_renames_tests_deploys_and_migrates_a_running_case(
    browser: Browser, journey_server: LiveServer
) -> None:
    url = journey_server.url
    running = journey_server.engine.start("P001", "despacho", dict(INVITATION))
    # axe.min.js goes in as an inline script, which the pages' CSP forbids on purpose;
    # test_workbench_modeler.py drives the modeler with the CSP on.
    context = browser.new_context(
        bypass_csp=True, locale="es-CO", viewport={"width": 1400, "height": 1000}
    )
    page: Page = context.new_page()
    page.set_default_timeout(30_000)
    violations: dict[str, list[str]] = {}

    sign_in(page, url, "analista")
    page.get_by_role("link", name="Modelos").click()
    violations["biblioteca"] = axe_violations(page)
    page.get_by_role("button", name="Editar v1 como borrador").first.click()
    page.wait_for_selector("#modelador[data-ready='true']")

    page.locator("[data-element-id='proponer_delegado']").first.click()
    page.locator(
        "#propiedades [data-group-id='group-general'] .bio-properties-panel-group-header"
    ).click()
    name = page.locator("#propiedades textarea[name='name'], #propiedades input[name='name']")
    name.first.fill("Postular delegado")
    # The task loses its form in the properties panel: the linter names it on the element.
    panel = page.locator("#propiedades")
    panel.locator("[data-group-id='group-spiff-form'] .bio-properties-panel-group-header").click()
    form_select = panel.locator("select[name='formJsonSchemaFilename']")
    form_select.select_option("")
    page.get_by_role("button", name="Guardar borrador").click()
    expect(page.locator("#estado")).to_have_text("Guardado: revisión 2.")
    problem = page.locator("#problemas li[data-element='proponer_delegado']")
    expect(problem).to_contain_text("no tiene formulario")
    expect(page.locator("[data-element-id='proponer_delegado'].bg-problem")).to_have_count(1)
    problem.get_by_role("button", name="proponer_delegado").click()
    form_select.select_option("P001.propuesta.schema.json")
    page.get_by_role("button", name="Guardar borrador").click()
    expect(page.locator("#estado")).to_have_text("Guardado: revisión 3.")
    expect(page.locator("#problemas-resumen")).to_have_text(
        "Sin problemas: el borrador se puede desplegar."
    )

    page.get_by_role("link", name="Comparar con la versión 1").click()
    row = page.locator("tr[data-element='proponer_delegado']")
    expect(row).to_contain_text("modificado")
    expect(row).to_contain_text("Postular delegado")
    violations["comparar"] = axe_violations(page)

    page.go_back()
    page.get_by_role("link", name="Problemas y despliegue").click()
    expect(page.locator("#escenarios-estado")).to_contain_text(
        "los escenarios de P001 deben pasar con la revisión 3"
    )
    expect(page.get_by_role("button", name="Desplegar como nueva versión")).to_have_count(0)
    violations["problemas"] = axe_violations(page)
    # Every P001 scenario runs in a scratch database within this one request: the longest
    # request of the suite, which a loaded machine can take well past the default 30 s.
    page.get_by_role("button", name="Probar los escenarios de P001").click(timeout=120_000)
    expect(page.get_by_role("status").filter(has_text="escenarios pasaron")).to_have_text(
        re.compile(r"(\d+) de \1 escenarios pasaron\."), timeout=120_000
    )
    violations["escenarios"] = axe_violations(page)
    page.get_by_role("button", name="Desplegar como nueva versión").click()
    expect(page.locator(".flashes")).to_contain_text("P001 versión 2 desplegada")

    page.locator("section[aria-labelledby='proc-P001']").get_by_role(
        "link", name="Migrar casos en curso a otra versión"
    ).click()
    page.locator("#hacia").select_option("2")
    page.get_by_role("button", name="Revisar los casos").click()
    case_row = page.locator(f"tr[data-case='{running}']")
    expect(case_row).to_contain_text("Se puede migrar")
    violations["migrar"] = axe_violations(page)
    page.get_by_role("button", name="Migrar los casos marcados a v2").click()
    expect(page.get_by_role("status").filter(has_text="migrados")).to_have_text(
        "1 casos migrados, 0 rechazados."
    )
    expect(page.locator(f"li[data-case='{running}']")).to_contain_text("v1 → v2")
    violations["migrados"] = axe_violations(page)
    screenshot(page, "workbench-migrated")
    sign_out(page)

    # The official finds the case under version 2's name and carries on.
    sign_in(page, url, "despacho")
    page.goto(f"{url}/?bandeja=grupos&q={running}")
    task_row = page.get_by_role("row").filter(has_text=running)
    task_row.get_by_role("link", name="Postular delegado").click()
    page.locator("#campo-delegado").select_option("delegada")
    page.locator("#campo-cargo_delegado").fill("Subsecretaria de Cultura")
    page.get_by_role("button", name="Enviar y completar la tarea").click()
    expect(page.locator(".flashes")).to_contain_text("Completó «Postular delegado»")
    context.close()

    assert [t.name for t in journey_server.engine.tasks("secretario") if t.case == running] == [
        "Aprobar delegación"
    ]
    assert violations == {page_name: [] for page_name in violations}
