"""Buzón (notifications kept when no SMTP is configured) and the administrators' incidents page."""

from __future__ import annotations

from datetime import datetime

from flask.testing import FlaskClient

from engine import Engine, JobRunner, ManualClock, incidents
from engine.jobs.runner import MAX_ATTEMPTS
from tests.conftest import BOGOTA
from tests.helpers import case_row
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
