"""`buengobierno worker` imports the engine, not the web: a worker restarted, or run from cron
with `--once`, pays for its own start-up and no more (issue 12: the views, the workbench, the
scenario runner, LDAP and Alembic were most of an empty run's CPU; then the facade's other
commands, the deployment's linter and parser, the forms' schemas and the templates: a quarter of
what was left)."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys

import pytest
from sqlalchemy import Engine as DatabaseEngine

from tests.conftest import url_of

# Run the real entry point, then print the modules it imported (at exit: click exits the process).
_WORKER_AND_ITS_MODULES = """import atexit, json, sys
atexit.register(lambda: print(json.dumps(sorted(sys.modules)), file=sys.__stdout__))
from web.cli import main
main()
"""
NOT_FOR_THE_WORKER = (
    "web.app",  # the application with its pages
    "web.inbox",
    "web.workbench",
    "web.api",
    "flask_babel",
    "flask_login",
    "ldap3",
    "redis",
    "alembic",
    "engine.analysis.scenarios",
    "web.scratch",
    # The engine's other commands: the facade imports each command's module when it runs.
    "engine.commands.cases",
    "engine.commands.workbench",
    "engine.commands.migration",
    "engine.commands.admin",
    "engine.read.bulk",
    "engine.read.migration",
    # Deploying (the linter, the BPMN parser, the forms' schemas, the templates): a timer fires
    # on a definition already deployed, and an outcome template loads Jinja when one is met.
    "engine.bpm.deployment",
    "engine.bpm.definitions",
    "engine.bpm.linter",
    "engine.bpm.migration",
    "engine.bpm.instructions",
    "SpiffWorkflow.bpmn.parser",
    "jsonschema",
    "jsonschema_rs",
    "markdown_it",
)


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_the_worker_starts_without_the_web_views_ldap_or_alembic(database: DatabaseEngine) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith("BUENGOBIERNO_")}
    env |= {
        "BUENGOBIERNO_DATABASE_URL": url_of(database),
        "BUENGOBIERNO_SECRET_KEY": secrets.token_urlsafe(48),
    }
    result = subprocess.run(
        [sys.executable, "-c", _WORKER_AND_ITS_MODULES, "worker", "--once"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "event=stopped" in result.stderr  # the worker ran, and found nothing to do
    modules = set(json.loads(result.stdout.strip().splitlines()[-1]))
    assert {"web.cli_worker", "engine.jobs.worker", "engine.commands.facade"} <= modules
    assert sorted(modules & set(NOT_FOR_THE_WORKER)) == []
