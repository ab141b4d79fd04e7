"""Issue 13 in the browser: a coordinator takes several tasks at once, one by one or with
"Seleccionar todas" (keyboard, and without JavaScript the rows alone), and is back on the same
inbox page with a summary; an official sets follow-up dates ("recordarme el…") and sorts the inbox
by them. axe-core on each page; at 390 px the inbox with its checkboxes and bulk form does not
scroll sideways."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import quote

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from engine.bpm.calendar import local_date
from tests.browser.conftest import LiveServer, axe_violations, screenshot, sign_in
from tests.helpers import task_for
from tests.web.conftest import start_p001

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(bypass_csp=True, locale="es-CO", viewport=PHONE)
    yield context
    context.close()


def _cases(live_server: LiveServer, subject: str, count: int) -> list[tuple[str, int]]:
    keys = [start_p001(live_server.engine, asunto=f"{subject} {n}") for n in range(count)]
    return [(key, task_for(live_server.engine, key, "proponer_delegado").id) for key in keys]


def _scrolls_sideways(page: Page) -> bool:
    return bool(
        page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth")
    )


def test_a_coordinator_takes_several_tasks_and_one_taken_meanwhile_is_refused(
    page: Page, live_server: LiveServer
) -> None:
    subject = "Sesión para la acción masiva"
    cases = _cases(live_server, subject, 3)
    sign_in(page, live_server.url, "despacho")
    inbox = f"{live_server.url}/?bandeja=grupos&q={quote(subject)}"
    page.goto(inbox)
    for key, _ in cases:
        page.get_by_label(f"Seleccionar Proponer delegado del caso {key}").check()
    taken_key, taken = cases[1]
    live_server.engine.claim(taken, "despacho2")  # a colleague is quicker
    page.get_by_label("Acción", exact=True).select_option("tomar")
    screenshot(page, "bandeja-acciones-masivas")
    assert axe_violations(page) == []

    page.get_by_role("button", name="Aplicar a las seleccionadas").click()

    page.wait_for_url(inbox)  # back on the same tab, with the same search
    expect(page.locator("#buscar")).to_have_value(subject)
    expect(page.locator(".flash")).to_have_text(
        f"2 tareas tomadas; 1 no se pudo: Proponer delegado del caso {taken_key}"
        f" (la tarea {taken} ya fue reclamada por despacho2)."
    )
    expect(page.locator("table.inbox tbody tr")).to_have_count(1)  # the taken ones are "mías"
    screenshot(page, "bandeja-tras-acciones-masivas")
    assert axe_violations(page) == []
    page.reload()  # a GET: nothing is sent again, the message is gone
    expect(page.locator(".flash")).to_have_count(0)
    for key, task in cases:
        assert task_for(live_server.engine, key, "proponer_delegado").assignee == (
            "despacho2" if task == taken else "despacho"
        )


def test_seleccionar_todas_checks_every_row_of_the_page_from_the_keyboard(
    page: Page, live_server: LiveServer
) -> None:
    subject = "Sesión para seleccionar todas"
    cases = _cases(live_server, subject, 3)
    sign_in(page, live_server.url, "despacho")
    inbox = f"{live_server.url}/?bandeja=grupos&q={quote(subject)}"
    page.goto(inbox)
    every = page.get_by_role("checkbox", name="Seleccionar todas")
    rows = [page.get_by_label(f"Seleccionar Proponer delegado del caso {key}") for key, _ in cases]

    every.focus()
    page.keyboard.press("Space")
    for row in rows:
        expect(row).to_be_checked()
    rows[1].uncheck()
    expect(every).not_to_be_checked()
    assert every.evaluate("box => box.indeterminate")  # some, not all
    rows[1].check()
    expect(every).to_be_checked()
    screenshot(page, "bandeja-seleccionar-todas")
    assert axe_violations(page) == []

    page.get_by_label("Acción", exact=True).select_option("tomar")
    page.get_by_role("button", name="Aplicar a las seleccionadas").click()
    page.wait_for_url(inbox)
    expect(page.locator(".flash")).to_have_text("3 tareas tomadas.")
    for key, _ in cases:
        assert task_for(live_server.engine, key, "proponer_delegado").assignee == "despacho"


def test_without_javascript_the_rows_are_checked_one_by_one(
    browser: Browser, live_server: LiveServer
) -> None:
    subject = "Sesión masiva sin JavaScript"
    cases = _cases(live_server, subject, 2)
    context = browser.new_context(
        bypass_csp=True,
        locale="es-CO",
        java_script_enabled=False,
        viewport={"width": 1280, "height": 900},
    )
    try:
        page = context.new_page()
        sign_in(page, live_server.url, "despacho")
        inbox = f"{live_server.url}/?bandeja=grupos&q={quote(subject)}"
        page.goto(inbox)
        expect(page.get_by_role("checkbox", name="Seleccionar todas")).to_be_hidden()
        for key, _ in cases:
            page.get_by_label(f"Seleccionar Proponer delegado del caso {key}").check()
        page.get_by_label("Acción", exact=True).select_option("tomar")
        page.get_by_role("button", name="Aplicar a las seleccionadas").click()
        page.wait_for_url(inbox)
        expect(page.locator(".flash")).to_have_text("2 tareas tomadas.")
    finally:
        context.close()


def test_follow_up_dates_are_set_on_the_task_and_sort_the_inbox(
    page: Page, live_server: LiveServer
) -> None:
    subject = "Sesión con seguimiento"
    (later_key, later), (sooner_key, sooner), (none_key, _) = _cases(live_server, subject, 3)
    today = local_date(live_server.engine.clock.now())
    sign_in(page, live_server.url, "despacho2")

    page.goto(f"{live_server.url}/tareas/{later}")
    page.get_by_label("Recordarme el").fill((today - timedelta(days=1)).isoformat())
    page.get_by_role("button", name="Guardar seguimiento").click()
    expect(page.locator("#seguimiento-error")).to_contain_text("no puede ser anterior a hoy")
    expect(page.get_by_label("Recordarme el")).to_have_attribute("aria-invalid", "true")
    screenshot(page, "tarea-seguimiento-con-error")
    assert axe_violations(page) == []

    for task, days in ((later, 6), (sooner, 2)):
        page.goto(f"{live_server.url}/tareas/{task}")
        page.get_by_label("Recordarme el").fill((today + timedelta(days=days)).isoformat())
        page.get_by_role("button", name="Guardar seguimiento").click()
        expect(page.locator("#seguimiento-actual")).to_contain_text("Le recordaremos esta tarea el")
    assert axe_violations(page) == []

    page.goto(f"{live_server.url}/?bandeja=grupos&q={quote(subject)}")
    page.get_by_label("Ordenar por").select_option("seguimiento")
    page.wait_for_url("**ordenar_por=seguimiento**")
    rows = page.locator("table.inbox tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text(sooner_key)
    expect(rows.nth(1)).to_contain_text(later_key)
    expect(rows.nth(2)).to_contain_text(none_key)
    soon = (today + timedelta(days=2)).isoformat()
    expect(rows.nth(0).locator(f'.follow-up time[datetime="{soon}"]')).to_be_visible()
    screenshot(page, "bandeja-por-seguimiento")
    assert axe_violations(page) == []


def test_the_inbox_with_bulk_actions_does_not_scroll_sideways_at_390_px(
    phone: BrowserContext, live_server: LiveServer
) -> None:
    subject = "Sesión masiva en el teléfono"
    ((key, _),) = _cases(live_server, subject, 1)
    page = phone.new_page()
    sign_in(page, live_server.url, "despacho")
    page.goto(f"{live_server.url}/?bandeja=grupos")
    page.wait_for_load_state("networkidle")
    checkbox = page.get_by_label(f"Seleccionar Proponer delegado del caso {key}")
    expect(checkbox).to_be_visible()
    # Above the cards, with its label in view: the table's header row is hidden on a phone.
    expect(page.get_by_role("checkbox", name="Seleccionar todas")).to_be_visible()
    expect(page.get_by_text("Seleccionar todas", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Aplicar a las seleccionadas")).to_be_visible()
    assert not _scrolls_sideways(page)
    screenshot(page, "390-bandeja-acciones-masivas")
    assert axe_violations(page) == []
