"""`buengobierno serve` really serves (Flask's CLI ignores app.run())."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.cli import ScriptInfo

from engine import Engine
from tests.web.conftest import make_app
from web import cli as cli_module
from web import cli_serve


def test_serve_runs_the_app_on_the_given_address(
    p001: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(p001)
    served: list[tuple[str, int, Any]] = []
    monkeypatch.setattr(
        cli_serve, "run_simple", lambda host, port, wsgi, **_: served.append((host, port, wsgi))
    )
    result = CliRunner().invoke(
        cli_module.cli,
        ["serve", "--host", "127.0.0.1", "--port", "5099"],
        obj=ScriptInfo(create_app=lambda: app),
    )
    assert result.exit_code == 0, result.output
    assert served == [("127.0.0.1", 5099, app)]


def test_serve_without_a_test_app_builds_the_application_with_its_pages(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The CLI's own factory (no test app handed in) builds the views for `serve` only; the
    worker starts without them (tests/integration/test_cli_imports.py)."""
    monkeypatch.setenv("BUENGOBIERNO_DATABASE_URL", f"sqlite:///{tmp_path / 'unused.sqlite3'}")
    monkeypatch.setenv("BUENGOBIERNO_SECRET_KEY", secrets.token_urlsafe(48))
    served: list[Flask] = []
    monkeypatch.setattr(cli_serve, "run_simple", lambda host, port, wsgi, **_: served.append(wsgi))
    result = CliRunner().invoke(cli_module.cli, ["serve"])
    assert result.exit_code == 0, result.output
    [app] = served
    assert {"auth", "inbox", "workbench", "api"} <= set(app.blueprints)
