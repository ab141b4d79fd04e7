"""A leased batch of timers runs together: one statement per table for the whole batch, no
savepoint, unless something fails (then each job gets its savepoint; see test_database_faults)."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import event, func, select

from engine import Engine, JobRunner, ManualClock, fire_due_timers
from storage.models import AuditEvent, Case, Job
from tests.conftest import BOGOTA, ROOT
from tests.integration.test_statement_counts import counted

BENCH = ROOT / "bench" / "processes" / "bpmn"
DATA = ROOT / "tests" / "data"


def _due_timers(engine: Engine, clock: ManualClock, count: int) -> list[str]:
    keys = [engine.start("BENCH", "despacho", {}) for _ in range(count)]
    clock.advance(timedelta(days=10))
    return keys


def _fired_batch(engine: Engine, owner: str) -> tuple[list[str], list[str]]:
    runner = JobRunner(engine, owner)
    leased = runner.acquire(batch=10)
    with counted(engine) as sent:
        outcomes = runner.run_batch(leased)
    return [o.status for o in outcomes], sent


def test_a_batch_of_timers_sends_the_same_statements_whatever_its_size(
    engine: Engine, clock: ManualClock
) -> None:
    engine.deploy([BENCH], "admin")
    _due_timers(engine, clock, 2)
    statuses, two = _fired_batch(engine, "worker:1")
    assert statuses == ["done"] * 2
    clock.advance(timedelta(days=-10))
    keys = _due_timers(engine, clock, 6)
    statuses, six = _fired_batch(engine, "worker:1")
    assert statuses == ["done"] * 6
    assert len(six) == len(two) <= 5, "\n".join(six)  # jobs, cases, UPDATE, DELETE, INSERT
    assert not any("SAVEPOINT" in statement for statement in six)
    with engine.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Job)) == 0
        fired = session.scalars(
            select(Case.business_key)
            .join(AuditEvent, AuditEvent.case_id == Case.id)
            .where(AuditEvent.action == "timer_fired")
        ).all()
        completed = session.scalars(select(Case.status).where(Case.business_key.in_(keys)))
        assert sorted(fired)[-6:] == sorted(keys) and set(completed) == {"completed"}
    assert engine.verify_audit() == []


def test_a_batch_is_leased_with_one_statement_in_the_order_its_jobs_fell_due(
    engine: Engine, clock: ManualClock
) -> None:
    """One `UPDATE … RETURNING` picks the soonest due jobs and leases them (no SELECT first);
    RETURNING keeps no order, the runner puts them back in the order they fell due."""
    engine.deploy([BENCH], "admin")
    clock.advance(timedelta(days=7))
    later = engine.start("BENCH", "despacho", {})  # the first job row, due the latest
    clock.advance(timedelta(days=-7))
    sooner = [engine.start("BENCH", "despacho", {}) for _ in range(2)]
    clock.advance(timedelta(days=20))
    with engine.sessions() as session:
        rows = session.execute(select(Case.business_key, Job.id).join(Job, Job.case_id == Case.id))
        job_of = {key: job_id for key, job_id in rows}
    runner = JobRunner(engine, "worker:1")
    with counted(engine) as sent:
        leased = runner.acquire(batch=2)
    assert leased == [job_of[key] for key in sooner]  # the batch's two soonest
    assert len(sent) == 1 and "RETURNING" in sent[0], "\n".join(sent)
    assert JobRunner(engine, "worker:2").acquire(batch=10) == [job_of[later]]  # not the leased
    assert [o.status for o in runner.run_batch(leased)] == ["done"] * 2


def test_twenty_leased_timers_run_in_one_transaction(engine: Engine, clock: ManualClock) -> None:
    """JOBS_PER_TRANSACTION is 20: run together, 20 jobs hold their cases' locks for less time
    than the 10 of one savepoint each it was first set for (bench/timers.py), and each commit
    waits for the disk (docs/engine-decisions.md)."""
    engine.deploy([BENCH], "admin")
    _due_timers(engine, clock, 21)
    commits: list[object] = []

    def committed(connection: object) -> None:
        commits.append(connection)

    database = engine.sessions.kw["bind"]
    event.listen(database, "commit", committed)
    try:
        runner = JobRunner(engine, "worker:1")
        outcomes = runner.run_batch(runner.acquire(batch=21))
    finally:
        event.remove(database, "commit", committed)
    assert [o.status for o in outcomes] == ["done"] * 21
    assert len(commits) == 1 + 2  # the acquisition, then 20 jobs and 1


def _timers_with_a_reminder(tmp_path: Path) -> Path:
    """TIMERS with a second, non-interrupting timer on `responder`, due after its term: when the
    term's timer fires it cancels the task, and with it the reminder's timer."""
    shutil.copytree(DATA / "forms", tmp_path / "forms")
    (tmp_path / "bpmn").mkdir()
    text = (DATA / "bpmn" / "TIMERS.bpmn").read_text(encoding="utf-8")
    reminder = (
        '<bpmn:boundaryEvent id="recordatorio" name="Recordatorio" cancelActivity="false"'
        ' attachedToRef="responder"><bpmn:outgoing>f5</bpmn:outgoing>'
        '<bpmn:timerEventDefinition id="recordatorio_timer"><bpmn:timeDate>'
        "business_datetime(add_business_days(today(), 3))</bpmn:timeDate>"
        "</bpmn:timerEventDefinition></bpmn:boundaryEvent>"
        '<bpmn:endEvent id="fin_recordatorio"><bpmn:incoming>f5</bpmn:incoming></bpmn:endEvent>'
        '<bpmn:sequenceFlow id="f5" sourceRef="recordatorio" targetRef="fin_recordatorio" />'
    )
    shapes = (
        '<bpmndi:BPMNShape id="recordatorio_di" bpmnElement="recordatorio">'
        '<dc:Bounds x="432" y="162" width="36" height="36" /></bpmndi:BPMNShape>'
        '<bpmndi:BPMNShape id="fin_recordatorio_di" bpmnElement="fin_recordatorio">'
        '<dc:Bounds x="532" y="302" width="36" height="36" /></bpmndi:BPMNShape>'
        '<bpmndi:BPMNEdge id="f5_di" bpmnElement="f5"><di:waypoint x="450" y="198" />'
        '<di:waypoint x="550" y="302" /></bpmndi:BPMNEdge>'
    )
    text = text.replace("</bpmndi:BPMNPlane>", shapes + "</bpmndi:BPMNPlane>", 1)
    text = text.replace("</bpmn:process>", reminder + "</bpmn:process>", 1).replace(
        "<bpmn:flowNodeRef>plazo</bpmn:flowNodeRef>",
        "<bpmn:flowNodeRef>plazo</bpmn:flowNodeRef><bpmn:flowNodeRef>recordatorio"
        "</bpmn:flowNodeRef><bpmn:flowNodeRef>fin_recordatorio</bpmn:flowNodeRef>",
    )
    path = tmp_path / "bpmn" / "TIMERS.bpmn"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_fired_timer_that_cancels_another_removes_both_jobs(
    engine: Engine, clock: ManualClock, tmp_path: Path
) -> None:
    """The worker holds the fired timer's job (deleted through the session); the cancelled
    timer's job, which it does not hold, goes in one DELETE that leaves the held one alone."""
    clock.set(datetime(2026, 12, 4, 10, 0, tzinfo=BOGOTA))
    engine.deploy([_timers_with_a_reminder(tmp_path)], "analista")
    key = engine.start("TIMERS", "despacho", {})
    clock.advance(timedelta(hours=2))
    assert fire_due_timers(engine) == 1  # `responder` opens, with its term and its reminder
    with engine.sessions() as session:
        case_id = session.scalars(select(Case.id).where(Case.business_key == key)).one()
        elements = {j.payload["element"] for j in session.scalars(select(Job))}
    assert elements == {"plazo", "recordatorio"}
    clock.set(datetime(2026, 12, 7, 8, 0, tzinfo=BOGOTA))  # the term, before the reminder
    statuses, _ = _fired_batch(engine, "worker:1")
    assert statuses == ["done"]
    with engine.sessions() as session:
        assert session.scalars(select(Job).where(Job.case_id == case_id)).all() == []
        case = session.get(Case, case_id)
        assert case is not None and case.status == "completed" and case.last_error is None
    assert engine.verify_audit(key) == []
