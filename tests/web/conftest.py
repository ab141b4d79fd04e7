"""Web fixtures: the app on the test engine (manual clock, both databases) and a signed-in client."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from engine import Engine
from engine.commands.attachments import Upload
from engine.people.access_tokens import create_token
from engine.people.directory import DEMO_PASSWORD
from tests.helpers import task_for
from web.app import create_app

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')

INVITATION = {
    "instancia": "Junta Directiva de EMCALI",
    "asunto": "Sesión ordinaria de diciembre",
    "fecha_sesion": "2026-12-04",
    "tipo_delegacion": "puntual",
}
PROPOSAL = {"delegado": "delegada", "cargo_delegado": "Subsecretaria de Cultura"}
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def make_app(engine: Engine, **config: Any) -> Flask:
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "LOGIN_RATE_LIMIT": "1000 per minute",
            **config,
        },
        engine=engine,
    )


@pytest.fixture
def app(p001: Engine) -> Flask:
    return make_app(p001)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def csrf_token(client: FlaskClient) -> str:
    """The CSRF token of the client's session, read from the sign-in form like a browser would."""
    page = client.get("/ingresar")
    match = _TOKEN.search(page.text)
    assert match, "the sign-in page carries a CSRF token"
    return match.group(1)


def login(client: FlaskClient, username: str, password: str = DEMO_PASSWORD) -> None:
    response = client.post(
        "/ingresar",
        data={"usuario": username, "contrasena": password, "csrf_token": csrf_token(client)},
    )
    assert response.status_code == 303, response.text


def post(client: FlaskClient, url: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
    """A form POST with the session's CSRF token, as the page's form sends it."""
    return client.post(url, data={"csrf_token": csrf_token(client), **(data or {})}, **kwargs)


# What the ficha (P001.F001) posts besides the session's account: its header as prefilled from
# the case, one attendee, the delegate's vote and position.
FICHA_FIELDS = {
    "encabezado.instancia": "Junta Directiva de EMCALI",
    "encabezado.delegado": "delegada",
    "encabezado.cargo_delegado": "Subsecretaria de Cultura",
    "encabezado.documento_delegacion": "Oficio 202641730100021 del 2026-12-01",
    "asistentes.0.nombre": "Gerente de EMCALI",
    "asistentes.0.entidad": "EMCALI EICE ESP",
    "sentido_voto": "a_favor",
    "posicion_delegado": "La Administración apoyó el presupuesto.",
}


def start_p001(engine: Engine, **changes: str) -> str:
    return engine.start("P001", "despacho", {**INVITATION, **changes})


def draft_act_uploaded(engine: Engine, **changes: str) -> str:
    """A standing delegation whose draft decree (a PDF) Despacho de Gobierno uploaded: the case
    is in P003, at the vistos buenos."""
    key = start_p001(engine, **{"tipo_delegacion": "permanente", **changes})
    engine.complete(task_for(engine, key, "proponer_delegado").id, "despacho", PROPOSAL)
    engine.complete(
        task_for(engine, key, "aprobar_delegacion").id,
        "secretario",
        {"decision_secretario": "aprobar"},
    )
    engine.complete(
        task_for(engine, key, "proyectar_acto_delegacion").id,
        "despacho",
        {"tipo_acto": "decreto"},
        {"borrador": Upload("decreto.pdf", PDF)},
    )
    return key


def bearer(engine: Engine, username: str) -> dict[str, str]:
    """The Authorization header of a new personal access token of `username`."""
    return {"Authorization": f"Bearer {create_token(engine, username, 'pruebas').secret}"}
