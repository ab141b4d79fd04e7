"""Database faults: a database that does not answer is `Unavailable`; a statement the database
refuses inside one job is that job's failure, rolled back to its savepoint while the rest of the
batch goes on; a connection lost mid-batch loses nothing and the worker carries on."""

from __future__ import annotations

import logging
import socket
import threading
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine as DatabaseEngine
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from engine import Engine, HandlerContext, JobRunner, ManualClock, ServiceRegistry, Unavailable
from engine.commands.database_faults import is_missing_schema, is_unavailable
from engine.errors import exit_code_for
from engine.jobs.runner import MAX_ATTEMPTS
from engine.jobs.worker import Worker
from handlers import acts, commitments, viability
from handlers.notifications import notify
from storage.database import create_database_engine, session_factory
from storage.models import AuditEvent, Case, Job
from tests.conftest import BOGOTA, BPMN, POSTGRES_URL, url_of
from tests.helpers import audit_actions
from tests.integration.test_timers import _approved_case

AFTER_REMINDER = datetime(2026, 12, 9, 8, 30, tzinfo=BOGOTA)
postgres_only = pytest.mark.parametrize("database", ["postgresql"], indirect=True)


def refused_port() -> int:
    """A local TCP port nobody listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def unreachable_url(dialect: str, tmp_path: Path) -> str:
    """A database URL of `dialect` whose server (or file) cannot be reached."""
    if dialect == "sqlite":
        return f"sqlite:///{tmp_path / 'no-such-directory' / 'db.sqlite3'}"
    return POSTGRES_URL.replace("127.0.0.1:5432", f"127.0.0.1:{refused_port()}")


# -- what counts as unavailable ------------------------------------------------------------------


def test_a_database_that_cannot_be_reached_is_unavailable_for_commands_and_reads(
    database: DatabaseEngine, tmp_path: Path
) -> None:
    unreachable = create_database_engine(unreachable_url(database.dialect.name, tmp_path))
    engine = Engine(session_factory(unreachable))
    with pytest.raises(Unavailable) as raised, engine.unit_of_work() as session:
        session.execute(text("SELECT 1"))
    assert str(raised.value).startswith("la base de datos no responde: ")
    assert exit_code_for(raised.value) == 11
    with pytest.raises(Unavailable):
        engine.tasks("secretario")
    with pytest.raises(Unavailable):
        engine.verify_audit()


def test_a_missing_schema_is_not_unavailability(database: DatabaseEngine, tmp_path: Path) -> None:
    schema = f"bg_empty_{uuid.uuid4().hex[:12]}"
    if database.dialect.name == "sqlite":
        empty = create_database_engine(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    else:
        with database.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        empty = create_database_engine(url_of(database), schema=schema)
    try:
        with pytest.raises(Exception) as raised:
            Engine(session_factory(empty)).tasks("secretario")
        assert not isinstance(raised.value, Unavailable)
        assert is_missing_schema(raised.value) and not is_unavailable(raised.value)
    finally:
        empty.dispose()
        if database.dialect.name == "postgresql":
            with database.begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}"'))


@postgres_only
def test_a_statement_timeout_is_the_statements_failure_not_unavailability(
    database: DatabaseEngine,
) -> None:
    with database.connect() as connection:
        connection.execute(text("SET LOCAL statement_timeout = '50ms'"))
        with pytest.raises(OperationalError) as raised:
            connection.execute(text("SELECT pg_sleep(5)"))
    assert "statement timeout" in str(raised.value)
    assert not is_unavailable(raised.value)


@postgres_only
def test_a_connection_lost_in_a_command_is_unavailable_and_the_next_command_reconnects(
    p001: Engine,
) -> None:
    with pytest.raises(Unavailable) as raised, p001.unit_of_work() as session:
        session.execute(text("SELECT pg_terminate_backend(pg_backend_pid())"))
    assert "terminating connection" in raised.value.detail
    assert p001.tasks("secretario") == []  # the pool threw the dead connection away


# -- one job's database failure, the batch goes on -----------------------------------------------


def _registry(misbehave: Callable[[HandlerContext], None]) -> ServiceRegistry:
    """The real handlers, with `notify` (the reminder timer's service task) doing `misbehave`
    on the database first."""
    registry = ServiceRegistry()
    for module in (commitments, acts, viability):
        module.register(registry)

    @registry.register("notify")
    def misbehaving_notify(context: HandlerContext) -> dict[str, Any]:
        misbehave(context)
        return notify(context)

    return registry


def _cases_with_a_due_reminder(
    sessions: sessionmaker[Session],
    clock: ManualClock,
    misbehave: Callable[[HandlerContext], None],
    count: int = 3,
) -> tuple[Engine, list[str]]:
    engine = Engine(sessions, services=_registry(misbehave), clock=clock)
    engine.deploy([BPMN / "P001_delegaciones.bpmn"], "admin")
    keys = [_approved_case(engine) for _ in range(count)]
    clock.set(AFTER_REMINDER)
    return engine, keys


def _job_of(engine: Engine, key: str) -> Job:
    """The case's reminder job (its first; the escalation is due later)."""
    with engine.sessions() as session:
        job = session.scalars(
            select(Job)
            .join(Case, Case.id == Job.case_id)
            .where(Case.business_key == key)
            .order_by(Job.due_at, Job.id)
        ).first()
        assert job is not None
        session.expunge(job)
        return job


def _fired(engine: Engine) -> dict[str, int]:
    with engine.sessions() as session:
        return {
            key: count
            for key, count in session.execute(
                select(Case.business_key, func.count())
                .join(AuditEvent, AuditEvent.case_id == Case.id)
                .where(AuditEvent.action == "timer_fired")
                .group_by(Case.business_key)
            )
        }


def _run_one_faulty_job_to_an_incident(
    sessions: sessionmaker[Session], clock: ManualClock, fault: Callable[[Session], None]
) -> str:
    """Three due reminders, the second case's handler hits `fault`; returns its last error."""
    faulty: list[str] = []

    def misbehave(context: HandlerContext) -> None:
        if context.case.business_key in faulty:
            fault(context.session)

    engine, keys = _cases_with_a_due_reminder(sessions, clock, misbehave)
    faulty.append(keys[1])
    runner = JobRunner(engine, "worker:1", backoff=timedelta(minutes=1))

    outcomes = runner.run_batch(runner.acquire(batch=10))
    assert [(o.business_key, o.status) for o in outcomes] == [
        (keys[0], "done"),
        (keys[1], "retry"),
        (keys[2], "done"),
    ]
    assert _fired(engine) == {keys[0]: 1, keys[2]: 1}  # the others went on, committed
    job = _job_of(engine, keys[1])
    assert job.attempts == 1 and job.lease_owner is None
    assert job.due_at.replace(tzinfo=job.due_at.tzinfo or BOGOTA) > clock.now()  # backing off

    statuses = ["retry"]
    for _ in range(MAX_ATTEMPTS - 1):
        clock.advance(timedelta(minutes=20))
        statuses += [o.status for o in runner.run_batch(runner.acquire(batch=10))]
    assert statuses == ["retry"] * (MAX_ATTEMPTS - 1) + ["incident"]
    assert audit_actions(engine, keys[1]).count("incident") == 1
    assert engine.verify_audit() == []
    return _job_of(engine, keys[1]).last_error or ""


def test_a_database_error_in_one_job_rolls_back_to_its_savepoint_and_counts_an_attempt(
    sessions: sessionmaker[Session], clock: ManualClock
) -> None:
    def query_a_table_that_is_not_there(session: Session) -> None:
        session.execute(text("SELECT * FROM no_such_table"))

    error = _run_one_faulty_job_to_an_incident(sessions, clock, query_a_table_that_is_not_there)
    assert "no_such_table" in error


@postgres_only
def test_a_statement_timeout_in_one_job_fails_that_job_alone_and_it_is_retried_then_an_incident(
    sessions: sessionmaker[Session], clock: ManualClock
) -> None:
    def sleep_past_the_timeout(session: Session) -> None:
        session.execute(text("SET LOCAL statement_timeout = '50ms'"))
        session.execute(text("SELECT pg_sleep(5)"))

    error = _run_one_faulty_job_to_an_incident(sessions, clock, sleep_past_the_timeout)
    assert "statement timeout" in error


@postgres_only
def test_a_statement_timeout_in_the_engines_own_writes_fails_that_job_alone(
    sessions: sessionmaker[Session], clock: ManualClock, database: DatabaseEngine
) -> None:
    """The worker's connections have a server-side statement_timeout and one case row is
    locked by another transaction: that job's UPDATE of it waits past the timeout."""
    engine, keys = _cases_with_a_due_reminder(sessions, clock, lambda _context: None)
    with database.connect() as connection:
        schema = str(connection.exec_driver_sql("SHOW search_path").scalar())
    impatient = create_engine(
        url_of(database),
        connect_args={"options": f"-csearch_path={schema} -cstatement_timeout=300"},
    )
    runner = JobRunner(
        Engine(session_factory(impatient), services=engine.services, clock=clock),
        "worker:1",
        backoff=timedelta(minutes=1),
    )
    try:
        with database.connect() as other_transaction:
            other_transaction.execute(
                text("SELECT id FROM cases WHERE business_key = :key FOR NO KEY UPDATE"),
                {"key": keys[1]},
            )
            outcomes = runner.run_batch(runner.acquire(batch=10))
            other_transaction.rollback()
        assert [o.status for o in outcomes] == ["done", "retry", "done"]
        assert "statement timeout" in (outcomes[1].error or "")
        assert _fired(engine) == {keys[0]: 1, keys[2]: 1}
        assert _job_of(engine, keys[1]).attempts == 1

        clock.advance(timedelta(minutes=2))
        assert [o.status for o in runner.run_batch(runner.acquire(batch=10))] == ["done"]
        assert _fired(engine) == {key: 1 for key in keys}
        assert engine.verify_audit() == []
    finally:
        impatient.dispose()


# -- a connection lost mid-batch -----------------------------------------------------------------


def _terminate_own_connection_once(faulty: list[str]) -> Callable[[HandlerContext], None]:
    def misbehave(context: HandlerContext) -> None:
        if context.case.business_key in faulty:
            faulty.remove(context.case.business_key)
            context.session.execute(text("SELECT pg_terminate_backend(pg_backend_pid())"))

    return misbehave


@postgres_only
def test_a_connection_lost_mid_batch_counts_no_attempt_and_the_runner_takes_its_jobs_again(
    sessions: sessionmaker[Session], clock: ManualClock
) -> None:
    faulty: list[str] = []
    engine, keys = _cases_with_a_due_reminder(
        sessions, clock, _terminate_own_connection_once(faulty)
    )
    faulty.append(keys[1])
    runner = JobRunner(engine, "worker:1")
    other = JobRunner(engine, "worker:2")

    leased = runner.acquire(batch=10)
    with pytest.raises(Unavailable):
        runner.run_batch(leased)
    assert _fired(engine) == {}  # the first job's work went with the transaction
    assert [_job_of(engine, key).attempts for key in keys] == [0, 0, 0]  # not the jobs' fault
    assert other.acquire(batch=10) == []  # still leased: nobody else runs them meanwhile

    assert runner.acquire(batch=10) == leased  # its own leases, taken again at once
    assert [o.status for o in runner.run_batch(leased)] == ["done"] * 3
    assert _fired(engine) == {key: 1 for key in keys}
    assert engine.verify_audit() == []


@postgres_only
def test_the_worker_logs_a_lost_connection_retries_and_goes_on_without_exiting(
    sessions: sessionmaker[Session], clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    faulty: list[str] = []
    engine, keys = _cases_with_a_due_reminder(
        sessions, clock, _terminate_own_connection_once(faulty)
    )
    faulty.append(keys[0])
    worker = Worker(JobRunner(engine, "worker:1"), poll=timedelta(seconds=0.05))
    failures: list[BaseException] = []

    def work() -> None:
        try:
            worker.run()
        except BaseException as error:
            failures.append(error)

    caplog.set_level(logging.INFO, logger="buengobierno.worker")
    thread = threading.Thread(target=work)
    thread.start()
    try:
        deadline = time.monotonic() + 60
        while _fired(engine) != {key: 1 for key in keys}:
            assert thread.is_alive() and time.monotonic() < deadline, (failures, caplog.text)
            time.sleep(0.05)
    finally:
        worker.stop()
        thread.join(timeout=60)
    assert not thread.is_alive() and failures == []
    assert "event=database_unavailable" in caplog.text
    assert "event=database_available" in caplog.text
    assert worker.stats.failures == 0
    assert engine.verify_audit() == []


@postgres_only
def test_the_worker_once_raises_unavailable_instead_of_waiting(
    database: DatabaseEngine, tmp_path: Path
) -> None:
    unreachable = create_database_engine(unreachable_url("postgresql", tmp_path))
    worker = Worker(JobRunner(Engine(session_factory(unreachable)), "worker:1"))
    with pytest.raises(Unavailable):
        worker.run(once=True)
