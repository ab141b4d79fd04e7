"""Sign-in limits per account and per address, shared by every process (database or Redis)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from engine import Engine, ManualClock
from engine.people.directory import DEMO_PASSWORD
from engine.people.login_throttle import parse_limits
from tests.web.conftest import csrf_token, make_app

REDIS_URL = "redis://127.0.0.1:6379/0"
PROXY = "10.0.0.1"  # the institution's reverse proxy, as the app sees it without ProxyFix


@pytest.fixture(params=["database", "redis"])
def backend(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Configuration of the counters' storage; Redis gets a key prefix of its own per test."""
    if request.param == "database":
        return {"REDIS_URL": None}
    return {"REDIS_URL": REDIS_URL, "REDIS_PREFIX": f"bg-test-{uuid.uuid4().hex}:"}


def _app(engine: Engine, backend: dict[str, Any], **config: Any) -> Flask:
    settings = {
        "LOGIN_RATE_LIMIT": "100 per minute",
        "LOGIN_ACCOUNT_RATE_LIMIT": "3 per minute",
        **backend,
        **config,
    }
    return make_app(engine, **settings)


def _sign_in(
    client: FlaskClient, username: str, password: str, forwarded_for: str | None = None
) -> int:
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    token = csrf_token(client)
    response = client.post(
        "/ingresar",
        data={"usuario": username, "contrasena": password, "csrf_token": token},
        headers=headers,
        environ_base={"REMOTE_ADDR": PROXY},
    )
    return response.status_code


def test_failed_sign_ins_lock_the_account_even_with_the_right_password(
    p001: Engine, backend: dict[str, Any]
) -> None:
    client = _app(p001, backend).test_client()
    codes = [_sign_in(client, "despacho", "adivinanza") for _ in range(3)]
    assert codes == [401, 401, 401]
    locked = client.post(
        "/ingresar",
        data={"usuario": "despacho", "contrasena": DEMO_PASSWORD, "csrf_token": csrf_token(client)},
    )
    assert locked.status_code == 429
    assert "Demasiados intentos fallidos para esta cuenta" in locked.text
    assert client.get("/").status_code == 302


def test_a_storm_on_one_account_does_not_lock_out_others_behind_the_same_proxy(
    p001: Engine, backend: dict[str, Any]
) -> None:
    app = _app(p001, backend, TRUSTED_PROXIES=1, LOGIN_RATE_LIMIT="5 per minute")
    attacker, colleague = app.test_client(), app.test_client()
    storm = [_sign_in(attacker, "despacho", f"clave{i}", "203.0.113.9") for i in range(8)]
    assert storm[:3] == [401, 401, 401] and set(storm[3:]) == {429}
    assert _sign_in(colleague, "secretario", DEMO_PASSWORD, "10.20.30.40") == 303


def test_without_trusted_proxies_a_forged_forwarded_for_does_not_escape_the_address_limit(
    p001: Engine, backend: dict[str, Any]
) -> None:
    client = _app(p001, backend, LOGIN_RATE_LIMIT="3 per minute").test_client()
    codes = [
        _sign_in(client, user, "x", f"198.51.100.{i}")
        for i, user in enumerate(["despacho", "secretario", "orc", "juridica"])
    ]
    assert codes == [401, 401, 401, 429]


def test_the_counters_are_shared_by_every_process(p001: Engine, backend: dict[str, Any]) -> None:
    first, second = _app(p001, backend).test_client(), _app(p001, backend).test_client()
    assert [_sign_in(c, "despacho", "x") for c in (first, second, first)] == [401, 401, 401]
    assert _sign_in(second, "despacho", DEMO_PASSWORD) == 429


def test_the_account_opens_again_when_the_window_passes(
    p001: Engine, clock: ManualClock, backend: dict[str, Any]
) -> None:
    client = _app(p001, backend).test_client()
    for _ in range(3):
        _sign_in(client, "despacho", "x")
    clock.advance(timedelta(minutes=1))
    assert _sign_in(client, "despacho", DEMO_PASSWORD) == 303


def test_a_successful_sign_in_does_not_count_against_the_account(
    p001: Engine, backend: dict[str, Any]
) -> None:
    app = _app(p001, backend)
    codes = [_sign_in(app.test_client(), "despacho", DEMO_PASSWORD) for _ in range(5)]
    assert codes == [303] * 5


@pytest.mark.parametrize(
    ("text", "limits"),
    [
        ("10 per minute; 100 per hour", [(10, 60), (100, 3600)]),
        ("5/minute", [(5, 60)]),
        ("20 per 10 minutes", [(20, 600)]),
    ],
)
def test_limits_are_written_as_flask_limiter_wrote_them(
    text: str, limits: list[tuple[int, int]]
) -> None:
    assert [(limit.amount, limit.seconds) for limit in parse_limits(text)] == limits


@pytest.mark.parametrize("text", ["", "muchos por minuto", "0 per minute", "10 per fortnight"])
def test_a_malformed_limit_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="invalid rate limit"):
        parse_limits(text)


def test_a_malformed_number_of_trusted_proxies_is_refused(p001: Engine) -> None:
    with pytest.raises(ValueError, match="TRUSTED_PROXIES"):
        make_app(p001, TRUSTED_PROXIES="dos")
