"""The analyst opens P001 in the workbench's modeler, renames a task in the properties panel,
saves the draft, sees the linter's verdict and the rename in the comparison with version 1."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from engine.bpm.bpmn_xml import executable_processes, parse_xml, process_elements
from tests.browser.conftest import axe_violations, screenshot, serving, sign_in, wide_page
from tests.conftest import BPMN


@pytest.fixture(scope="module")
def workbench_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A live server of its own with every procedure deployed (P001 calls P003 and P005)."""
    with serving(tmp_path_factory.mktemp("workbench"), [BPMN]) as server:
        yield server.url


def test_analyst_renames_a_task_in_the_modeler_and_compares_with_version_1(
    browser: Browser, workbench_server: str
) -> None:
    # The page's own Content-Security-Policy stays on: the modeler must run under it (with
    # inline styles allowed on that page only, see web/workbench.py).
    refused: list[str] = []
    page = wide_page(browser, refused)
    context = page.context
    sign_in(page, workbench_server, "analista")
    page.get_by_role("link", name="Modelos").click()
    page.get_by_role("button", name="Editar v1 como borrador").first.click()
    page.wait_for_selector("#modelador[data-ready='true']")
    expect(page.locator("#problemas-resumen")).to_have_text(
        "Sin problemas: el borrador se puede desplegar."
    )

    page.locator("[data-element-id='proponer_delegado']").first.click()
    page.locator(
        "#propiedades [data-group-id='group-general'] .bio-properties-panel-group-header"
    ).click()
    name = page.locator("#propiedades textarea[name='name'], #propiedades input[name='name']")
    name.first.fill("Postular delegado")
    page.get_by_role("button", name="Guardar borrador").click()
    expect(page.locator("#estado")).to_have_text("Guardado: revisión 2.")
    expect(page.locator("#problemas-resumen")).to_have_text(
        "Sin problemas: el borrador se puede desplegar."
    )
    screenshot(page, "workbench-modeler")
    assert refused == []

    page.get_by_role("link", name="Comparar con la versión 1").click()
    row = page.locator("tr[data-element='proponer_delegado']")
    expect(row).to_contain_text("modificado")
    expect(row).to_contain_text("Proponer delegado")
    expect(row).to_contain_text("Postular delegado")
    context.close()


def test_workbench_pages_have_no_wcag_violations(page: Page, workbench_server: str) -> None:
    sign_in(page, workbench_server, "analista")
    page.goto(f"{workbench_server}/modelos")
    assert axe_violations(page) == []
    page.goto(f"{workbench_server}/modelos/comparar?antes=P001:1&despues=P001:1")
    assert axe_violations(page) == []


def test_analyst_changes_a_task_s_form_and_instructions_in_the_panel_and_the_engine_reads_them(
    browser: Browser, workbench_server: str
) -> None:
    """The spiffworkflow: provider writes the extensions as engine/bpm/bpmn_xml reads them."""
    page = wide_page(browser)
    context = page.context
    sign_in(page, workbench_server, "analista")
    page.goto(f"{workbench_server}/modelos")
    page.get_by_role("button", name="Editar v1 como borrador").first.click()
    page.wait_for_selector("#modelador[data-ready='true']")
    draft_url = page.url

    page.locator("[data-element-id='proponer_delegado']").first.click()
    panel = page.locator("#propiedades")
    panel.locator("[data-group-id='group-spiff-form'] .bio-properties-panel-group-header").click()
    panel.locator("select[name='formJsonSchemaFilename']").select_option(
        "P001.aprobacion.schema.json"
    )
    panel.locator(
        "[data-group-id='group-spiff-instructions'] .bio-properties-panel-group-header"
    ).click()
    panel.locator("textarea[name='instructionsForEndUser']").fill(
        "Proponga el delegado para {{ instancia }}."
    )
    # Saved at once, without waiting for the panel's debounce: saving flushes what was typed.
    page.get_by_role("button", name="Guardar borrador").click()
    expect(page.locator("#estado")).to_have_text("Guardado: revisión 2.")

    xml = page.request.get(draft_url + ".bpmn").text()
    (process,) = executable_processes(parse_xml(xml.encode("utf-8"), "P001.bpmn"))
    task = process_elements(process)["proponer_delegado"]
    assert task.form == "P001.aprobacion.schema.json"
    assert task.instructions == "Proponga el delegado para {{ instancia }}."
    assert task.ui_form == "P001.propuesta.uischema.json"  # what was not touched stays
    context.close()


def test_the_lane_select_lists_the_directory_s_groups(
    browser: Browser, workbench_server: str
) -> None:
    page = wide_page(browser)
    context = page.context
    sign_in(page, workbench_server, "analista")
    page.goto(f"{workbench_server}/modelos")
    page.get_by_role("button", name="Editar v1 como borrador").first.click()
    page.wait_for_selector("#modelador[data-ready='true']")
    # A lane is selected by its outline (the palette covers its header): the border between
    # two lanes, far right, selects one of them.
    box = page.locator("[data-element-id='lane_despacho_gobierno'] .djs-visual rect").first
    bounds = box.bounding_box()
    assert bounds is not None
    page.mouse.click(bounds["x"] + bounds["width"] - 40, bounds["y"] + bounds["height"] - 1)
    expect(page.locator("#propiedades .bio-properties-panel-header-type")).to_have_text("Lane")
    panel = page.locator("#propiedades")
    panel.locator(
        "[data-group-id='group-spiff-assignment'] .bio-properties-panel-group-header"
    ).click()
    select = panel.locator("select[name='laneGroup']")
    expect(select.locator("option[value='hacienda']")).to_have_count(1)
    expect(select.locator("option[value='organismo']")).to_have_count(1)
    context.close()


def test_the_modeler_page_has_no_wcag_violations(page: Page, workbench_server: str) -> None:
    sign_in(page, workbench_server, "analista")
    page.goto(f"{workbench_server}/modelos")
    page.get_by_role("button", name="Editar v1 como borrador").first.click()
    page.wait_for_selector("#modelador[data-ready='true']")
    page.locator("[data-element-id='proponer_delegado']").first.click()
    for group in ("spiff-form", "spiff-instructions", "spiff-scripts", "spiff-assignment"):
        page.locator(
            f"#propiedades [data-group-id='group-{group}'] .bio-properties-panel-group-header"
        ).click()
    expect(page.locator("#propiedades .bg-script-editor .cm-content")).to_have_count(2)
    assert axe_violations(page) == []
