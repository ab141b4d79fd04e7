"""A throwaway engine on a temporary SQLite database: where scenarios run without touching data."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
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
from engine.read.workbench import DraftContent
from handlers import service_registry
from storage.database import create_database_engine, session_factory
from storage.migrate import upgrade_to_head

BPMN_DIRECTORY = Path("processes") / "bpmn"
SCENARIOS_DIRECTORY = Path("processes") / "scenarios"


@contextmanager
def scratch_engine(bpmn: Path = BPMN_DIRECTORY) -> Iterator[tuple[Engine, ManualClock]]:
    """An engine on a new temporary database with the directory loaded and `bpmn` deployed."""
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
            yield engine, clock
        finally:
            database.dispose()


def run_scenarios_in_scratch_database(
    paths: list[Path], bpmn: Path = BPMN_DIRECTORY
) -> tuple[list[ScenarioResult], dict[str, list[Flow]]]:
    """Deploy `bpmn`, run every scenario in `paths`; the results and the untaken flows."""
    scenarios = load_scenarios(paths)
    with scratch_engine(bpmn) as (engine, clock):
        results = [run_scenario(engine, clock, scenario) for scenario in scenarios]
        procedures = {scenario.procedure for scenario in scenarios}
        untaken = {key: flows for key, flows in untaken_flows(engine).items() if key in procedures}
        return results, untaken


def run_draft_scenarios(
    draft: DraftContent,
    scenarios: Path = SCENARIOS_DIRECTORY,
    bpmn: Path = BPMN_DIRECTORY,
) -> tuple[list[ScenarioResult], list[Flow]] | None:
    """The procedure's scenarios (`<key>.yaml` in `scenarios`) against the draft, deployed as
    the next version on a scratch database next to `bpmn`: results, and the draft's sequence
    flows no scenario took. None when the procedure has no scenarios. A draft the linter
    refuses raises `InvalidDefinition`, as deploying it would."""
    path = scenarios / f"{draft.key}.yaml"
    if not path.is_file():
        return None
    with scratch_engine(bpmn) as (engine, clock):
        created = engine.create_draft(draft.key, "analista")
        saved = engine.save_draft(
            created.draft_id, created.revision, draft.bpmn_xml, "analista", draft.forms
        )
        # This deployment is the scenarios' own run: the gate it would check is what it makes.
        engine.deploy_draft(saved.draft_id, saved.revision, "analista", scenarios_required=False)
        results = [run_scenario(engine, clock, scenario) for scenario in load_scenarios([path])]
        return results, untaken_flows(engine).get(draft.key, [])
