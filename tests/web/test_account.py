"""Mi cuenta: the password page with its policy, and personal access tokens for the API."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from engine import Engine, ManualClock
from engine.people.access_tokens import create_token, hash_token, list_tokens
from engine.people.accounts import authenticate
from engine.people.directory import DEMO_PASSWORD
from engine.people.password_policy import common_passwords, password_problems
from storage.models import AccessToken
from tests.helpers import task_for
from tests.web.conftest import bearer, login, post, start_p001

NEW_PASSWORD = "caballo batería grapa correcta"


def _change(client: FlaskClient, current: str, new: str, repeat: str | None = None) -> object:
    return post(
        client,
        "/cuenta/contrasena",
        {
            "contrasena_actual": current,
            "nueva_contrasena": new,
            "repetir_contrasena": new if repeat is None else repeat,
        },
    )


def _can_sign_in(engine: Engine, username: str, password: str) -> bool:
    with engine.sessions() as session:
        return authenticate(session, username, password) is not None


# -- password policy -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("corta123", "al menos 12 caracteres"),
        ("soy-despacho-de-gobierno", "nombre de usuario"),
        ("qwertyuiop123", "contraseña común"),
        ("Password1234!", "contraseña común"),
        ("BuenGobierno2026!", "contraseña común"),
    ],
)
def test_the_policy_refuses_short_personal_and_common_passwords(
    password: str, problem: str
) -> None:
    assert any(problem in text for text in password_problems(password, "despacho"))


def test_the_policy_accepts_a_long_uncommon_passphrase() -> None:
    assert password_problems(NEW_PASSWORD, "despacho") == []


def test_the_common_password_list_ships_with_the_engine() -> None:
    assert len(common_passwords()) >= 300 and "123456" in common_passwords()


# -- password page -------------------------------------------------------------------------


def test_changing_the_password_keeps_this_session_and_ends_the_others(
    app: Flask, p001: Engine
) -> None:
    here, elsewhere = app.test_client(), app.test_client()
    login(here, "despacho")
    login(elsewhere, "despacho")
    response = _change(here, DEMO_PASSWORD, NEW_PASSWORD)
    assert response.status_code == 303  # type: ignore[attr-defined]
    assert here.get("/").status_code == 200
    assert elsewhere.get("/").status_code == 302
    assert _can_sign_in(p001, "despacho", NEW_PASSWORD)
    assert not _can_sign_in(p001, "despacho", DEMO_PASSWORD)


@pytest.mark.parametrize(
    ("current", "new", "repeat", "field", "message"),
    [
        ("equivocada", NEW_PASSWORD, None, "contrasena_actual", "no es correcta"),
        (DEMO_PASSWORD, "corta", None, "nueva_contrasena", "al menos 12 caracteres"),
        (DEMO_PASSWORD, "despacho-para-siempre", None, "nueva_contrasena", "nombre de usuario"),
        (DEMO_PASSWORD, "passwordpassword", None, "nueva_contrasena", "contraseña común"),
        (DEMO_PASSWORD, NEW_PASSWORD, "otra cosa distinta", "repetir_contrasena", "no coinciden"),
    ],
)
def test_a_refused_password_change_says_why_and_changes_nothing(
    client: FlaskClient,
    p001: Engine,
    current: str,
    new: str,
    repeat: str | None,
    field: str,
    message: str,
) -> None:
    login(client, "despacho")
    response = _change(client, current, new, repeat)
    assert response.status_code == 422  # type: ignore[attr-defined]
    text = response.text  # type: ignore[attr-defined]
    assert message in text and f'id="campo-{field}"' in text and 'aria-invalid="true"' in text
    assert _can_sign_in(p001, "despacho", DEMO_PASSWORD)
    assert client.get("/").status_code == 200


def test_the_user_menu_links_to_the_account_pages(client: FlaskClient) -> None:
    login(client, "despacho")
    page = client.get("/").text
    assert 'href="/cuenta/contrasena"' in page and 'href="/cuenta/tokens"' in page


# -- personal access tokens ----------------------------------------------------------------


def _create_on_page(client: FlaskClient, name: str, days: str = "30") -> tuple[int, str]:
    response = post(client, "/cuenta/tokens", {"nombre": name, "dias": days})
    match = re.search(r'id="token-nuevo" type="text" readonly value="([^"]+)"', response.text)
    return response.status_code, match.group(1) if match else ""


def test_a_token_made_on_the_page_is_shown_once_and_stored_only_as_its_hash(
    client: FlaskClient, p001: Engine
) -> None:
    login(client, "despacho")
    status, secret = _create_on_page(client, "gestor documental")
    assert status == 201 and secret.startswith("bg_") and len(secret) > 40
    listing = client.get("/cuenta/tokens").text
    assert "gestor documental" in listing and secret not in listing
    with p001.sessions() as session:
        row = session.query(AccessToken).one()
        assert row.token_hash == hash_token(secret) and secret not in row.token_hash


def test_a_token_authenticates_the_api_and_records_its_last_use(
    client: FlaskClient, p001: Engine
) -> None:
    login(client, "despacho")
    _status, secret = _create_on_page(client, "correo")
    api = client.application.test_client()
    response = api.get("/api/tareas", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200 and "Set-Cookie" not in response.headers
    (token,) = list_tokens(p001, "despacho")
    assert token.last_used_at == p001.clock.now()
    assert "Nunca" not in client.get("/cuenta/tokens").text


def test_a_token_post_needs_no_csrf_token(client: FlaskClient, p001: Engine) -> None:
    task = task_for(p001, start_p001(p001), "proponer_delegado")
    response = client.post(
        f"/api/tareas/{task.id}/reclamar", json={}, headers=bearer(p001, "despacho")
    )
    assert response.status_code == 200 and response.json["assignee"] == "despacho"


def test_a_revoked_token_is_refused(client: FlaskClient, p001: Engine) -> None:
    login(client, "despacho")
    _status, secret = _create_on_page(client, "correo")
    (token,) = list_tokens(p001, "despacho")
    assert post(client, f"/cuenta/tokens/{token.id}/revocar").status_code == 303
    api = client.application.test_client()
    assert api.get("/api/tareas", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    assert "Revocado" in client.get("/cuenta/tokens").text


def test_an_expired_token_is_refused(client: FlaskClient, p001: Engine, clock: ManualClock) -> None:
    secret = create_token(p001, "despacho", "corto", days=1).secret
    clock.advance(timedelta(days=1, seconds=1))
    assert (
        client.get("/api/tareas", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    )


def test_nobody_revokes_another_users_token(client: FlaskClient, p001: Engine) -> None:
    token = create_token(p001, "secretario", "ajeno")
    login(client, "despacho")
    assert post(client, f"/cuenta/tokens/{token.id}/revocar").status_code == 404
    assert list_tokens(p001, "secretario")[0].revoked_at is None
    assert "ajeno" not in client.get("/cuenta/tokens").text


@pytest.mark.parametrize(
    ("name", "days", "message"),
    [
        ("", "30", "escriba un nombre"),
        ("integración", "0", "entre 1 y 366 días"),
        ("integración", "400", "entre 1 y 366 días"),
        ("integración", "muchos", "número de días"),
    ],
)
def test_a_refused_token_says_why_and_creates_nothing(
    client: FlaskClient, p001: Engine, name: str, days: str, message: str
) -> None:
    login(client, "despacho")
    status, secret = _create_on_page(client, name, days)
    assert status == 422 and secret == ""
    assert message in post(client, "/cuenta/tokens", {"nombre": name, "dias": days}).text
    assert list_tokens(p001, "despacho") == []
