"""The analysts' scenarios (processes/scenarios) run as tests on both databases, and together
they take every sequence flow of every procedure.

Every scenario runs once per database, in one deployed database shared by the module: each
test then reads its result, and the coverage test reads the flows they took together.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest

from engine import Engine, ManualClock
from engine.analysis.scenarios import (
    Scenario,
    ScenarioResult,
    load_scenarios,
    run_scenario,
    untaken_flows,
)
from handlers import service_registry
from storage.database import session_factory
from tests.conftest import BOGOTA, BPMN, DATABASE_KINDS, PROCESSES
from tests.database_templates import DIRECTORY, DatabaseTemplates

SCENARIOS = load_scenarios([PROCESSES / "scenarios"])


@dataclass
class ScenarioRun:
    results: dict[tuple[str, str], ScenarioResult]
    untaken: dict[str, list[str]]
    broken_chains: dict[str, list[str]]


@pytest.fixture(scope="module", params=DATABASE_KINDS)
def scenario_run(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    database_templates: DatabaseTemplates,
) -> Iterator[ScenarioRun]:
    folder: Path = tmp_path_factory.mktemp("scenarios")
    with database_templates.copy(request.param, DIRECTORY, folder) as database:
        clock = ManualClock(datetime(2026, 12, 1, 9, 0, tzinfo=BOGOTA))
        engine = Engine(session_factory(database), services=service_registry(), clock=clock)
        engine.deploy([BPMN], "analista")
        results = {_key(s): run_scenario(engine, clock, s) for s in SCENARIOS}
        untaken = {key: [flow.id for flow in flows] for key, flows in untaken_flows(engine).items()}
        broken = {
            result.business_key: [str(link) for link in engine.verify_audit(result.business_key)]
            for result in results.values()
            if result.business_key is not None
        }
        yield ScenarioRun(results, untaken, broken)


def _key(scenario: Scenario) -> tuple[str, str]:
    return (scenario.procedure, scenario.name)


def test_every_procedure_has_scenarios() -> None:
    procedures = {path.name.split("_")[0] for path in BPMN.glob("*.bpmn")}
    assert procedures - {s.procedure for s in SCENARIOS} == set()


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: f"{s.procedure}: {s.name}")
def test_scenario(scenario_run: ScenarioRun, scenario: Scenario) -> None:
    result = scenario_run.results[_key(scenario)]
    assert result.passed, "\n".join(result.failures)
    refused = (scenario.start.get("expect") or {}).get("error")
    assert (result.business_key is None) == bool(refused)
    if result.business_key is not None:
        assert scenario_run.broken_chains[result.business_key] == []


def test_scenarios_take_every_sequence_flow_of_every_procedure(scenario_run: ScenarioRun) -> None:
    assert all(result.passed for result in scenario_run.results.values())
    assert {key: flows for key, flows in scenario_run.untaken.items() if flows} == {}
