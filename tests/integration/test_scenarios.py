"""The analysts' scenarios (processes/scenarios) run as tests on both databases, and together
they take every sequence flow of every procedure."""

from __future__ import annotations

import pytest

from engine import Engine, ManualClock
from engine.analysis.scenarios import Scenario, load_scenarios, run_scenario, untaken_flows
from tests.conftest import BPMN, PROCESSES

SCENARIOS = load_scenarios([PROCESSES / "scenarios"])


@pytest.fixture
def deployed(engine: Engine) -> Engine:
    engine.deploy([BPMN], "analista")
    return engine


def test_every_procedure_has_scenarios() -> None:
    procedures = {path.name.split("_")[0] for path in BPMN.glob("*.bpmn")}
    assert procedures - {s.procedure for s in SCENARIOS} == set()


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: f"{s.procedure}: {s.name}")
def test_scenario(deployed: Engine, clock: ManualClock, scenario: Scenario) -> None:
    result = run_scenario(deployed, clock, scenario)
    assert result.passed, "\n".join(result.failures)
    refused = (scenario.start.get("expect") or {}).get("error")
    assert (result.business_key is None) == bool(refused)
    assert deployed.verify_audit(result.business_key) == []


def test_scenarios_take_every_sequence_flow_of_every_procedure(
    deployed: Engine, clock: ManualClock
) -> None:
    for scenario in SCENARIOS:
        assert run_scenario(deployed, clock, scenario).passed, scenario.name
    untaken = untaken_flows(deployed)
    assert {key: [flow.id for flow in flows] for key, flows in untaken.items() if flows} == {}
