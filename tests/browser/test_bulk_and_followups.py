"""Issue 13 in the browser: a coordinator takes several tasks at once and reads the summary; an
official sets follow-up dates ("recordarme el…") and sorts the inbox by them. axe-core on each
page; at 390 px the inbox with its checkboxes and bulk form does not scroll sideways."""

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
    page.goto(f"{live_server.url}/?bandeja=grupos&q={quote(subject)}")
    for key, _ in cases:
        page.get_by_label(f"Seleccionar Proponer delegado del caso {key}").check()
    taken_key, taken = cases[1]
    live_server.engine.claim(taken, "despacho2")  # a colleague is quicker
    page.get_by_label("Acción", exact=True).select_option("tomar")
    screenshot(page, "bandeja-acciones-masivas")
    assert axe_violations(page) == []

    page.get_by_role("button", name="Aplicar a las seleccionadas").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Resultado de la acción sobre varias tareas"
    )
    expect(page.locator(".result-count")).to_contain_text("2 hechas, 1 rechazada")
    refused = page.locator(".bulk-refused li")
    expect(refused).to_have_count(1)
    expect(refused).to_contain_text(taken_key)
    expect(refused).to_contain_text("ya fue reclamada por despacho2")
    expect(page.locator(".bulk-done li")).to_have_count(2)
    screenshot(page, "resumen-acciones-masivas")
    assert axe_violations(page) == []
    page.get_by_role("link", name="Volver a la bandeja").click()
    expect(page.locator("#buscar")).to_have_value(subject)
    for key, task in cases:
        assert task_for(live_server.engine, key, "proponer_delegado").assignee == (
            "despacho2" if task == taken else "despacho"
        )


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
    expect(page.get_by_role("button", name="Aplicar a las seleccionadas")).to_be_visible()
    assert not _scrolls_sideways(page)
    screenshot(page, "390-bandeja-acciones-masivas")
    assert axe_violations(page) == []
