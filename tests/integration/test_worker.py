"""The worker's job table: leases, retries with backoff, incidents, takeover after a crash."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from engine import (
    Engine,
    HandlerContext,
    JobRunner,
    ManualClock,
    ServiceRegistry,
    incidents,
    retry_incident,
)
from engine.jobs.runner import MAX_ATTEMPTS
from engine.jobs.worker import Worker
from handlers import acts, commitments, viability
from handlers.notifications import notify
from storage.models import AuditCheckpoint, AuditEvent, Job
from tests.conftest import BOGOTA, BPMN
from tests.helpers import audit_actions, case_row
from tests.integration.test_timers import _approved_case

AFTER_REMINDER = datetime(2026, 12, 9, 8, 30, tzinfo=BOGOTA)


def _timer_events(engine: Engine) -> int:
    with engine.sessions() as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.action == "timer_fired")
            )
            or 0
        )


def test_an_expired_lease_of_a_crashed_worker_is_taken_over_and_the_timer_fires_once(
    p001: Engine, clock: ManualClock
) -> None:
    key = _approved_case(p001)
    clock.set(AFTER_REMINDER)
    crashed = JobRunner(p001, "maquina-a:111", lease=timedelta(minutes=2))
    survivor = JobRunner(p001, "maquina-b:222", lease=timedelta(minutes=2))

    leased = crashed.acquire(batch=10)
    assert len(leased) == 1  # the reminder; the escalation is not due yet
    assert survivor.acquire(batch=10) == []  # the lease still holds

    clock.advance(timedelta(minutes=3))
    taken = survivor.acquire(batch=10)
    assert taken == leased
    assert [o.status for o in map(survivor.run, taken)] == ["done"]
    # The crashed worker comes back to life and runs what it had leased: nothing happens twice.
    assert [o.status for o in map(crashed.run, leased)] == ["skipped"]
    assert _timer_events(p001) == 1
    assert p001.verify_audit(key) == []


def _registry_with_flaky_notify(failures: list[str]) -> ServiceRegistry:
    registry = ServiceRegistry()
    for module in (commitments, acts, viability):
        module.register(registry)

    @registry.register("notify")
    def flaky_notify(context: HandlerContext) -> dict[str, Any]:
        if failures:
            raise ConnectionError(failures[0])
        return notify(context)

    return registry


def test_a_failing_timer_job_is_retried_with_backoff_then_becomes_an_incident_then_retried_after_the_fix(
    sessions: sessionmaker[Session], clock: ManualClock
) -> None:
    failures = ["servidor de correo caído"]
    engine = Engine(sessions, services=_registry_with_flaky_notify(failures), clock=clock)
    engine.deploy([BPMN / "P001_delegaciones.bpmn"], "admin")
    failures.clear()
    key = _approved_case(engine)
    failures.append("servidor de correo caído")
    clock.set(AFTER_REMINDER)
    runner = JobRunner(engine, "worker:1", backoff=timedelta(minutes=1))

    statuses = []
    for _ in range(MAX_ATTEMPTS):
        job_ids = runner.acquire(batch=5)
        assert len(job_ids) == 1
        statuses += [runner.run(job_id).status for job_id in job_ids]
        assert runner.acquire(batch=5) == []  # backing off
        clock.advance(timedelta(minutes=20))  # past the longest backoff (1, 2, 4, 8 minutes)
    assert statuses == ["retry"] * (MAX_ATTEMPTS - 1) + ["incident"]
    assert runner.acquire(batch=5) == []
    [incident] = incidents(engine, "admin")
    assert incident.business_key == key and "servidor de correo caído" in (incident.error or "")
    assert "servidor de correo caído" in (case_row(engine, key).last_error or "")

    failures.clear()
    retry_incident(engine, incident.job_id, "admin")
    assert [runner.run(job_id).status for job_id in runner.acquire(batch=5)] == ["done"]
    assert incidents(engine, "admin") == []
    assert audit_actions(engine, key).count("timer_fired") == 1
    assert case_row(engine, key).last_error is None
    assert engine.verify_audit(key) == []


def test_retrying_something_that_is_not_an_incident_is_refused(
    p001: Engine, clock: ManualClock
) -> None:
    from engine import Conflict, NotFound

    _approved_case(p001)
    with p001.sessions() as session:
        job_id = session.scalars(select(Job.id)).first()
    assert job_id is not None
    with pytest.raises(Conflict):
        retry_incident(p001, job_id, "admin")
    with pytest.raises(NotFound):
        retry_incident(p001, 999_999, "admin")


@pytest.mark.parametrize("user", ["despacho", "analista", "calidad"])
def test_only_administrators_list_and_retry_incidents(p001: Engine, user: str) -> None:
    from engine import Forbidden, NotFound

    runner = JobRunner(p001, "worker:1")
    _approved_case(p001)
    with p001.sessions() as session:
        job_id = session.scalars(select(Job.id)).first()
    assert job_id is not None
    for _ in range(MAX_ATTEMPTS):
        runner.record_failure(job_id, "servidor de correo caído")
    with pytest.raises(Forbidden, match=f"{user} no puede ver ni reintentar incidentes"):
        incidents(p001, user)
    with pytest.raises(Forbidden, match="solo administradores"):
        retry_incident(p001, job_id, user)
    with pytest.raises(Forbidden):  # checked before the job is looked up: nothing is revealed
        retry_incident(p001, 999_999, user)
    [incident] = incidents(p001, "admin")  # still an incident: nothing changed
    assert incident.job_id == job_id and incident.attempts == MAX_ATTEMPTS
    with pytest.raises(NotFound):
        incidents(p001, "nadie")


def test_the_worker_seals_an_audit_checkpoint_at_most_once_per_interval(
    p001: Engine, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="buengobierno.worker")
    keyed = Engine(p001.sessions, services=p001.services, clock=clock, audit_key=b"k" * 32)
    key = _approved_case(keyed)
    every = timedelta(minutes=30)

    def pass_once() -> int:
        return (
            Worker(JobRunner(keyed, "worker:1"), checkpoint_every=every).run(once=True).checkpoints
        )

    assert pass_once() == 1
    assert pass_once() == 0  # another worker (or this one) sealed within the interval
    clock.advance(timedelta(minutes=31))
    assert pass_once() == 1
    with keyed.sessions() as session:
        heads = session.scalars(select(AuditCheckpoint.heads).order_by(AuditCheckpoint.id)).all()
    assert [h[0][0] for h in heads] == [key, key]
    assert keyed.audit_report().checkpoint.state == "verified"
    assert "event=checkpoint status=sealed" in caplog.text


def test_a_worker_without_the_audit_key_warns_and_keeps_working(
    p001: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    _approved_case(p001)
    stats = Worker(JobRunner(p001, "worker:1"), checkpoint_every=timedelta(minutes=30)).run(
        once=True
    )
    assert stats.checkpoints == 0
    assert "event=checkpoint status=failed error=no hay clave de auditoría" in caplog.text
    with p001.sessions() as session:
        assert session.scalars(select(AuditCheckpoint)).all() == []
