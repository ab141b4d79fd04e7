"""A failure inside SpiffWorkflow during any command is an incident, never a raw exception.

C_FAILS reaches a parallel multi-instance task whose cardinality (`veces`) comes from the
case: a text there makes SpiffWorkflow's own code raise a `TypeError` (not one of its
exceptions). The model reaches it from each command that runs the workflow: starting the case,
completing a task, and a timer's job.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo
from sqlalchemy import Engine as DatabaseEngine
from sqlalchemy import func, select

from engine import Engine, Incident, ManualClock, fire_due_timers, incidents, retry_incident
from engine.jobs.runner import MAX_ATTEMPTS
from storage.models import Case
from tests.helpers import audit_actions, case_row, complete, open_elements, task_for
from web.app import create_app
from web.cli import cli

C_FAILS = Path(__file__).resolve().parent.parent / "data" / "constructs" / "C_FAILS.bpmn"
INTERNAL = "falla interna del motor de procesos (TypeError"


@pytest.fixture
def fails(engine: Engine) -> Engine:
    engine.deploy([C_FAILS], "analista")
    return engine


def start_data(veces: object, *, espera: bool = False, preparar: bool = False) -> dict[str, object]:
    return {"veces": veces, "espera": espera, "preparar": preparar}


def test_a_start_that_fails_inside_spiffworkflow_is_an_incident_and_creates_no_case(
    fails: Engine,
) -> None:
    with pytest.raises(Incident, match=r"C_FAILS-\d{4}-\d{5}: falla interna"):
        fails.start("C_FAILS", "despacho", start_data("dos"))
    with fails.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Case)) == 0
    key = fails.start("C_FAILS", "despacho", start_data(2))  # the same start, with good data
    assert open_elements(fails, key) == ["repetir", "repetir"]


def test_a_completion_that_fails_inside_spiffworkflow_is_recorded_and_can_be_retried(
    fails: Engine,
) -> None:
    key = fails.start("C_FAILS", "despacho", start_data(None, preparar=True))
    task = task_for(fails, key, "preparar")
    with pytest.raises(Incident, match=re.escape(INTERNAL)) as raised:
        fails.complete(task.id, "despacho", {"veces": "dos"})
    case = case_row(fails, key)
    assert case.last_error == str(raised.value)
    assert len(case.last_error.splitlines()) == 1
    assert audit_actions(fails, key)[-1] == "incident"
    assert open_elements(fails, key) == ["preparar"]
    complete(fails, key, "preparar", "despacho", {"veces": 1})
    assert open_elements(fails, key) == ["repetir"]


def test_a_timer_job_that_fails_inside_spiffworkflow_becomes_a_retryable_incident(
    fails: Engine, clock: ManualClock
) -> None:
    key = fails.start("C_FAILS", "despacho", start_data("dos", espera=True))
    for _ in range(MAX_ATTEMPTS):
        clock.advance(timedelta(days=1))
        assert fire_due_timers(fails) == 0
    [incident] = incidents(fails, "admin")
    assert incident.business_key == key and INTERNAL in (incident.error or "")
    assert case_row(fails, key).last_error == incident.error
    assert audit_actions(fails, key)[-1] == "incident"
    retry_incident(fails, incident.job_id, "admin")
    assert case_row(fails, key).last_error is None


def test_the_cli_answers_a_failing_start_with_exit_code_8(database: DatabaseEngine) -> None:
    url = database.url.render_as_string(hide_password=False)
    schema = None
    if database.dialect.name == "postgresql":
        with database.connect() as connection:
            schema = str(connection.exec_driver_sql("SHOW search_path").scalar())
    app = create_app({"DATABASE_URL": url, "DATABASE_SCHEMA": schema}, require_secret=False)
    runner = CliRunner()

    def run(*args: str) -> tuple[int, str]:
        result = runner.invoke(
            cli, list(args), obj=ScriptInfo(create_app=lambda: app), catch_exceptions=False
        )
        return result.exit_code, result.stderr

    assert run("init", "--demo")[0] == 0
    assert run("deploy", str(C_FAILS))[0] == 0
    code, stderr = run(
        "start", "C_FAILS", "--as", "despacho", "--data", json.dumps(start_data("dos"))
    )
    assert code == 8
    assert len(stderr.strip().splitlines()) == 1 and INTERNAL in stderr
