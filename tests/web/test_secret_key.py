"""Sessions are never signed with a key from the source code: without one, nothing serves."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo

from engine import Engine
from web import cli as cli_module
from web.app import create_app
from web.secret_key import MissingSecretKey


@pytest.fixture(autouse=True)
def no_key_in_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BUENGOBIERNO_SECRET_KEY", raising=False)
    monkeypatch.delenv("BUENGOBIERNO_SECRET_KEY_FILE", raising=False)


def test_the_application_refuses_to_start_without_a_secret_key(engine: Engine) -> None:
    with pytest.raises(MissingSecretKey, match="BUENGOBIERNO_SECRET_KEY"):
        create_app(engine=engine)


def test_a_short_secret_key_is_refused(engine: Engine) -> None:
    with pytest.raises(MissingSecretKey, match="demasiado corta"):
        create_app({"SECRET_KEY": "dev-only-change-me"}, engine=engine)


@pytest.mark.parametrize("command", [["serve"], ["worker", "--once"]])
def test_serve_and_worker_refuse_to_start_without_a_key(engine: Engine, command: list[str]) -> None:
    app = create_app(engine=engine, require_secret=False)
    result = CliRunner().invoke(cli_module.cli, command, obj=ScriptInfo(create_app=lambda: app))
    assert result.exit_code == 10
    assert "falta la clave secreta" in result.output


def test_the_demo_key_is_created_once_private_and_then_used(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "var" / "secret_key"
    runner = CliRunner()
    first = runner.invoke(cli_module.cli, ["secret-key", "--file", str(path)])
    assert first.exit_code == 0 and "creada" in first.output
    key = path.read_text().strip()
    assert len(key) >= 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = runner.invoke(cli_module.cli, ["secret-key", "--file", str(path)])
    assert "existente" in again.output and path.read_text().strip() == key
    app = create_app({"SECRET_KEY_FILE": str(path)}, engine=engine)
    assert app.config["SECRET_KEY"] == key
