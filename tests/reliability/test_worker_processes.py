"""Real worker processes on PostgreSQL: shared load without double firing, and a SIGKILLed
worker whose leased jobs are taken over after the lease expires."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine as DatabaseEngine
from sqlalchemy import func, select

from engine import Engine
from storage.models import AuditEvent, Case, Job, Notification, Task
from tests.conftest import url_of
from tests.helpers import complete, hold_session
from tests.integration.test_p001_paths import PROPOSAL, start

pytestmark = pytest.mark.parametrize("database", ["postgresql"], indirect=True)

BUENGOBIERNO = str(Path(sys.executable).parent / "buengobierno")
AFTER_BOTH_TIMERS = "2026-12-14T09:00:00-05:00"
LEASES_EXPIRED = "2026-12-14T09:10:00-05:00"


def _approved_cases(engine: Engine, count: int) -> list[str]:
    keys = []
    for _ in range(count):
        key = start(engine)
        complete(engine, key, "proponer_delegado", "despacho", PROPOSAL)
        complete(
            engine, key, "aprobar_delegacion", "secretario", {"decision_secretario": "aprobar"}
        )
        hold_session(engine, key)  # the ficha's term (and its timers) start once it was held
        keys.append(key)
    return keys


def _worker(database: DatabaseEngine, clock: str, *args: str, log: Path) -> subprocess.Popen[str]:
    with database.connect() as connection:
        schema = str(connection.exec_driver_sql("SHOW search_path").scalar())
    env = {
        **os.environ,
        "BUENGOBIERNO_DATABASE_URL": url_of(database),
        "BUENGOBIERNO_DATABASE_SCHEMA": schema,
        "BUENGOBIERNO_SECRET_KEY": secrets.token_urlsafe(48),
        "BUENGOBIERNO_CLOCK": clock,
    }
    # Output goes to a file: a full pipe would block the worker mid-transaction.
    with log.open("a") as output:
        return subprocess.Popen(
            [BUENGOBIERNO, "worker", *args], env=env, stdout=output, stderr=output, text=True
        )


def _count(engine: Engine, query: object) -> int:
    with engine.sessions() as session:
        return int(session.scalar(query) or 0)  # type: ignore[call-overload]


def _assert_every_timer_fired_exactly_once(engine: Engine, keys: list[str]) -> None:
    with engine.sessions() as session:
        fired = {
            key: count
            for key, count in session.execute(
                select(Case.business_key, func.count())
                .join(AuditEvent, AuditEvent.case_id == Case.id)
                .where(AuditEvent.action == "timer_fired")
                .group_by(Case.business_key)
            )
        }
        escalations = session.scalar(
            select(func.count()).select_from(Task).where(Task.element_id == "atender_escalamiento")
        )
        reminders = session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.subject.contains("Recordatorio"))
        )
        jobs_left = session.scalar(select(func.count()).select_from(Job))
    assert fired == {key: 2 for key in keys}
    assert escalations == len(keys)
    assert reminders == len(keys)
    assert jobs_left == 0
    assert engine.verify_audit() == []


def test_two_worker_processes_fire_1000_due_timers_each_exactly_once(
    p001: Engine, database: DatabaseEngine, tmp_path: Path
) -> None:
    keys = _approved_cases(p001, 500)  # two timers each: the reminder and the escalation
    assert _count(p001, select(func.count()).select_from(Job)) == 1000

    logs = [tmp_path / f"worker{n}.log" for n in range(2)]
    workers = [
        _worker(database, AFTER_BOTH_TIMERS, "--once", "--batch", "10", log=log) for log in logs
    ]
    for worker in workers:
        worker.wait(timeout=600)
    outputs = [log.read_text() for log in logs]
    assert [worker.returncode for worker in workers] == [0, 0], outputs

    _assert_every_timer_fired_exactly_once(p001, keys)
    jobs_run = [output.count("event=job ") for output in outputs]
    assert all(count > 0 for count in jobs_run), jobs_run  # both workers took a share


def test_a_sigkilled_worker_leaves_leases_that_another_worker_takes_over_after_expiry(
    p001: Engine, database: DatabaseEngine, tmp_path: Path
) -> None:
    keys = _approved_cases(p001, 120)
    log = tmp_path / "workers.log"
    victim = _worker(database, AFTER_BOTH_TIMERS, "--batch", "240", "--poll", "0.2", log=log)
    deadline = time.monotonic() + 120
    while (
        _count(
            p001,
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "timer_fired"),
        )
        < 5
    ):
        assert victim.poll() is None and time.monotonic() < deadline, log.read_text()
        time.sleep(0.02)
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=30)

    stranded = _count(
        p001, select(func.count()).select_from(Job).where(Job.lease_owner.is_not(None))
    )
    assert stranded > 0, "the worker was killed with no job in hand"

    # A second worker at the same instant may not take them: the leases have not expired.
    early = _worker(database, AFTER_BOTH_TIMERS, "--once", log=log)
    early.wait(timeout=120)
    assert (
        _count(p001, select(func.count()).select_from(Job).where(Job.lease_owner.is_not(None)))
        == stranded
    )

    successor = _worker(database, LEASES_EXPIRED, "--once", "--batch", "50", log=log)
    successor.wait(timeout=600)
    assert successor.returncode == 0, log.read_text()
    _assert_every_timer_fired_exactly_once(p001, keys)


def test_the_worker_logs_its_own_events_not_spiffworkflows_task_state_changes(
    p001: Engine, database: DatabaseEngine, tmp_path: Path
) -> None:
    keys = _approved_cases(p001, 2)
    log = tmp_path / "worker.log"
    worker = _worker(database, AFTER_BOTH_TIMERS, "--once", log=log)
    worker.wait(timeout=120)
    output = log.read_text()
    assert worker.returncode == 0, output

    _assert_every_timer_fired_exactly_once(p001, keys)
    assert output.count("event=job ") == 4
    # Format "<date> <time> <level> <logger> <message>": no line of SpiffWorkflow's loggers
    # (it logs each task state change at INFO).
    loggers = {line.split()[3] for line in output.splitlines() if len(line.split()) > 3}
    assert not any(name.startswith("spiff") for name in loggers), output
