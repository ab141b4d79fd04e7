"""The analyst opens P001 in the workbench's modeler, renames a task in the properties panel,
saves the draft, sees the linter's verdict and the rename in the comparison with version 1."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import axe_violations, screenshot, serving, sign_in
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
    context = browser.new_context(locale="es-CO", viewport={"width": 1400, "height": 1000})
    page: Page = context.new_page()
    page.set_default_timeout(20_000)
    refused: list[str] = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
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
