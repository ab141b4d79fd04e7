"""`buengobierno serve` really serves (Flask's CLI ignores app.run())."""

from __future__ import annotations

from typing import Any

import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo

from engine import Engine
from tests.web.conftest import make_app
from web import cli as cli_module


def test_serve_runs_the_app_on_the_given_address(
    p001: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(p001)
    served: list[tuple[str, int, Any]] = []
    monkeypatch.setattr(
        cli_module, "run_simple", lambda host, port, wsgi, **_: served.append((host, port, wsgi))
    )
    result = CliRunner().invoke(
        cli_module.cli,
        ["serve", "--host", "127.0.0.1", "--port", "5099"],
        obj=ScriptInfo(create_app=lambda: app),
    )
    assert result.exit_code == 0, result.output
    assert served == [("127.0.0.1", 5099, app)]
