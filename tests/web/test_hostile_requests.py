"""Hostile input in the request itself (a deeply nested JSON body, ids beyond any database
integer, control characters in `next=`) answers a clear 4xx, never a 500."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from engine import Engine
from engine.people.directory import DEMO_PASSWORD
from tests.helpers import open_elements, task_for
from tests.web.conftest import bearer, csrf_token, login, start_p001

HUGE = 10**23


def _api(engine: Engine, username: str) -> dict[str, str]:
    return {**bearer(engine, username), "Content-Type": "application/json"}


def test_a_deeply_nested_json_body_is_a_400_json_error(client: FlaskClient, p001: Engine) -> None:
    key = start_p001(p001)
    task = task_for(p001, key, "proponer_delegado")
    body = '{"delegado": ' + "[" * 5000 + "]" * 5000 + "}"
    response = client.post(
        f"/api/tareas/{task.id}/completar", data=body, headers=_api(p001, "despacho")
    )
    assert response.status_code == 400 and response.is_json
    assert response.json["error"] == "Solicitud no válida"
    assert "anidado" in response.json["message"]
    assert open_elements(p001, key) == ["proponer_delegado"]


def test_a_moderately_deep_json_body_is_refused_too(client: FlaskClient, p001: Engine) -> None:
    """Deep enough for Python's parser but not for the recursive steps after it."""
    task = task_for(p001, start_p001(p001), "proponer_delegado")
    body = '{"delegado": ' + "[" * 900 + "]" * 900 + "}"
    response = client.post(
        f"/api/tareas/{task.id}/completar", data=body, headers=_api(p001, "despacho")
    )
    assert response.status_code == 400 and "anidado" in response.json["message"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", f"/api/tareas/{HUGE}"),
        ("post", f"/api/tareas/{HUGE}/reclamar"),
        ("post", f"/api/tareas/{HUGE}/completar"),
    ],
)
def test_an_id_beyond_any_database_integer_is_a_404_json_error(
    client: FlaskClient, p001: Engine, method: str, path: str
) -> None:
    response = getattr(client, method)(path, data="{}", headers=_api(p001, "despacho"))
    assert response.status_code == 404 and response.is_json
    assert response.json["error"] == "No encontrado"


@pytest.mark.parametrize(
    "path",
    [
        f"/tareas/{HUGE}",
        f"/casos/P001-2026-00001/adjuntos/{HUGE}",
        f"/incidentes/{HUGE}/reintentar",
    ],
)
def test_an_id_beyond_any_database_integer_is_a_spanish_404_page(
    client: FlaskClient, path: str
) -> None:
    login(client, "admin")
    response = client.get(path)
    assert response.status_code in (404, 405)
    assert 'lang="es-CO"' in response.text


def test_posting_to_a_task_beyond_any_database_integer_is_a_404(client: FlaskClient) -> None:
    login(client, "despacho")
    response = client.post(f"/tareas/{HUGE}/reclamar", data={"csrf_token": csrf_token(client)})
    assert response.status_code == 404 and "No encontrado" in response.text


@pytest.mark.parametrize("path", ["/", "/casos", "/api/tareas"])
def test_a_page_number_beyond_any_database_integer_is_not_a_500(
    client: FlaskClient, p001: Engine, path: str
) -> None:
    start_p001(p001)
    login(client, "despacho")
    response = client.get(f"{path}?pagina={HUGE}&por_pagina={HUGE}")
    assert response.status_code < 500


@pytest.mark.parametrize(
    "target",
    [
        "/casos%0d%0aSet-Cookie:%20sesion=robada",
        "/casos%0aLocation:%20https://malo.example",
        "/%09",
    ],
)
def test_control_characters_in_next_fall_back_to_the_inbox(
    client: FlaskClient, target: str
) -> None:
    """Like any other unsafe target (another site, a backslash): the official, just signed
    in, lands on the inbox; no header is split."""
    response = client.post(
        f"/ingresar?next={target}",
        data={"usuario": "despacho", "contrasena": DEMO_PASSWORD, "csrf_token": csrf_token(client)},
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    assert "Set-Cookie: sesion" not in str(response.headers)
