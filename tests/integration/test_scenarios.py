"""The analysts' scenarios (processes/scenarios) run as tests on both databases, and together
they take every sequence flow of every procedure.

Every scenario runs once per database and session (tests/integration/conftest.py): each test
reads its result, and the coverage test reads the flows they took together.
"""

from __future__ import annotations

import pytest

from engine.analysis.scenarios import Scenario
from tests.conftest import BPMN, SHARED_WORKER
from tests.integration.scenario_run import SCENARIOS, ScenarioRun, scenario_key


def test_every_procedure_has_scenarios() -> None:
    procedures = {path.name.split("_")[0] for path in BPMN.glob("*.bpmn")}
    assert procedures - {s.procedure for s in SCENARIOS} == set()


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: f"{s.procedure}: {s.name}")
def test_scenario(scenario_run: ScenarioRun, scenario: Scenario) -> None:
    result = scenario_run.results[scenario_key(scenario)]
    assert result.passed, "\n".join(result.failures)
    refused = (scenario.start.get("expect") or {}).get("error")
    assert (result.business_key is None) == bool(refused)
    if result.business_key is not None:
        assert scenario_run.broken_chains[result.business_key] == []


def test_scenarios_take_every_sequence_flow_of_every_procedure(scenario_run: ScenarioRun) -> None:
    assert all(result.passed for result in scenario_run.results.values())
    assert {key: flows for key, flows in scenario_run.untaken.items() if flows} == {}


def test_every_reader_of_the_scenario_run_shares_a_worker(request: pytest.FixtureRequest) -> None:
    """A reader left out of SHARED_WORKER would run the scenarios again on its own worker."""
    readers = {
        item.nodeid.split("::", 1)[0]
        for item in request.session.items
        if "scenario_run" in getattr(item, "fixturenames", ())
    }
    assert readers <= {file for file, group in SHARED_WORKER.items() if group == "scenario run"}
