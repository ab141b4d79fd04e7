"""The analysts' scenarios run once per session on each database, with every procedure
deployed: the scenario tests, the quality office's exports and the commitments test read their
outcome. No test writes to this database after the run."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack

import pytest

from engine import Engine, ManualClock
from handlers import service_registry
from storage.database import session_factory
from tests.conftest import DATABASE_KINDS, TESTS_START_AT
from tests.database_templates import PROCEDURES, DatabaseTemplates
from tests.integration.scenario_run import ScenarioRun, run_every_scenario


@pytest.fixture(scope="session")
def scenario_runs(
    tmp_path_factory: pytest.TempPathFactory, database_templates: DatabaseTemplates
) -> Iterator[Callable[[str], ScenarioRun]]:
    """The run on each kind of database, made on first use and kept for the session.

    Not a session fixture parametrized by kind: pytest holds one parameter of such a fixture at
    a time, so every file reading both kinds ran the scenarios again, twice.
    """
    runs: dict[str, ScenarioRun] = {}
    with ExitStack() as databases:

        def run_on(kind: str) -> ScenarioRun:
            if kind not in runs:
                folder = tmp_path_factory.mktemp("scenarios")
                database = databases.enter_context(
                    database_templates.copy(kind, PROCEDURES, folder)
                )
                clock = ManualClock(TESTS_START_AT)
                engine = Engine(session_factory(database), services=service_registry(), clock=clock)
                runs[kind] = run_every_scenario(engine, clock)
            return runs[kind]

        yield run_on


@pytest.fixture(params=DATABASE_KINDS)
def scenario_run(
    request: pytest.FixtureRequest, scenario_runs: Callable[[str], ScenarioRun]
) -> ScenarioRun:
    return scenario_runs(request.param)
