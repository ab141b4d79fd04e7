"""Issue 13, defect 11: at 390 px (a phone) no page scrolls sideways, and the inbox's rows are
cards whose due date and action stay in view."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import LiveServer, axe_violations, screenshot, sign_in
from tests.helpers import task_for
from tests.web.conftest import start_p001

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(bypass_csp=True, locale="es-CO", viewport=PHONE)
    yield context
    context.close()


def _scrolls_sideways(page: Page) -> bool:
    return bool(
        page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth")
    )


def test_no_main_page_scrolls_sideways_at_390_px(
    phone: BrowserContext, live_server: LiveServer
) -> None:
    key = start_p001(live_server.engine, asunto="Sesión vista en el teléfono")
    task = task_for(live_server.engine, key, "proponer_delegado")
    page = phone.new_page()
    sign_in(page, live_server.url, "despacho")
    pages = {
        "bandeja": "/",
        "bandeja-grupos": "/?bandeja=grupos",
        "tarea": f"/tareas/{task.id}",
        "caso": f"/casos/{key}",
        "mis-casos": "/casos",
        "casos": "/casos/buscar",
        "iniciar": "/iniciar",
        "formulario-inicio": "/iniciar/P001",
        "buzon": "/buzon",
    }
    sideways = []
    for name, path in pages.items():
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
        if _scrolls_sideways(page):
            sideways.append(path)
        screenshot(page, f"390-{name}")
    assert sideways == []


def test_inbox_rows_are_cards_with_the_due_date_and_the_action_in_view(
    phone: BrowserContext, live_server: LiveServer
) -> None:
    key = start_p001(live_server.engine, asunto="Sesión para la tarjeta")
    task = task_for(live_server.engine, key, "proponer_delegado")
    page = phone.new_page()
    sign_in(page, live_server.url, "despacho2")
    page.goto(f"{live_server.url}/?bandeja=grupos")
    row = page.locator("table.inbox tbody tr", has=page.locator(f'a[href="/tareas/{task.id}"]'))
    for part in (row.locator(".due"), row.get_by_role("button", name="Tomar")):
        expect(part).to_be_visible()
        box = part.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    # A card: its cells stack (the due date under the task, not in a column off the screen).
    cells = row.locator("td")
    first, last = cells.first.bounding_box(), cells.last.bounding_box()
    assert first is not None and last is not None and last["y"] > first["y"]
    screenshot(page, "390-bandeja-tarjetas")
    assert axe_violations(page) == []
