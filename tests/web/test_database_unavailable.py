"""A database that does not answer: 503 with Retry-After (JSON on /api and /healthz, a Spanish
page elsewhere), and one line with exit code 11 on the command line; a missing schema still
asks for `buengobierno init`."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.cli import ScriptInfo
from flask.testing import FlaskClient
from sqlalchemy import Engine as DatabaseEngine

from engine import Engine, Unavailable
from handlers import service_registry
from storage.database import create_database_engine, session_factory
from tests.integration.test_database_faults import unreachable_url
from tests.web.conftest import bearer, login, make_app
from web.app import create_app
from web.cli import cli
from web.errors import status_for


@pytest.fixture
def unreachable_app(database: DatabaseEngine, p001: Engine, tmp_path: Path) -> Flask:
    """The same application (same secret key) on a database server that cannot be reached."""
    gone = create_database_engine(unreachable_url(database.dialect.name, tmp_path))
    return make_app(Engine(session_factory(gone), services=service_registry(), clock=p001.clock))


def test_healthz_says_ok_for_the_process_and_the_database(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_healthz_answers_503_json_when_the_database_does_not_answer(
    unreachable_app: Flask,
) -> None:
    response = unreachable_app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.mimetype == "application/json"
    assert response.headers["Retry-After"].isdigit()
    body = response.json
    assert body is not None and body["status"] == "unavailable" and body["database"]


def test_the_api_answers_503_json_with_retry_after(p001: Engine, unreachable_app: Flask) -> None:
    response = unreachable_app.test_client().get("/api/tareas", headers=bearer(p001, "secretario"))
    assert response.status_code == 503
    assert response.headers["Retry-After"].isdigit()
    assert response.json == {
        "error": "Servicio no disponible por el momento",
        "message": "La base de datos no responde; intente de nuevo en unos momentos.",
    }


def test_a_signed_in_official_gets_a_spanish_503_page_that_does_not_need_the_database(
    client: FlaskClient, unreachable_app: Flask
) -> None:
    login(client, "secretario")
    cookie = client.get_cookie("session")
    assert cookie is not None
    elsewhere = unreachable_app.test_client()
    elsewhere.set_cookie("session", cookie.value)
    response = elsewhere.get("/")
    assert response.status_code == 503
    assert response.mimetype == "text/html"
    assert response.headers["Retry-After"].isdigit()
    assert "Servicio no disponible por el momento" in response.text
    assert "La base de datos no responde" in response.text
    assert "Traceback" not in response.text and "psycopg" not in response.text


def test_unavailable_is_503_in_the_one_mapping() -> None:
    assert status_for(Unavailable("connection refused")) == 503


def _cli(app: Flask, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), obj=ScriptInfo(create_app=lambda: app))
    return result.exit_code, result.output


def test_the_cli_says_the_database_does_not_answer_in_one_line_with_exit_code_11(
    database: DatabaseEngine, tmp_path: Path
) -> None:
    url = unreachable_url(database.dialect.name, tmp_path)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "k" * 40}, require_secret=False)
    commands = (
        ["tasks", "--as", "secretario"],
        ["incidents", "list", "--as", "admin"],
        ["worker", "--once"],
    )
    for command in commands:
        code, output = _cli(app, *command)
        assert code == 11, output
        [line] = output.strip().splitlines()
        assert line.startswith("error: la base de datos no responde: ")
        assert "buengobierno init" not in line


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_the_cli_asks_for_init_only_when_the_schema_is_missing(
    database: DatabaseEngine, tmp_path: Path
) -> None:
    app = create_app(
        {"DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}"}, require_secret=False
    )
    code, output = _cli(app, "tasks", "--as", "secretario")
    assert code == 2, output
    [line] = output.strip().splitlines()
    assert "ejecute 'buengobierno init'" in line and "no responde" not in line
