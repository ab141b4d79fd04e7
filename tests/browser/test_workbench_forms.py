"""The analyst edits a form of a P001 draft: the preview (the officials' renderer) shows a new
field as it is typed, a syntax error is named with its line, the saved form is a revision of
the draft and shows field by field in the comparison with version 1."""

from __future__ import annotations

import json
import re
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
    # Filled before the bundle replaced the textarea with its editor, the text was lost with it.
    expect(page.locator(".json-editor[data-document='esquema'] .cm-editor")).to_be_visible()

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


def open_proposal(page: Page, base_url: str) -> str:
    """A new draft of P001 with its proposal form open in the editor; the editor's URL."""
    page.goto(f"{base_url}/modelos")
    page.get_by_role("button", name="Editar v1 como borrador").first.click()
    page.wait_for_url("**/modelos/borradores/*")
    url = f"{page.url}/formularios/{PROPOSAL}"
    page.goto(url)
    return url


def test_the_form_editor_highlights_json_marks_a_syntax_error_in_line_and_saves(
    browser: Browser, forms_server: str
) -> None:
    refused: list[str] = []
    page = wide_page(browser, refused)
    sign_in(page, forms_server, "analista")
    url = open_proposal(page, forms_server)
    editor = page.locator(".json-editor[data-document='esquema'] .cm-editor")
    content = page.get_by_role("textbox", name=f"JSON Schema ({PROPOSAL})")
    expect(editor).to_be_visible(timeout=20_000)  # the bundle loaded and run
    expect(page.locator("#texto-esquema")).to_be_hidden()
    expect(editor.locator(".tok-propertyName", has_text='"properties"')).to_have_count(1)

    # Typed at the end of the field the title names: a string token, and the preview follows.
    title = editor.locator(".tok-string", has_text='"Cargo del delegado"')
    expect(title).to_have_count(1)
    title.click()
    page.keyboard.press("End")
    page.keyboard.press("ArrowLeft")  # the comma
    page.keyboard.press("ArrowLeft")  # the closing quote
    page.keyboard.type(" titular")
    expect(editor.locator(".tok-string", has_text='"Cargo del delegado titular"')).to_have_count(1)
    preview = page.locator("#vista-previa-formulario")
    expect(preview.get_by_label("Cargo del delegado titular")).to_be_visible()

    # A missing comma: marked on its line in the editor, in Spanish, as the problems list says.
    content.click()
    page.keyboard.press("Control+End")
    page.keyboard.press("ArrowLeft")  # before the last brace
    page.keyboard.insert_text('  "suelto": 1\n')
    mark = editor.locator(".cm-lintRange-error")
    expect(mark).to_have_count(1)
    expect(page.locator("#problemas-formulario")).to_contain_text(
        "falta una coma entre dos elementos"
    )
    marker = editor.locator(".cm-gutter-lint .cm-lint-marker-error")
    expect(marker).to_have_count(1)
    marker.hover()
    expect(page.locator(".cm-tooltip-lint")).to_contain_text("falta una coma entre dos elementos")
    screenshot(page, "workbench-form-editor-lint")

    page.keyboard.press("Control+z")  # the insertion undone: valid again, the mark goes
    expect(page.locator("#resumen-formulario")).to_contain_text("Sin errores")
    expect(mark).to_have_count(0)
    page.get_by_role("button", name="Guardar formulario en el borrador").click()
    expect(page.locator(".flashes")).to_contain_text("Formulario guardado")
    expect(editor.locator(".tok-string", has_text='"Cargo del delegado titular"')).to_have_count(1)
    assert refused == []
    page.context.close()

    # Without JavaScript the plain textarea is the editor, and submits the same field.
    context = browser.new_context(locale="es-CO", java_script_enabled=False)
    page = context.new_page()
    sign_in(page, forms_server, "analista")
    page.goto(url)
    expect(page.locator(".cm-editor")).to_have_count(0)
    schema = page.get_by_label(f"JSON Schema ({PROPOSAL})")
    saved = json.loads(schema.input_value())
    assert saved["properties"]["cargo_delegado"]["title"] == "Cargo del delegado titular"
    saved["properties"]["cargo_delegado"]["title"] = "Cargo de quien recibe la delegación"
    schema.fill(json.dumps(saved, indent=2, ensure_ascii=False))
    page.get_by_role("button", name="Guardar formulario en el borrador").click()
    expect(page.locator(".flashes")).to_contain_text("Formulario guardado")
    expect(schema).to_have_value(re.compile("Cargo de quien recibe la delegación"))
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
