"""The JSON API mirrors the inbox actions; errors are Spanish pages or JSON, mapped in one place."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from engine import (
    Conflict,
    Engine,
    Forbidden,
    Incident,
    InvalidDefinition,
    NotFound,
    Unavailable,
    UnreadableState,
    ValidationError,
)
from engine.people.directory import DEMO_PASSWORD
from storage.models import Attachment
from tests.helpers import open_elements, task_for
from tests.web.conftest import PDF, PROPOSAL, bearer, csrf_token, login, start_p001
from web.errors import STATUS_FOR, status_for


def test_engine_errors_map_to_http_codes_in_one_place() -> None:
    assert {
        NotFound: 404,
        Forbidden: 403,
        Conflict: 409,
        ValidationError: 422,
        InvalidDefinition: 422,
        Incident: 500,
        UnreadableState: 500,
        Unavailable: 503,
    } == STATUS_FOR
    assert status_for(ValidationError({"a": "b"})) == 422


def test_api_lists_claims_and_completes_with_a_personal_access_token(
    client: FlaskClient, p001: Engine
) -> None:
    key = start_p001(p001)
    task = task_for(p001, key, "proponer_delegado")
    listed = client.get("/api/tareas?bandeja=grupos", headers=bearer(p001, "despacho"))
    assert listed.status_code == 200
    row = listed.json["tasks"][0]
    assert (row["id"], row["case"], row["assignee"]) == (task.id, key, None)

    claimed = client.post(
        f"/api/tareas/{task.id}/reclamar", json={}, headers=bearer(p001, "despacho")
    )
    assert claimed.json == {"ok": True, "task": task.id, "assignee": "despacho"}
    completed = client.post(
        f"/api/tareas/{task.id}/completar", json=PROPOSAL, headers=bearer(p001, "despacho")
    )
    assert completed.status_code == 200 and completed.json["case"] == key
    assert open_elements(p001, key) == ["aprobar_delegacion"]


def test_api_accepts_files_as_data_urls(client: FlaskClient, p001: Engine) -> None:
    key = start_p001(p001, tipo_delegacion="permanente")
    p001.complete(task_for(p001, key, "proponer_delegado").id, "despacho", PROPOSAL)
    p001.complete(
        task_for(p001, key, "aprobar_delegacion").id,
        "secretario",
        {"decision_secretario": "aprobar"},
    )
    task = task_for(p001, key, "proyectar_acto_delegacion")
    data_url = "data:application/pdf;name=decreto.pdf;base64," + base64.b64encode(PDF).decode()
    response = client.post(
        f"/api/tareas/{task.id}/completar",
        json={"tipo_acto": "decreto", "borrador": data_url},
        headers=bearer(p001, "despacho"),
    )
    assert response.status_code == 200, response.json
    with p001.sessions() as session:
        assert session.scalars(select(Attachment.filename)).one() == "decreto.pdf"


def test_api_refuses_a_forged_attachment_reference_and_changes_nothing(
    client: FlaskClient, p001: Engine
) -> None:
    key = start_p001(p001, tipo_delegacion="permanente")
    p001.complete(task_for(p001, key, "proponer_delegado").id, "despacho", PROPOSAL)
    p001.complete(
        task_for(p001, key, "aprobar_delegacion").id,
        "secretario",
        {"decision_secretario": "aprobar"},
    )
    task = task_for(p001, key, "proyectar_acto_delegacion")
    forged = "adjunto:" + "0" * 64 + "/decreto.pdf"
    response = client.post(
        f"/api/tareas/{task.id}/completar",
        json={"tipo_acto": "decreto", "borrador": forged},
        headers=bearer(p001, "despacho"),
    )
    assert response.status_code == 422
    assert list(response.json["field_errors"]) == ["borrador"]
    assert "no fue cargado en este caso" in response.json["field_errors"]["borrador"]
    assert open_elements(p001, key) == ["proyectar_acto_delegacion"]
    with p001.sessions() as session:
        assert session.scalars(select(Attachment)).all() == []


@pytest.mark.parametrize(
    ("who", "task_offset", "status", "error"),
    [
        ("hacienda", 0, 403, "Acceso no permitido"),
        ("despacho", 999, 404, "No encontrado"),
    ],
)
def test_api_errors_are_json(
    client: FlaskClient, p001: Engine, who: str, task_offset: int, status: int, error: str
) -> None:
    task = task_for(p001, start_p001(p001), "proponer_delegado")
    response = client.post(
        f"/api/tareas/{task.id + task_offset}/reclamar", json={}, headers=bearer(p001, who)
    )
    assert response.status_code == status
    assert response.json["error"] == error and response.json["message"]


def test_api_validation_error_is_422_with_field_errors(client: FlaskClient, p001: Engine) -> None:
    task = task_for(p001, start_p001(p001), "proponer_delegado")
    response = client.post(
        f"/api/tareas/{task.id}/completar", json={"delegado": ""}, headers=bearer(p001, "despacho")
    )
    assert response.status_code == 422
    assert set(response.json["field_errors"]) == {"delegado", "cargo_delegado"}


def test_api_completing_a_completed_task_is_409(client: FlaskClient, p001: Engine) -> None:
    task = task_for(p001, start_p001(p001), "proponer_delegado")
    p001.complete(task.id, "despacho", PROPOSAL)
    response = client.post(
        f"/api/tareas/{task.id}/completar", json=PROPOSAL, headers=bearer(p001, "despacho")
    )
    assert response.status_code == 409 and "ya fue completada" in response.json["message"]


def test_api_without_credentials_is_401_json(client: FlaskClient) -> None:
    response = client.get("/api/tareas")
    assert response.status_code == 401 and response.json["error"] == "Debe iniciar sesión"
    wrong = client.get("/api/tareas", headers={"Authorization": "Bearer bg_no-es-un-token"})
    assert wrong.status_code == 401


def test_api_no_longer_accepts_http_basic_passwords(client: FlaskClient) -> None:
    raw = base64.b64encode(f"despacho:{DEMO_PASSWORD}".encode()).decode()
    response = client.get("/api/tareas", headers={"Authorization": f"Basic {raw}"})
    assert response.status_code == 401 and response.is_json


def test_api_with_a_session_cookie_needs_the_csrf_header(client: FlaskClient, p001: Engine) -> None:
    task = task_for(p001, start_p001(p001), "proponer_delegado")
    login(client, "despacho")
    missing = client.post(f"/api/tareas/{task.id}/reclamar", json={})
    assert missing.status_code == 400 and "CSRF" in missing.json["message"]
    headers = {"X-CSRFToken": csrf_token(client)}
    assert client.post(f"/api/tareas/{task.id}/reclamar", json={}, headers=headers).json["ok"]


def test_api_post_must_be_json(client: FlaskClient, p001: Engine) -> None:
    task = task_for(p001, start_p001(p001), "proponer_delegado")
    response = client.post(
        f"/api/tareas/{task.id}/reclamar", data={"x": "1"}, headers=bearer(p001, "despacho")
    )
    assert response.status_code == 415 and response.is_json


@pytest.mark.parametrize(
    ("path", "status", "title"),
    [("/no-existe", 404, "No encontrado"), ("/tareas/999", 404, "No encontrado")],
)
def test_error_pages_are_spanish(client: FlaskClient, path: str, status: int, title: str) -> None:
    login(client, "despacho")
    response = client.get(path)
    assert response.status_code == status
    assert f"<h1>{title}" in response.text and 'lang="es-CO"' in response.text


def test_unexpected_failure_is_a_spanish_500_page_without_traceback(
    client: FlaskClient, p001: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    login(client, "despacho")

    def broken(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("web.inbox.inbox", broken)
    response = client.get("/")
    assert response.status_code == 500
    assert "Error del sistema" in response.text and "disk on fire" not in response.text


def test_incident_is_a_500_that_names_what_failed(
    client: FlaskClient, p001: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    task = task_for(p001, start_p001(p001), "proponer_delegado")

    def failing(*_args: Any, **_kwargs: Any) -> None:
        raise Incident("P001-2026-00001 en 'notificar_delegado': el servidor de correo no responde")

    monkeypatch.setattr(p001, "complete", failing)
    response = client.post(
        f"/api/tareas/{task.id}/completar", json=PROPOSAL, headers=bearer(p001, "despacho")
    )
    assert response.status_code == 500
    assert "el servidor de correo no responde" in response.json["message"]
    login(client, "despacho")
    page = client.post(f"/tareas/{task.id}", data={**PROPOSAL, "csrf_token": csrf_token(client)})
    assert page.status_code == 500 and "el servidor de correo no responde" in page.text


def test_vendor_assets_come_from_node_modules_and_nothing_else(client: FlaskClient) -> None:
    assert client.get("/vendor/htmx.min.js").status_code == 200
    assert client.get("/vendor/package.json").status_code == 404
