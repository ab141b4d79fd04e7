"""A leased batch of timers runs together: one statement per table for the whole batch, no
savepoint, unless something fails (then each job gets its savepoint; see test_database_faults)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from engine import Engine, JobRunner, ManualClock
from storage.models import AuditEvent, Case, Job
from tests.conftest import ROOT
from tests.integration.test_statement_counts import counted

BENCH = ROOT / "bench" / "processes" / "bpmn"


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
