"""The analyst edits a form of a P001 draft: the preview (the officials' renderer) shows a new
field as it is typed, a syntax error is named with its line, the saved form is a revision of
the draft and shows field by field in the comparison with version 1."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import axe_violations, screenshot, serving, sign_in, wide_page
from tests.conftest import BPMN

PROPOSAL = "P001.propuesta.schema.json"


@pytest.fixture(scope="module")
def forms_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A live server of its own with every procedure deployed (P001 calls P003 and P005)."""
    with serving(tmp_path_factory.mktemp("workbench-forms"), [BPMN]) as server:
        yield server.url


def proposal_with(field: str, title: str) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((BPMN.parent / "forms" / PROPOSAL).read_text("utf-8"))
    schema["properties"][field] = {"type": "string", "title": title}
    return schema


def test_analyst_edits_a_form_sees_the_preview_and_the_error_saves_and_compares(
    browser: Browser, forms_server: str
) -> None:
    # The page's own Content-Security-Policy stays on: the live preview must run under it.
    refused: list[str] = []
    page = wide_page(browser, refused)
    context = page.context
    sign_in(page, forms_server, "analista")
    page.get_by_role("link", name="Modelos").click()
    page.get_by_role("button", name="Editar v1 como borrador").first.click()
    page.get_by_role("link", name="Formularios", exact=True).click()
    page.get_by_role("link", name=PROPOSAL).click()
    expect(page.locator("#resumen-formulario")).to_contain_text("Sin errores")

    schema = page.get_by_label(f"JSON Schema ({PROPOSAL})")
    schema.fill(json.dumps(proposal_with("observaciones", "Observaciones del despacho"), indent=2))
    preview = page.locator("#vista-previa-formulario")
    expect(preview.get_by_label("Observaciones del despacho")).to_be_visible()

    schema.fill('{\n  "type": "object",\n  "properties": {\n    "a": {}\n    "b": {}\n  }\n}')
    expect(page.locator("#problemas-formulario")).to_contain_text(
        "línea 5, columna 5): falta una coma entre dos elementos"
    )
    expect(page.locator("#vista-previa-formulario")).to_have_count(0)

    schema.fill(json.dumps(proposal_with("observaciones", "Observaciones del despacho"), indent=2))
    expect(preview.get_by_label("Observaciones del despacho")).to_be_visible()
    page.get_by_role("button", name="Guardar formulario en el borrador").click()
    expect(page.locator(".flashes")).to_contain_text(
        "Formulario guardado: revisión 2 del borrador."
    )
    screenshot(page, "workbench-form-editor")
    assert refused == []

    page.get_by_role("link", name="Borrador", exact=False).first.click()
    page.get_by_role("link", name="Comparar con la versión 1").click()
    row = page.locator("section[aria-labelledby='formularios'] tr", has_text="observaciones")
    expect(row).to_contain_text(PROPOSAL)
    expect(row).to_contain_text("agregado")
    context.close()


def test_form_editor_pages_have_no_wcag_violations(page: Page, forms_server: str) -> None:
    sign_in(page, forms_server, "analista")
    page.goto(f"{forms_server}/modelos")
    page.get_by_role("button", name="Editar v1 como borrador").first.click()
    page.wait_for_url("**/modelos/borradores/*")
    draft = page.url.rsplit("/", 1)[1]
    page.goto(f"{forms_server}/modelos/borradores/{draft}/formularios")
    assert axe_violations(page) == []
    page.goto(f"{forms_server}/modelos/borradores/{draft}/formularios/{PROPOSAL}")
    assert axe_violations(page) == []
    # With problems listed and the preview waiting for valid JSON.
    page.get_by_label(f"JSON Schema ({PROPOSAL})").fill('{"type": "object", "properties": {')
    expect(page.locator("#problemas-formulario")).to_be_visible()
    assert axe_violations(page) == []
