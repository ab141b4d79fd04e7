"""Issue 14, "Mis ausencias": the page and its form, and what the substitute's inbox, task page
and task routes give while the absence runs, and not before or after it."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from engine import Engine, ManualClock
from engine.bpm.calendar import BOGOTA
from engine.commands.absences import declare_absence
from storage.models import Absence, Task
from tests.helpers import task_for
from tests.web.conftest import PROPOSAL, bearer, login, post, start_p001

FORM = {
    "suplente": "juridica",
    "desde": "2026-12-03",
    "hasta": "2026-12-04",
    "motivo": "Vacaciones",
}
MARK = "En suplencia de Contratista Despacho de Gobierno"


def _on(clock: ManualClock, day: str) -> None:
    clock.set(datetime.combine(date.fromisoformat(day), time(9), BOGOTA))


def _absences(engine: Engine) -> int:
    with engine.sessions() as session:
        return session.scalar(select(func.count()).select_from(Absence)) or 0


def test_the_form_declares_an_absence_listed_with_colombian_dates(
    client: FlaskClient, p001: Engine
) -> None:
    login(client, "despacho2")
    page = client.get("/cuenta/ausencias").text
    assert '<label for="campo-suplente">Suplente</label>' in page
    assert '<option value="despacho2"' not in page  # nobody substitutes themselves
    assert 'type="date" id="campo-desde" name="desde" min="2026-12-01"' in page

    response = post(client, "/cuenta/ausencias", FORM)
    assert response.status_code == 303

    listed = client.get("/cuenta/ausencias").text
    assert "Declaró la ausencia del 3 de diciembre de 2026 al 4 de diciembre de 2026." in listed
    assert "Abogada DAGJP" in listed and "Vacaciones" in listed and "Programada" in listed


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"hasta": "2026-12-02"}, "la fecha final no puede ser anterior a la inicial"),
        ({"desde": "2026-11-30"}, "la ausencia no puede empezar antes de hoy"),
        ({"desde": "3/12/2026"}, "escriba una fecha válida (día, mes y año)"),
        ({"suplente": "despacho2"}, "el suplente debe ser otra persona"),
    ],
)
def test_a_refused_form_comes_back_with_its_errors_and_stores_nothing(
    client: FlaskClient, p001: Engine, changes: dict[str, str], message: str
) -> None:
    login(client, "despacho2")
    response = post(client, "/cuenta/ausencias", {**FORM, **changes})
    assert response.status_code == 422
    assert "nada se guardó" in response.text and message in response.text
    assert 'aria-invalid="true"' in response.text
    assert _absences(p001) == 0


def test_the_substitute_sees_the_mark_and_completes_the_absent_users_task(
    client: FlaskClient, p001: Engine, clock: ManualClock
) -> None:
    key = start_p001(p001)
    task = task_for(p001, key, "proponer_delegado").id
    p001.claim(task, "despacho2")
    declare_absence(
        p001, "despacho2", "despacho2", "juridica", date(2026, 12, 3), date(2026, 12, 4)
    )
    login(client, "juridica")
    assert key not in client.get("/").text  # 1 December: not yet

    _on(clock, "2026-12-03")
    inbox = client.get("/?bandeja=mias").text
    assert key in inbox and MARK in inbox
    assert MARK in client.get(f"/tareas/{task}").text
    assert post(client, f"/tareas/{task}", PROPOSAL).status_code == 303
    with p001.sessions() as session:
        done = session.get(Task, task)
        assert done is not None and (done.state, done.completed_by) == ("completed", "juridica")


# The substitute's rights on an absent member's free task, by route, during the absence and the
# day after it (the task routes of test_authorization_matrix).
SUBSTITUTE_ROUTES = {
    "tarea": ("GET", "/tareas/{task}", {}, 200),
    "reclamar": ("POST", "/tareas/{task}/reclamar", {}, 303),
    "completar": ("POST", "/tareas/{task}", PROPOSAL, 303),
    "api completar": ("POST", "/api/tareas/{task}/completar", PROPOSAL, 200),
}


@pytest.mark.parametrize("name", list(SUBSTITUTE_ROUTES))
@pytest.mark.parametrize(("day", "during"), [("2026-12-04", True), ("2026-12-07", False)])
def test_route_for_the_substitute_by_date(
    client: FlaskClient, p001: Engine, clock: ManualClock, name: str, day: str, during: bool
) -> None:
    method, url, data, allowed = SUBSTITUTE_ROUTES[name]
    task = task_for(p001, start_p001(p001), "proponer_delegado").id
    declare_absence(
        p001, "despacho2", "despacho2", "juridica", date(2026, 12, 3), date(2026, 12, 4)
    )
    _on(clock, day)
    path = url.format(task=task)
    if name.startswith("api"):
        status = client.post(path, json=data, headers=bearer(p001, "juridica")).status_code
    else:
        login(client, "juridica")
        status = (
            client.get(path).status_code
            if method == "GET"
            else post(client, path, data).status_code
        )
    assert status == (allowed if during else 403)


def test_cancelling_from_the_page_ends_the_substitution(
    client: FlaskClient, app: Flask, p001: Engine
) -> None:
    key = start_p001(p001)
    absence = declare_absence(
        p001, "despacho2", "despacho2", "juridica", date(2026, 12, 1), date(2026, 12, 4)
    )
    substitute = app.test_client()
    login(substitute, "juridica")
    assert MARK in substitute.get("/?bandeja=grupos").text

    login(client, "despacho2")
    assert post(client, f"/cuenta/ausencias/{absence}/cancelar").status_code == 303

    assert "Cancelada" in client.get("/cuenta/ausencias").text
    assert key not in substitute.get("/?bandeja=grupos").text


def test_an_administrator_declares_an_absence_for_another_user(
    client: FlaskClient, p001: Engine
) -> None:
    login(client, "admin")
    page = client.get("/cuenta/ausencias?usuario=despacho2").text
    assert "Ausencias de despacho2" in page and 'name="usuario" value="despacho2"' in page
    assert post(client, "/cuenta/ausencias", {**FORM, "usuario": "despacho2"}).status_code == 303
    with p001.sessions() as session:
        absence = session.scalars(select(Absence)).one()
    assert (absence.username, absence.declared_by) == ("despacho2", "admin")
