"""A failing pre- or post-script of a user task is an incident on the case, not a traceback:
the submission is not kept, the case records what failed, the task can be completed again."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from flask.cli import ScriptInfo
from sqlalchemy import Engine as DatabaseEngine

from engine import Engine, Incident
from tests.helpers import audit_actions, case_row, open_elements, task_for
from web.app import create_app
from web.cli import cli

SCRIPTS = Path(__file__).resolve().parent.parent / "data" / "bpmn" / "SCRIPTS.bpmn"


@pytest.fixture
def scripts(engine: Engine) -> Engine:
    engine.deploy([SCRIPTS], "analista")
    return engine


@pytest.mark.parametrize(
    ("data", "message"),
    [({"partes": 0}, "division by zero"), ({}, "partes")],
    ids=["division-by-zero", "undefined-name"],
)
def test_a_failing_post_script_is_an_incident_recorded_on_the_case(
    scripts: Engine, data: dict[str, Any], message: str
) -> None:
    key = scripts.start("SCRIPTS", "despacho", {})
    task = task_for(scripts, key, "repartir")
    with pytest.raises(Incident, match=message) as raised:
        scripts.complete(task.id, "despacho", data)
    assert key in str(raised.value) and "'repartir'" in str(raised.value)

    case = case_row(scripts, key)
    assert case.last_error == str(raised.value)
    assert audit_actions(scripts, key)[-1] == "incident"
    assert "cuota" not in case.data and case.status == "running"
    assert open_elements(scripts, key) == ["repartir"]

    scripts.complete(task.id, "despacho", {"partes": 4})
    assert case_row(scripts, key).data["cuota"] == 25
    assert case_row(scripts, key).status == "completed"


def test_the_cli_answers_a_failing_post_script_with_exit_code_8(database: DatabaseEngine) -> None:
    url = database.url.render_as_string(hide_password=False)
    schema = None
    if database.dialect.name == "postgresql":
        with database.connect() as connection:
            schema = str(connection.exec_driver_sql("SHOW search_path").scalar())
    app = create_app({"DATABASE_URL": url, "DATABASE_SCHEMA": schema}, require_secret=False)
    runner = CliRunner()

    def run(*args: str) -> Result:
        info = ScriptInfo(create_app=lambda: app)
        return runner.invoke(cli, list(args), obj=info, catch_exceptions=False)

    assert run("init", "--demo").exit_code == 0
    assert run("deploy", str(SCRIPTS)).exit_code == 0
    key = run("start", "SCRIPTS", "--as", "despacho").output.strip()
    task_id = str(json.loads(run("tasks", "--as", "despacho", "--json").output)[0]["id"])
    result = run("complete", task_id, "--as", "despacho", "--data", '{"partes": 0}')
    assert result.exit_code == 8
    assert len(result.stderr.strip().splitlines()) == 1
    assert key in result.stderr and "division by zero" in result.stderr
