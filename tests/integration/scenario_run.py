"""The outcome of running every analysts' scenario (processes/scenarios) in one database."""

from __future__ import annotations

from dataclasses import dataclass

from engine import Engine, ManualClock
from engine.analysis.scenarios import (
    Scenario,
    ScenarioResult,
    load_scenarios,
    run_scenario,
    untaken_flows,
)
from tests.conftest import PROCESSES

SCENARIOS = load_scenarios([PROCESSES / "scenarios"])


@dataclass
class ScenarioRun:
    engine: Engine
    clock: ManualClock
    results: dict[tuple[str, str], ScenarioResult]
    untaken: dict[str, list[str]]
    broken_chains: dict[str, list[str]]

    def business_keys(self, procedure: str) -> list[str]:
        """The cases the scenarios of `procedure` started, in the order they ran."""
        return [
            result.business_key
            for (of, _name), result in self.results.items()
            if of == procedure and result.business_key is not None
        ]


def scenario_key(scenario: Scenario) -> tuple[str, str]:
    return (scenario.procedure, scenario.name)


def run_every_scenario(engine: Engine, clock: ManualClock) -> ScenarioRun:
    """Every scenario, one after the other, on `engine` (every procedure deployed)."""
    results = {scenario_key(s): run_scenario(engine, clock, s) for s in SCENARIOS}
    untaken = {key: [flow.id for flow in flows] for key, flows in untaken_flows(engine).items()}
    broken = {
        result.business_key: [str(link) for link in engine.verify_audit(result.business_key)]
        for result in results.values()
        if result.business_key is not None
    }
    return ScenarioRun(engine, clock, results, untaken, broken)
