"""Saved case states stay readable: committed states of every format load and go on."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from engine import Engine, ManualClock
from engine.authorization import SYSTEM
from engine.runtime import CaseRun
from storage.models import Case
from tests.conftest import BPMN
from tests.helpers import open_elements
from tests.state_fixtures import STARTED_AT, STATES, run_steps

COMMITTED = sorted(STATES.glob("v*/*.state"))


@pytest.fixture
def procedures(engine: Engine) -> Engine:
    engine.deploy(sorted(BPMN.glob("*.bpmn")), "admin")
    return engine


def fixture_id(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


def meta_of(state_file: Path) -> dict[str, Any]:
    meta: dict[str, Any] = json.loads(state_file.with_suffix(".json").read_text())
    return meta


def install(engine: Engine, clock: ManualClock, state_file: Path) -> str:
    """A running case whose definition spec and state are the committed ones, inbox rebuilt."""
    meta = meta_of(state_file)
    clock.set(STARTED_AT)
    key = engine.start(meta["process"], meta["starter"], meta["start"])
    with engine.unit_of_work() as session:
        case = session.scalars(select(Case).where(Case.business_key == key)).one()
        case.definition.spec = (state_file.parent / f"{meta['process']}.spec.json").read_text()
        case.state = state_file.read_bytes()
        case.data = meta["data"]
        session.flush()
        run = CaseRun(session, case, SYSTEM, clock, engine.services)
        run.sync_tasks()
        run.sync_timer_jobs()
        run.save()
    return key


def test_committed_states_exist_for_every_format() -> None:
    assert {path.parent.name for path in COMMITTED} >= {"v1"}


@pytest.mark.parametrize("state_file", COMMITTED, ids=fixture_id)
def test_committed_state_loads_and_the_case_goes_on(
    procedures: Engine, clock: ManualClock, state_file: Path
) -> None:
    meta = meta_of(state_file)
    key = install(procedures, clock, state_file)

    run_steps(procedures, clock, key, meta["after"])

    assert open_elements(procedures, key) == meta["open_after"]
