"""Event-based gateways: one whose events are timers runs (each timer its own job, the first
due takes its path, the others are withdrawn), round after round in a loop; what the engine
cannot run (a task after the gateway, a message or signal to wait for) is refused at deploy
with a message naming the element, never a raw SpiffWorkflow error."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from engine import Engine, InvalidDefinition, ManualClock, fire_due_timers
from storage.models import Case, Job
from tests.helpers import audit_actions, case_row, complete, open_elements

CONSTRUCTS = Path(__file__).resolve().parent.parent / "data" / "constructs"


def timer_jobs(engine: Engine, key: str) -> list[tuple[str, int]]:
    """The case's timer jobs: the element each fires and its due time, in minutes from now."""
    with engine.sessions() as session:
        case_id = session.scalars(select(Case.id).where(Case.business_key == key)).one()
        jobs = session.scalars(select(Job).where(Job.case_id == case_id)).all()
        now = engine.clock.now()
        return sorted(
            (str(job.payload["element"]), round((job.due_at - now).total_seconds() / 60))
            for job in jobs
        )


def test_a_user_task_after_an_event_based_gateway_is_refused_naming_both(engine: Engine) -> None:
    with pytest.raises(InvalidDefinition) as refused:
        engine.deploy([CONSTRUCTS / "C_EVENT_TASK.bpmn"], "analista")
    problems = refused.value.problems
    assert any(
        "elemento 'evento'" in p and "'tarea' es una tarea de usuario" in p for p in problems
    )
    assert not any("AttributeError" in p for p in problems), problems


def test_a_message_after_an_event_based_gateway_is_refused_as_never_delivered(
    engine: Engine, tmp_path: Path
) -> None:
    source = (CONSTRUCTS / "C_EVENT.bpmn").read_text(encoding="utf-8")
    timer = source[source.index('<bpmn:timerEventDefinition id="t2_def">') :]
    timer = timer[
        : timer.index("</bpmn:timerEventDefinition>") + len("</bpmn:timerEventDefinition>")
    ]
    model = tmp_path / "C_EVENT.bpmn"
    model.write_text(
        source.replace(timer, '<bpmn:messageEventDefinition id="t2_def" />'), encoding="utf-8"
    )
    problems = engine.validate([model])
    assert any(
        "elemento 'evento'" in problem and "'t2' espera un mensaje o una señal" in problem
        for problem in problems
    ), problems


def test_the_first_timer_due_after_an_event_based_gateway_takes_its_path_round_after_round(
    engine: Engine, clock: ManualClock
) -> None:
    """SpiffWorkflow keeps the gateway's timers on the gateway's task with one due instant for
    all (the first timer's), and would fire them together: both paths would run."""
    engine.deploy([CONSTRUCTS / "C_EVENT.bpmn"], "analista")
    key = engine.start("C_EVENT", "despacho", {})
    # Round one: t1 in one hour, t2 in two; both are due when the clock moves three hours.
    complete(engine, key, "elegir", "despacho", {"camino": "a"})
    assert open_elements(engine, key) == []
    assert timer_jobs(engine, key) == [("t1", 60)]  # one job: the gateway's next timer
    clock.advance(timedelta(hours=3))
    assert fire_due_timers(engine) == 1
    assert open_elements(engine, key) == ["a"]  # t1 only, never both paths
    assert timer_jobs(engine, key) == []
    complete(engine, key, "a", "despacho", {})
    complete(engine, key, "ronda", "despacho", {"otra": True})
    # Round two: t1 in three hours (from the data), so t2 fires first.
    complete(engine, key, "elegir", "despacho", {"camino": "b"})
    assert timer_jobs(engine, key) == [("t2", 120)]
    clock.advance(timedelta(minutes=119))
    assert fire_due_timers(engine) == 0
    clock.advance(timedelta(minutes=1))
    assert fire_due_timers(engine) == 1
    assert open_elements(engine, key) == ["b"]
    assert timer_jobs(engine, key) == []
    complete(engine, key, "b", "despacho", {})
    complete(engine, key, "ronda", "despacho", {"otra": False})
    case = case_row(engine, key)
    assert case.status == "completed" and case.last_error is None
    assert audit_actions(engine, key).count("timer_fired") == 2
