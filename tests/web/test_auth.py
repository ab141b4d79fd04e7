"""Signing in and out: argon2-checked passwords, safe cookies, a rate limit, security headers."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from engine import Engine
from engine.people.directory import DEMO_PASSWORD
from tests.web.conftest import csrf_token, login, make_app, post


def test_anonymous_visitor_is_sent_to_sign_in(client: FlaskClient) -> None:
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/ingresar?next=/")


def test_wrong_password_is_refused_in_spanish(client: FlaskClient) -> None:
    response = client.post(
        "/ingresar",
        data={"usuario": "despacho", "contrasena": "otra", "csrf_token": csrf_token(client)},
    )
    assert response.status_code == 401
    assert "Usuario o contraseña incorrectos" in response.text
    assert client.get("/").status_code == 302


def test_sign_in_sets_a_secure_http_only_same_site_cookie(client: FlaskClient) -> None:
    response = client.post(
        "/ingresar",
        data={
            "usuario": "despacho",
            "contrasena": "BuenGobierno2026!",
            "csrf_token": csrf_token(client),
        },
    )
    assert response.status_code == 303
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Profesional Despacho de Gobierno" in client.get("/").text


def test_sign_in_goes_back_only_to_a_local_page(client: FlaskClient) -> None:
    token = csrf_token(client)
    response = client.post(
        "/ingresar?next=//evil.example/robar",
        data={"usuario": "despacho", "contrasena": "BuenGobierno2026!", "csrf_token": token},
    )
    assert response.headers["Location"] == "/"


def test_sign_in_without_csrf_token_is_a_bad_request(client: FlaskClient) -> None:
    response = client.post(
        "/ingresar", data={"usuario": "despacho", "contrasena": "BuenGobierno2026!"}
    )
    assert response.status_code == 400
    assert "código de seguridad" in response.text


def test_repeated_sign_in_attempts_are_rate_limited(p001: Engine) -> None:
    client = make_app(p001, LOGIN_RATE_LIMIT="3 per minute").test_client()
    token = csrf_token(client)
    codes = [
        client.post(
            "/ingresar", data={"usuario": "despacho", "contrasena": "x", "csrf_token": token}
        ).status_code
        for _ in range(4)
    ]
    assert codes == [401, 401, 401, 429]


def test_sign_out_ends_the_session(client: FlaskClient) -> None:
    login(client, "despacho")
    assert post(client, "/salir").status_code == 303
    assert client.get("/").status_code == 302


def test_every_page_carries_the_security_headers(client: FlaskClient) -> None:
    response = client.get("/ingresar")
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert 'lang="es-CO"' in response.text


def test_signing_out_ends_every_session_of_that_user(app: Flask) -> None:
    first, second = app.test_client(), app.test_client()
    login(first, "despacho")
    login(second, "despacho")
    assert second.get("/").status_code == 200
    assert post(first, "/salir").status_code == 303
    response = second.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/ingresar")


def test_signing_out_leaves_other_users_signed_in(app: Flask) -> None:
    despacho, secretario = app.test_client(), app.test_client()
    login(despacho, "despacho")
    login(secretario, "secretario")
    post(despacho, "/salir")
    assert secretario.get("/").status_code == 200


def test_a_session_cookie_copied_before_sign_out_is_refused_after_it(client: FlaskClient) -> None:
    login(client, "despacho")
    cookie = client.get_cookie("session")
    assert cookie is not None
    post(client, "/salir")
    client.set_cookie("session", cookie.value)
    assert client.get("/").status_code == 302


def test_sign_in_issues_a_new_csrf_token(client: FlaskClient) -> None:
    before = csrf_token(client)
    response = client.post(
        "/ingresar",
        data={"usuario": "despacho", "contrasena": DEMO_PASSWORD, "csrf_token": before},
    )
    assert response.status_code == 303
    page = client.get("/")
    after = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert after and after.group(1) != before
    stale = client.post("/salir", data={"csrf_token": before})
    assert stale.status_code == 400
    assert client.get("/").status_code == 200
