"""Leased jobs: timers to fire, acquired in small batches, retried with backoff, then incidents.

Camunda's job executor is the model. A job is acquired by writing a lease (owner + expiry); on
PostgreSQL acquisition uses `FOR UPDATE SKIP LOCKED`, so workers on several machines share the
table without blocking each other. The jobs of a batch run in one transaction: first together,
their cases locked by one query and their writes sent together (one statement per table for the
batch); if anything fails, that transaction rolls back and the batch runs again with a savepoint
per job, so a failing job rolls back alone and counts an attempt while the others go on (see
`JobRunner.run_batch`). Running a job twice is
harmless: the timer's fired state lives in the case, and the case's optimistic lock lets only
one of two overlapping runs commit. A job that fails MAX_ATTEMPTS times is an incident:
visible, and retryable by command.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import cast

from sqlalchemy import Table, bindparam, inspect, or_, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from engine.audit.trail import append_event
from engine.authorization import SYSTEM, load_actor, require_can_manage_incidents
from engine.bpm.batched_writes import BatchedWrites
from engine.bpm.runtime import CaseRun
from engine.commands import database_faults
from engine.commands.executor import CommandContext
from engine.commands.facade import Engine
from engine.errors import Conflict, EngineError, NotFound
from storage.database import execute
from storage.driver import Prepared
from storage.models import Case, Job

log = logging.getLogger("buengobierno.worker")

MAX_ATTEMPTS = 5
DEFAULT_LEASE = timedelta(minutes=2)
DEFAULT_BACKOFF = timedelta(seconds=30)
# A transaction holds the row locks of every case its jobs advanced until it commits: keep it short
# (officials completing a task on one of those cases wait for it). 20 jobs run together hold them
# for less time than the 10 jobs of one savepoint each this bound was first set for, and every
# commit waits for the disk (docs/engine-decisions.md, "A batch runs together first").
JOBS_PER_TRANSACTION = 20


@dataclass(frozen=True)
class JobOutcome:
    job_id: int
    business_key: str | None
    status: str  # "done", "skipped" (someone else did it), "retry", "incident"
    error: str | None = None


@dataclass(frozen=True)
class IncidentView:
    job_id: int
    business_key: str | None
    element: str | None
    attempts: int
    error: str | None


class JobRunner:
    """Acquires and runs due jobs as `owner` (a worker's identity: host and process)."""

    def __init__(
        self,
        engine: Engine,
        owner: str,
        *,
        lease: timedelta = DEFAULT_LEASE,
        backoff: timedelta = DEFAULT_BACKOFF,
    ) -> None:
        self.engine = engine
        self.owner = owner
        self.lease = lease
        self.backoff = backoff

    def acquire(self, batch: int) -> list[int]:
        """Lease up to `batch` due jobs nobody holds (or whose holder's lease expired).

        Jobs this runner still holds are taken again: their batch's transaction was lost with
        the database connection, so they did not run (between batches a runner holds nothing).
        """
        ids: list[int] = self.engine.executor.execute(AcquireJobs(self, batch))
        return ids

    def run(self, job_id: int) -> JobOutcome:
        """Run one leased job in a transaction of its own."""
        [outcome] = self.run_batch([job_id])
        return outcome

    def run_batch(
        self,
        job_ids: Sequence[int],
        *,
        stopping: Callable[[], bool] = lambda: False,
        ran: Callable[[JobOutcome], None] | None = None,
    ) -> list[JobOutcome]:
        """Run leased jobs, up to JOBS_PER_TRANSACTION in one transaction, each in a savepoint.

        A job that fails, the database's refusals included (a statement timeout, a constraint),
        rolls back to its savepoint and counts an attempt; the others go on. Savepoints cost two
        statements a job, so each transaction first runs its jobs without them (`RunJobsTogether`);
        only when that fails is it rolled back and run again one savepoint per job (`RunJobs`),
        which gives every job the outcome it would have had alone. A database that does
        not answer raises `Unavailable`: what the transaction in progress did is lost, and its
        jobs stay leased by this runner, which takes them again (see `acquire`). `stopping` is
        asked before each job (SIGTERM: the current job finishes and its transaction commits);
        `ran` hears each outcome once its transaction committed.
        """
        outcomes: list[JobOutcome] = []
        for start in range(0, len(job_ids), JOBS_PER_TRANSACTION):
            chunk = tuple(job_ids[start : start + JOBS_PER_TRANSACTION])
            try:
                committed: list[JobOutcome] = self.engine.executor.execute(
                    RunJobsTogether(self, chunk, stopping)
                )
            except _RunOneByOne as failed:
                committed = self.engine.executor.execute(
                    RunJobs(self, chunk, stopping, begun=failed.begun)
                )
            for outcome in committed:
                if ran is not None:
                    ran(outcome)
            outcomes.extend(committed)
            if stopping():
                break
        return outcomes

    def _run_in_savepoint(self, session: Session, job_id: int) -> JobOutcome:
        try:
            with session.begin_nested():
                return self._advance(session, job_id)
        except (Conflict, StaleDataError):
            # Another worker advanced the case first (an expired lease taken over): nothing to do.
            return JobOutcome(job_id, None, "skipped")
        except Exception as error:  # a job's failure never ends the worker
            unavailable = database_faults.unavailability_in(error)
            if unavailable is not None:
                raise unavailable from error
            failure = (
                str(error) if isinstance(error, EngineError) else database_faults.describe(error)
            )
            if not isinstance(error, DBAPIError):
                log.exception("event=job_error job=%s", job_id)
        with session.begin_nested():
            return self._count_failure(session, job_id, failure)

    def _advance(self, session: Session, job_id: int) -> JobOutcome:
        job = session.get(Job, job_id)
        if job is None or job.lease_owner != self.owner:
            return JobOutcome(job_id, None, "skipped")
        case = (
            session.get(Case, job.case_id, with_for_update=True, populate_existing=True)
            if job.case_id is not None
            else None
        )
        return self._fire(session, job, case)

    def _fire(
        self, session: Session, job: Job, case: Case | None, batch: BatchedWrites | None = None
    ) -> JobOutcome:
        """Advance the locked `case` of the held `job`; with `batch`, its writes join the batch's."""
        key = case.business_key if case else None
        if case is None or case.status != "running":
            if batch is not None:
                batch.delete_job(job)
            else:
                session.delete(job)
            return JobOutcome(job.id, key, "done")
        CaseRun(
            session, case, SYSTEM, self.engine.clock, self.engine.services,
            definitions=self.engine.definitions, locked=True, timer_jobs=[job],
        ).advance(batch)  # fmt: skip
        deleted = batch.deletes(job) if batch is not None else False
        if not deleted and job not in session.deleted and not inspect(job).deleted:
            # The timer did not fire yet (or fired another): release it.
            job.lease_owner = None
            job.lease_expires_at = None
        return JobOutcome(job.id, key, "done")

    def record_failure(self, job_id: int, error: str) -> JobOutcome:
        """Count a failed attempt: retry later with backoff, or, at the last attempt, an incident."""
        outcome: JobOutcome = self.engine.executor.execute(CountJobFailure(self, job_id, error))
        return outcome

    def _count_failure(self, session: Session, job_id: int, error: str) -> JobOutcome:
        job = session.get(Job, job_id)
        if job is None:
            return JobOutcome(job_id, None, "skipped", error)
        case = session.get(Case, job.case_id) if job.case_id is not None else None
        job.attempts += 1
        job.last_error = error
        job.lease_owner = None
        job.lease_expires_at = None
        if job.attempts < MAX_ATTEMPTS:
            job.due_at = self.engine.clock.now() + self.backoff * 2 ** (job.attempts - 1)
            return JobOutcome(job_id, case.business_key if case else None, "retry", error)
        if case is not None:
            case.last_error = error
            _record(
                self.engine,
                session,
                case,
                "incident",
                job,
                {"error": error, "attempts": job.attempts},
            )
        return JobOutcome(job_id, case.business_key if case else None, "incident", error)

    def drain(
        self, batch: int = 20, progress: Callable[[int], None] | None = None
    ) -> list[JobOutcome]:
        """Run due jobs until none is left; `progress` hears the running count."""
        outcomes: list[JobOutcome] = []
        while ids := self.acquire(batch):
            outcomes.extend(self.run_batch(ids))
            if progress is not None:
                progress(len(outcomes))
        return outcomes


def fire_due_timers(engine: Engine) -> int:
    """Run every due job now, in this process; returns how many cases were advanced."""
    outcomes = JobRunner(engine, owner=f"inline-{os.getpid()}").drain()
    return sum(outcome.status == "done" for outcome in outcomes)


def incidents(engine: Engine, actor: str) -> list[IncidentView]:
    """Jobs that used all their attempts, for an administrator (`require_can_manage_incidents`)."""
    with engine.reading() as session:
        require_can_manage_incidents(load_actor(session, actor))
        rows = session.execute(
            select(Job, Case.business_key)
            .outerjoin(Case, Case.id == Job.case_id)
            .where(Job.attempts >= MAX_ATTEMPTS)
            .order_by(Job.id)
        )
        return [
            IncidentView(job.id, key, job.payload.get("element"), job.attempts, job.last_error)
            for job, key in rows
        ]


def retry_incident(engine: Engine, job_id: int, actor: str) -> None:
    """Give an incident its attempts back; the next worker pass runs it now."""
    engine.executor.execute(RetryIncident(job_id, actor))


@dataclass(frozen=True)
class RetryIncident:
    job_id: int
    actor: str

    def execute(self, context: CommandContext) -> None:
        engine, session = context.engine, context.session
        who = load_actor(session, self.actor)
        require_can_manage_incidents(who)
        job = session.get(Job, self.job_id)
        if job is None:
            raise NotFound(f"el trabajo {self.job_id} no existe")
        if job.attempts < MAX_ATTEMPTS:
            raise Conflict(f"el trabajo {self.job_id} no es un incidente")
        job.attempts = 0
        job.due_at = engine.clock.now()
        case = session.get(Case, job.case_id) if job.case_id is not None else None
        if case is not None:
            case.last_error = None
            _record(engine, session, case, "incident_retried", job, {"by": who.username})


@dataclass(frozen=True)
class AcquireJobs:
    """Lease up to `batch` due jobs for the runner (see `JobRunner.acquire`)."""

    runner: JobRunner
    batch: int

    def execute(self, context: CommandContext) -> list[int]:
        now = context.engine.clock.now()
        leased = execute(
            context.session,
            _LEASE_DUE_JOBS,
            {
                "now": now,
                "owner": self.runner.owner,
                "expires": now + self.runner.lease,
                "batch": self.batch,
            },
        )
        # RETURNING keeps no order: the jobs run in the order they fell due.
        return [row.id for row in sorted(leased, key=lambda row: (row.due_at, row.id))]


_JOBS = cast(Table, Job.__table__)
# One statement, built once: the due jobs nobody holds are picked (on PostgreSQL `FOR UPDATE
# SKIP LOCKED`: two workers pick different jobs without waiting for each other; SQLite has one
# writer at a time and no such clause) and leased, their ids returned (UPDATE … RETURNING).
_LEASE_DUE_JOBS = Prepared(
    update(_JOBS)
    .where(
        _JOBS.c.id.in_(
            select(_JOBS.c.id)
            .where(
                _JOBS.c.due_at <= bindparam("now"),
                _JOBS.c.attempts < MAX_ATTEMPTS,
                or_(
                    _JOBS.c.lease_expires_at.is_(None),
                    _JOBS.c.lease_expires_at < bindparam("now"),
                    _JOBS.c.lease_owner == bindparam("owner"),
                ),
            )
            .order_by(_JOBS.c.due_at, _JOBS.c.id)
            .limit(bindparam("batch"))
            .with_for_update(skip_locked=True)
        )
    )
    .values(lease_owner=bindparam("owner"), lease_expires_at=bindparam("expires"))
    .returning(_JOBS.c.id, _JOBS.c.due_at)
)


@dataclass(frozen=True)
class RunJobs:
    """Leased jobs in one transaction, each in a savepoint (see `JobRunner.run_batch`)."""

    runner: JobRunner
    job_ids: tuple[int, ...]
    stopping: Callable[[], bool]

    # The first `begun` jobs were begun by a `RunJobsTogether` that failed: a stop asked since
    # lets them finish, as it would have.
    begun: int = 0

    def execute(self, context: CommandContext) -> list[JobOutcome]:
        outcomes: list[JobOutcome] = []
        for index, job_id in enumerate(self.job_ids):
            if index >= self.begun and self.stopping():
                break
            outcomes.append(self.runner._run_in_savepoint(context.session, job_id))
        return outcomes


class _RunOneByOne(Exception):
    """`RunJobsTogether` could not run its batch: roll it back, run its first `begun` jobs one
    savepoint each (`RunJobs`)."""

    def __init__(self, begun: int) -> None:
        super().__init__(f"the batch failed after {begun} jobs begun")
        self.begun = begun


@dataclass(frozen=True)
class RunJobsTogether:
    """Leased jobs in one transaction without a savepoint each: jobs and cases read by one
    query each (the cases locked in id order, so two workers' batches never deadlock on them),
    every case advanced, then the case rows, job deletions, events and notifications of the
    whole batch written together. Any failure, a job's own included, raises `_RunOneByOne`
    (the transaction rolls back, `RunJobs` gives each job its outcome); a database that does
    not answer raises `Unavailable` as in `RunJobs`. Two jobs of one case in a batch (the
    first run may fire or cancel the second's timer) go to `RunJobs` directly."""

    runner: JobRunner
    job_ids: tuple[int, ...]
    stopping: Callable[[], bool]

    def execute(self, context: CommandContext) -> list[JobOutcome]:
        session, owner = context.session, self.runner.owner
        outcomes: list[JobOutcome] = []
        begun = 0
        try:
            jobs = {
                job.id: job for job in session.scalars(select(Job).where(Job.id.in_(self.job_ids)))
            }
            held = [job for job in jobs.values() if job.lease_owner == owner]
            case_ids = [job.case_id for job in held if job.case_id is not None]
            if len(set(case_ids)) < len(case_ids):
                raise _RunOneByOne(begun)
            cases = {
                case.id: case
                for case in session.scalars(
                    select(Case)
                    .where(Case.id.in_(case_ids))
                    .order_by(Case.id)
                    .with_for_update()
                    .execution_options(populate_existing=True)
                )
            }
            batch = BatchedWrites()
            for job_id in self.job_ids:
                if self.stopping():
                    break
                begun += 1
                job = jobs.get(job_id)
                if job is None or job.lease_owner != owner:
                    outcomes.append(JobOutcome(job_id, None, "skipped"))
                    continue
                case = cases.get(job.case_id) if job.case_id is not None else None
                outcomes.append(self.runner._fire(session, job, case, batch))
            batch.write(session)
        except _RunOneByOne:
            raise
        except Exception as error:
            unavailable = database_faults.unavailability_in(error)
            if unavailable is not None:
                raise unavailable from error
            raise _RunOneByOne(begun) from error
        return outcomes


@dataclass(frozen=True)
class CountJobFailure:
    runner: JobRunner
    job_id: int
    error: str

    def execute(self, context: CommandContext) -> JobOutcome:
        return self.runner._count_failure(context.session, self.job_id, self.error)


def _record(
    engine: Engine, session: Session, case: Case, action: str, job: Job, payload: dict[str, object]
) -> None:
    append_event(
        session,
        case,
        engine.definitions.get(session, case.definition_id).version,
        at=engine.clock.now(),
        actor=SYSTEM.username,
        action=action,
        element_id=job.payload.get("element"),
        payload={"job": job.id, **payload},
    )
