"""`buengobierno init` makes no account with a known password; `buengobierno tokens`."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from click.testing import CliRunner, Result
from flask.cli import ScriptInfo
from sqlalchemy import Engine as DatabaseEngine
from sqlalchemy import inspect, select
from sqlalchemy.orm import Session, sessionmaker

from engine.people.access_tokens import use_token
from engine.people.accounts import authenticate
from engine.people.directory import DEMO_PASSWORD, DemoUser, add_user
from storage.database import create_database_engine
from storage.models import User
from web.app import create_app, engine_of
from web.cli import cli

Invoke = Callable[..., Result]


@pytest.fixture
def empty_database(tmp_path_factory: pytest.TempPathFactory) -> DatabaseEngine:
    """Not migrated: `init` does it (SQLite is enough, the CLI is the same on both)."""
    return create_database_engine(f"sqlite:///{tmp_path_factory.mktemp('cli') / 'cli.sqlite3'}")


@pytest.fixture
def invoke(empty_database: DatabaseEngine) -> Invoke:
    app = create_app(
        {"DATABASE_URL": empty_database.url.render_as_string(hide_password=False)},
        require_secret=False,
    )
    runner = CliRunner()

    def run(*args: str) -> Result:
        return runner.invoke(
            cli, list(args), obj=ScriptInfo(create_app=lambda: app), catch_exceptions=False
        )

    run.engine = engine_of(app)  # type: ignore[attr-defined]
    return run


def _signs_in(database: DatabaseEngine, username: str, password: str) -> bool:
    with Session(database) as session:
        return authenticate(session, username, password) is not None


def test_init_without_demo_shows_a_random_admin_password_once(
    invoke: Invoke, empty_database: DatabaseEngine
) -> None:
    result = invoke("init")
    assert result.exit_code == 0, result.output
    match = re.search(r"contraseña (\S+) \(se muestra solo esta vez", result.output)
    assert match
    assert _signs_in(empty_database, "admin", match.group(1))
    assert not _signs_in(empty_database, "admin", DEMO_PASSWORD)
    again = invoke("init")
    assert again.exit_code == 0 and "contraseña" not in again.output
    with Session(empty_database) as session:
        assert session.scalars(select(User.username)).all() == ["admin"]


def test_init_takes_an_admin_password_that_meets_the_policy(
    invoke: Invoke, empty_database: DatabaseEngine
) -> None:
    result = invoke("init", "--admin-password", "una frase larga que nadie adivina")
    assert result.exit_code == 0, result.output
    assert _signs_in(empty_database, "admin", "una frase larga que nadie adivina")


@pytest.mark.parametrize("password", ["", "corta", "administrador1234", "BuenGobierno2026!"])
def test_init_refuses_a_weak_admin_password_and_changes_nothing(
    invoke: Invoke, empty_database: DatabaseEngine, password: str
) -> None:
    result = invoke("init", "--admin-password", password)
    assert result.exit_code == 7
    assert result.output.startswith("error: --admin-password: la contraseña ")
    assert "users" not in inspect(empty_database).get_table_names()


def test_tokens_are_created_listed_and_revoked_from_the_command_line(invoke: Invoke) -> None:
    assert invoke("init", "--demo").exit_code == 0
    created = invoke("tokens", "create", "--as", "despacho", "--name", "gestor documental")
    assert created.exit_code == 0, created.output
    secret = created.stdout.strip()
    engine = invoke.engine  # type: ignore[attr-defined]
    use = use_token(engine, secret)
    assert use is not None and use.actor.username == "despacho"
    listed = invoke("tokens", "list", "--as", "despacho")
    assert re.search(rf"^{use.token_id}\tgestor documental\t.*\tactivo$", listed.output, re.M)
    assert secret not in listed.output
    assert invoke("tokens", "list", "--as", "secretario").output == ""
    assert invoke("tokens", "revoke", str(use.token_id), "--as", "secretario").exit_code == 3
    assert invoke("tokens", "revoke", str(use.token_id), "--as", "despacho").exit_code == 0
    assert use_token(engine, secret) is None
    assert "revocado" in invoke("tokens", "list", "--as", "despacho").output


def test_a_token_with_a_bad_lifetime_is_refused(invoke: Invoke) -> None:
    assert invoke("init", "--demo").exit_code == 0
    result = invoke("tokens", "create", "--as", "despacho", "--name", "x", "--days", "0")
    assert result.exit_code == 7 and "entre 1 y 366 días" in result.output
    assert invoke("tokens", "list", "--as", "despacho").output == ""


def test_no_user_is_created_with_an_empty_password(sessions: sessionmaker[Session]) -> None:
    nobody = DemoUser("sinclave", "Usuario sin contraseña", ("orc",))
    with sessions() as session, pytest.raises(ValueError, match="password"):
        add_user(session, nobody, "")
