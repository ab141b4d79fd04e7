"""A throwaway engine on a temporary SQLite database: where scenarios run without touching data."""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path

from engine import Engine, ManualClock
from engine.analysis.scenarios import (
    Flow,
    ScenarioResult,
    load_scenarios,
    run_scenario,
    untaken_flows,
)
from engine.people.directory import ensure_groups, load_demo_users
from handlers import service_registry
from storage.database import create_database_engine, session_factory
from storage.migrate import upgrade_to_head

BPMN_DIRECTORY = Path("processes") / "bpmn"


def run_scenarios_in_scratch_database(
    paths: list[Path], bpmn: Path = BPMN_DIRECTORY
) -> tuple[list[ScenarioResult], dict[str, list[Flow]]]:
    """Deploy `bpmn`, run every scenario in `paths`; the results and the untaken flows."""
    scenarios = load_scenarios(paths)
    with tempfile.TemporaryDirectory(prefix="buengobierno-") as folder:
        database = create_database_engine(f"sqlite:///{folder}/scenarios.sqlite3")
        try:
            upgrade_to_head(database)
            sessions = session_factory(database)
            with sessions() as session, session.begin():
                ensure_groups(session)
                load_demo_users(session)
            clock = ManualClock(datetime.now().astimezone())
            engine = Engine(sessions, services=service_registry(), clock=clock)
            engine.deploy([bpmn], "analista")
            results = [run_scenario(engine, clock, scenario) for scenario in scenarios]
            procedures = {scenario.procedure for scenario in scenarios}
            untaken = {
                key: flows for key, flows in untaken_flows(engine).items() if key in procedures
            }
            return results, untaken
        finally:
            database.dispose()
