"""Through the API, a completion keeps only the fields of the task's form: anything else is a
422 field error and the case does not change."""

from __future__ import annotations

from flask.testing import FlaskClient

from engine import Engine
from tests.helpers import case_row, open_elements, task_for
from tests.web.conftest import PROPOSAL, csrf_token, login, start_p001


def test_an_extra_field_posted_to_the_api_is_a_422_and_changes_nothing(
    client: FlaskClient, p001: Engine
) -> None:
    key = start_p001(p001)
    task = task_for(p001, key, "proponer_delegado")
    login(client, "despacho")
    response = client.post(
        f"/api/tareas/{task.id}/completar",
        json={**PROPOSAL, "fecha_sesion": "2027-06-30", "today": "x"},
        headers={"X-CSRFToken": csrf_token(client)},
    )
    assert response.status_code == 422
    assert response.json["field_errors"] == {
        "fecha_sesion": "campo no permitido en este formulario",
        "today": "campo no permitido en este formulario",
    }
    assert case_row(p001, key).data["fecha_sesion"] == "2026-12-04"
    assert open_elements(p001, key) == ["proponer_delegado"]
