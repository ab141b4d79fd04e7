"""The analysts' scenarios run once per session on each database, with every procedure
deployed: the scenario tests, the quality office's exports and the commitments test read their
outcome. No test writes to this database after the run."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from engine import Engine, ManualClock
from handlers import service_registry
from storage.database import session_factory
from tests.conftest import DATABASE_KINDS, TESTS_START_AT
from tests.database_templates import PROCEDURES, DatabaseTemplates
from tests.integration.scenario_run import ScenarioRun, run_every_scenario


@pytest.fixture(scope="session", params=DATABASE_KINDS)
def scenario_run(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    database_templates: DatabaseTemplates,
) -> Iterator[ScenarioRun]:
    folder = tmp_path_factory.mktemp("scenarios")
    with database_templates.copy(request.param, PROCEDURES, folder) as database:
        clock = ManualClock(TESTS_START_AT)
        engine = Engine(session_factory(database), services=service_registry(), clock=clock)
        yield run_every_scenario(engine, clock)
