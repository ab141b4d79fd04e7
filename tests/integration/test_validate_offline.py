"""`buengobierno validate` lints diagrams on a machine with no database: groups come from the
catalogue that ships with the code, called processes from the files next to the diagram."""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner, Result
from flask.cli import ScriptInfo

from tests.conftest import BPMN, PROCESSES
from web.app import create_app
from web.cli import cli

# Nothing listens on port 9: any connection attempt fails at once.
UNREACHABLE = "postgresql+psycopg://nadie@127.0.0.1:9/ninguna?connect_timeout=1"


def _validate(database_url: str, *paths: Path) -> Result:
    app = create_app({"DATABASE_URL": database_url}, require_secret=False)
    runner = CliRunner()
    return runner.invoke(
        cli, ["validate", *map(str, paths)], obj=ScriptInfo(create_app=lambda: app)
    )


def test_validate_needs_no_database_server() -> None:
    result = _validate(UNREACHABLE, BPMN)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "ok"


def test_validate_needs_no_initialized_database(tmp_path: Path) -> None:
    result = _validate(f"sqlite:///{tmp_path / 'vacia.sqlite3'}", BPMN / "P001_delegaciones.bpmn")
    assert result.exit_code == 0, result.output


def test_validate_offline_still_refuses_an_unknown_lane(tmp_path: Path) -> None:
    original = (BPMN / "P002_actividades_secretario.bpmn").read_text(encoding="utf-8")
    shutil.copytree(PROCESSES / "forms", tmp_path / "forms")
    broken = tmp_path / "bpmn" / "P002.bpmn"
    broken.parent.mkdir()
    broken.write_text(
        original.replace('name="despacho_gobierno"', 'name="grupo_inexistente"', 1),
        encoding="utf-8",
    )
    result = _validate(UNREACHABLE, broken)
    assert result.exit_code == 6, result.output
    assert "grupo_inexistente" in result.output
