"""Browser checks beyond the happy path: field errors, keyboard only, the CSP holds."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, ConsoleMessage, Page, expect

from tests.browser.conftest import LiveServer, axe_violations, screenshot, sign_in, sign_out
from tests.helpers import open_elements, task_for
from tests.web.conftest import PROPOSAL, start_p001


def test_invalid_form_shows_linked_field_errors_and_keeps_input(
    page: Page, live_server: LiveServer
) -> None:
    sign_in(page, live_server.url, "despacho")
    page.goto(f"{live_server.url}/iniciar/P001")
    page.locator("#campo-instancia").fill("Consejo Municipal de Paz")
    page.locator("#campo-fecha_sesion").fill("2026-12-09")
    page.get_by_role("button", name="Iniciar el trámite").click()

    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("El formulario tiene 2 errores; nada se guardó")
    asunto = page.locator("#campo-asunto")
    expect(asunto).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#campo-asunto-error")).to_have_text("⚠ Error: este campo es obligatorio")
    described_by = asunto.get_attribute("aria-describedby") or ""
    assert "campo-asunto-error" in described_by.split()
    expect(page.locator("#campo-instancia")).to_have_value("Consejo Municipal de Paz")
    summary.get_by_role("link", name="asunto: este campo es obligatorio").click()
    assert page.url.endswith("#campo-asunto")
    screenshot(page, "07-formulario-con-errores")
    assert axe_violations(page) == []


def test_a_task_can_be_completed_with_the_keyboard_only(
    page: Page, live_server: LiveServer
) -> None:
    key = start_p001(live_server.engine, asunto="Sesión para teclado")
    task = task_for(live_server.engine, key, "proponer_delegado")
    page.goto(f"{live_server.url}/ingresar")
    page.keyboard.type("despacho2")  # the user field has focus on arrival
    page.keyboard.press("Tab")
    page.keyboard.type("BuenGobierno2026!")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/tareas/{task.id}")
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Saltar al contenido principal")
    page.keyboard.press("Enter")
    # The person picker: type part of the name, the list narrows, Tab to it, arrow to the person.
    _tab_to(page, "#campo-delegado-buscar")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none", "the focused field shows where the focus is"
    page.keyboard.type("subsecretaria")
    expect(page.locator("#campo-delegado-estado")).to_have_text("1 persona encontrada")
    page.keyboard.press("Tab")
    expect(page.locator("#campo-delegado")).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(page.locator("#campo-delegado")).to_have_value(PROPOSAL["delegado"])
    page.keyboard.press("Tab")
    page.keyboard.type(PROPOSAL["cargo_delegado"])
    _tab_to(page, "button.primary")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/")
    expect(page.locator(".flashes")).to_contain_text("Completó «Proponer delegado»")
    assert open_elements(live_server.engine, key) == ["aprobar_delegacion"]


def _tab_to(page: Page, selector: str, limit: int = 60) -> None:
    for _ in range(limit):
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")


def test_pages_run_under_the_content_security_policy(
    browser: Browser, live_server: LiveServer
) -> None:
    key = start_p001(live_server.engine, asunto="Sesión para CSP")
    start_p001(live_server.engine, asunto="Otra sesión")
    context = browser.new_context()  # no CSP bypass here
    page = context.new_page()
    refused: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            refused.append(message.text)

    page.on("console", on_console)
    try:
        sign_in(page, live_server.url, "despacho")
        page.goto(f"{live_server.url}/?bandeja=grupos")
        expect(page.locator(".result-count")).not_to_contain_text("1 tarea.")
        page.locator("#buscar").fill(key)  # htmx narrows the list as one types
        expect(page.locator(".result-count")).to_contain_text(f"1 tarea para «{key}»")
        expect(page).to_have_url(re.compile(rf"q={key}"))
        page.goto(f"{live_server.url}/casos/{key}")
        expect(page.locator("#diagrama")).to_have_attribute("data-ready", "true")
        expect(
            page.locator('.djs-element.bg-active[data-element-id="proponer_delegado"]')
        ).to_have_count(1)
    finally:
        context.close()
    assert refused == []


def test_mailbox_quality_and_incident_pages_are_accessible(
    page: Page, live_server: LiveServer
) -> None:
    start_p001(live_server.engine, asunto="Sesión para el buzón")
    sign_in(page, live_server.url, "despacho2")
    page.goto(f"{live_server.url}/buzon")
    expect(page.get_by_role("heading", name="Buzón")).to_be_visible()
    screenshot(page, "10-buzon")
    assert axe_violations(page) == []

    sign_out(page)
    sign_in(page, live_server.url, "calidad")
    page.goto(f"{live_server.url}/calidad")
    expect(page.get_by_role("heading", name="Oficina de Calidad")).to_be_visible()
    screenshot(page, "11-calidad")
    assert axe_violations(page) == []

    sign_out(page)
    sign_in(page, live_server.url, "admin")
    page.goto(f"{live_server.url}/incidentes")
    expect(page.get_by_role("heading", name="Incidentes")).to_be_visible()
    screenshot(page, "12-incidentes")
    assert axe_violations(page) == []


def test_account_pages_are_accessible_and_show_a_new_token_once(
    page: Page, live_server: LiveServer
) -> None:
    sign_in(page, live_server.url, "planeacion")
    page.get_by_role("link", name="Contraseña").click()
    page.get_by_label("Contraseña actual", exact=True).fill("equivocada")
    page.get_by_label("Nueva contraseña", exact=True).fill("caballo batería grapa correcta")
    page.get_by_label("Repita la nueva contraseña").fill("caballo batería grapa correcta")
    page.get_by_role("button", name="Cambiar la contraseña").click()
    expect(page.get_by_text("la contraseña actual no es correcta").first).to_be_visible()
    screenshot(page, "13-contrasena")
    assert axe_violations(page) == []

    page.get_by_role("link", name="Tokens de acceso").click()
    page.get_by_label("Nombre (para qué se usa)").fill("gestor documental")
    page.get_by_role("button", name="Crear token").click()
    secret = page.get_by_label("Token", exact=True).input_value()
    assert secret.startswith("bg_")
    screenshot(page, "14-tokens")
    assert axe_violations(page) == []
    page.goto(f"{live_server.url}/cuenta/tokens")
    expect(page.get_by_role("cell", name="gestor documental", exact=True)).to_be_visible()
    assert secret not in page.content()
