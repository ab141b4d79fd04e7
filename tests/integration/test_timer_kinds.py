"""Timer constructs beyond P001's: an intermediate catch event (ISO 8601 duration) and an
interrupting boundary timer (business days), both fired by the engine's clock through jobs."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from engine import Engine, ManualClock, fire_due_timers
from tests.conftest import BOGOTA
from tests.helpers import case_row, complete, open_elements

TIMERS = Path(__file__).resolve().parent.parent / "data" / "bpmn" / "TIMERS.bpmn"


@pytest.fixture
def timers(engine: Engine, clock: ManualClock) -> Engine:
    clock.set(datetime(2026, 12, 4, 10, 0, tzinfo=BOGOTA))  # a Friday before the 8 December holiday
    engine.deploy([TIMERS], "analista")
    return engine


def test_an_intermediate_duration_timer_waits_two_hours(timers: Engine, clock: ManualClock) -> None:
    key = timers.start("TIMERS", "despacho", {})
    assert open_elements(timers, key) == []
    clock.advance(timedelta(hours=1, minutes=59))
    assert fire_due_timers(timers) == 0
    clock.advance(timedelta(minutes=1))
    assert fire_due_timers(timers) == 1
    assert open_elements(timers, key) == ["responder"]


def test_an_interrupting_business_day_timer_cancels_the_task_on_the_next_business_day(
    timers: Engine, clock: ManualClock
) -> None:
    key = timers.start("TIMERS", "despacho", {})
    clock.advance(timedelta(hours=2))
    fire_due_timers(timers)  # the task opens on Friday at noon; its term ends Monday 08:00
    clock.set(datetime(2026, 12, 7, 7, 59, tzinfo=BOGOTA))
    assert fire_due_timers(timers) == 0
    clock.set(datetime(2026, 12, 7, 8, 0, tzinfo=BOGOTA))
    assert fire_due_timers(timers) == 1
    assert open_elements(timers, key) == []
    assert case_row(timers, key).status == "completed"
    assert timers.verify_audit(key) == []


def test_answering_in_time_removes_the_interrupting_timer(
    timers: Engine, clock: ManualClock
) -> None:
    key = timers.start("TIMERS", "despacho", {})
    clock.advance(timedelta(hours=2))
    fire_due_timers(timers)
    complete(timers, key, "responder", "despacho", {"respuesta": "listo"})
    clock.set(datetime(2026, 12, 9, 9, 0, tzinfo=BOGOTA))
    assert fire_due_timers(timers) == 0
    assert case_row(timers, key).status == "completed"


def test_a_timer_start_event_holds_the_new_case_until_the_next_business_day(
    engine: Engine, clock: ManualClock
) -> None:
    clock.set(datetime(2026, 12, 4, 10, 0, tzinfo=BOGOTA))
    engine.deploy([TIMERS.parent / "TIMERSTART.bpmn"], "analista")
    key = engine.start("TIMERSTART", "despacho", {})
    assert open_elements(engine, key) == []
    clock.set(datetime(2026, 12, 7, 8, 0, tzinfo=BOGOTA))  # Monday; 8 December is a holiday
    assert fire_due_timers(engine) == 1
    clock.advance(timedelta(hours=2))
    fire_due_timers(engine)
    assert open_elements(engine, key) == ["responder"]
