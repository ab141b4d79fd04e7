"""Buzón (notifications kept when no SMTP is configured) and the administrators' incidents page."""

from __future__ import annotations

import re
from datetime import datetime

from flask.testing import FlaskClient

from engine import Engine, JobRunner, ManualClock, incidents
from engine.authorization import load_actor
from engine.jobs.runner import MAX_ATTEMPTS
from engine.read.mailbox import unread_count
from tests.conftest import BOGOTA
from tests.helpers import case_row, task_for
from tests.integration.test_statement_counts import counted
from tests.integration.test_timers import _approved_case
from tests.web.conftest import csrf_token, login, start_p001


def test_the_mailbox_shows_the_notices_of_my_groups_with_a_link_to_the_case(
    client: FlaskClient, p001: Engine
) -> None:
    key = start_p001(p001)
    login(client, "despacho2")
    page = client.get("/buzon").text
    assert f"[{key}] Nueva tarea: Proponer delegado" in page
    assert f"/casos/{key}" in page
    login(client, "hacienda")
    assert key not in client.get("/buzon").text


def test_an_administrator_sees_an_incident_and_retries_it_with_the_button(
    client: FlaskClient, p001: Engine, clock: ManualClock
) -> None:
    key = _approved_case(p001)
    clock.set(datetime(2026, 12, 9, 8, 30, tzinfo=BOGOTA))
    runner = JobRunner(p001, "worker:1")
    [job_id] = runner.acquire(batch=5)
    for _ in range(MAX_ATTEMPTS):  # as a handler failing every time would
        runner.record_failure(job_id, "servidor de correo caído")
    assert [i.job_id for i in incidents(p001, "admin")] == [job_id]

    login(client, "admin")
    page = client.get("/incidentes").text
    assert "servidor de correo caído" in page and key in page
    response = client.post(
        f"/incidentes/{job_id}/reintentar", data={"csrf_token": csrf_token(client)}
    )
    assert response.status_code == 303
    assert incidents(p001, "admin") == []
    assert [runner.run(j).status for j in runner.acquire(batch=5)] == ["done"]
    assert case_row(p001, key).last_error is None


def _menu_count(page: str) -> int | None:
    found = re.search(r'class="badge unread-count">(\d+)<', page)
    return int(found.group(1)) if found else None


def test_the_menu_counts_unread_notices_until_the_mailbox_is_opened(
    client: FlaskClient, p001: Engine
) -> None:
    """Issue 13: "Buzón: an unread count in the menu"."""
    start_p001(p001)
    start_p001(p001)
    login(client, "despacho2")
    assert _menu_count(client.get("/").text) == 2
    mailbox_page = client.get("/buzon").text
    assert mailbox_page.count(">Nuevo</span>") == 2
    assert "2 avisos nuevos desde su última visita." in mailbox_page
    assert _menu_count(client.get("/").text) is None
    assert ">Nuevo</span>" not in client.get("/buzon").text
    start_p001(p001)
    assert _menu_count(client.get("/").text) == 1
    login(client, "despacho")  # a member of the same group reads on their own
    assert _menu_count(client.get("/").text) == 3


def test_each_notice_links_to_the_task_it_is_about(client: FlaskClient, p001: Engine) -> None:
    """Issue 13: "each message links to the task, not only the case"."""
    key = start_p001(p001)
    task = task_for(p001, key, "proponer_delegado")
    login(client, "despacho2")
    page = client.get("/buzon").text
    assert f'href="/tareas/{task.id}">Abrir la tarea «Proponer delegado»' in page
    assert f"/casos/{key}" in page
    assert client.get(f"/tareas/{task.id}").status_code == 200


def test_a_reminder_without_a_task_of_its_own_links_to_the_recipients_open_task(
    client: FlaskClient, p001: Engine, clock: ManualClock
) -> None:
    key = _approved_case(p001)  # the delegate's ficha is open, its reminder is due on 12-09
    clock.set(datetime(2026, 12, 9, 8, 30, tzinfo=BOGOTA))
    runner = JobRunner(p001, "worker:1")
    assert [runner.run(j).status for j in runner.acquire(batch=5)] == ["done"]
    ficha = task_for(p001, key, "diligenciar_ficha")
    login(client, "delegada")
    page = client.get("/buzon").text
    reminder = page[page.index("Recordatorio: ficha técnica") :]
    assert f'href="/tareas/{ficha.id}">Abrir la tarea' in reminder.split("</article>")[0]


def test_the_menu_s_unread_count_is_one_statement(p001: Engine) -> None:
    """It runs on every page: the read mark goes in as a subquery, not a query of its own."""
    start_p001(p001)
    with p001.sessions() as session:
        despacho2 = load_actor(session, "despacho2")
        with counted(p001) as sent:
            assert unread_count(session, despacho2) == 1
    assert len(sent) == 1, sent
