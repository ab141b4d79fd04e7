"""Rows that several `CaseRun`s of one transaction write together, one statement per table.

The worker advances the cases of a leased batch one after the other in one transaction; each
`save()` hands its case, audit events and notifications here instead of writing them, and each
fired timer its job (`delete_job`), and the batch's `write()` sends them after the last case:
the case rows, the deleted jobs, the events and the notifications of the whole batch then take
one statement each.

The ORM updates versioned rows one statement each (it checks every row's version by its own
rowcount), so the case rows are updated here: one executemany per set of changed columns, each
row matched at the version it was read with, and the summed rowcount checked like the ORM's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, delete, insert, inspect, update
from sqlalchemy.orm import ColumnProperty, Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from engine.audit.trail import insert_events
from storage.models import Case, Job, Notification

_JOBS = cast(Table, Job.__table__)


@dataclass
class BatchedWrites:
    cases: list[Case] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    notifications: list[dict[str, Any]] = field(default_factory=list)
    deleted_jobs: set[int] = field(default_factory=set)

    def delete_job(self, job: Job) -> None:
        """Delete the held `job` with the batch's other jobs (one DELETE, not the ORM's one per
        row). The ORM still holds it as it was read: test `deletes(job)`, not the session."""
        self.deleted_jobs.add(job.id)

    def deletes(self, job: Job) -> bool:
        return job.id in self.deleted_jobs

    def write(self, session: Session) -> None:
        """Everything pending: the cases, the ORM's other changes (released leases), the deleted
        jobs, then the rows."""
        if session.get_bind().dialect.supports_sane_multi_rowcount:
            update_cases(session, self.cases)
        session.flush()
        if self.deleted_jobs:
            session.connection().execute(
                delete(_JOBS).where(_JOBS.c.id.in_(sorted(self.deleted_jobs)))
            )
        if self.events:
            insert_events(session, self.events)
        if self.notifications:
            session.execute(insert(cast(Table, Notification.__table__)), self.notifications)
        self.cases, self.events, self.notifications = [], [], []
        self.deleted_jobs = set()


def update_cases(session: Session, cases: Sequence[Case]) -> None:
    """UPDATE the changed columns of `cases`, and their version, with one statement per set of
    changed columns; a row not at its version raises StaleDataError. The ORM then sees them
    clean. A case with other pending changes (a relationship) is left to the ORM's flush."""
    table = cast(Table, Case.__table__)
    groups: dict[tuple[str, ...], list[Case]] = {}
    for case in cases:
        state = inspect(case)
        if state.deleted or state.detached or not state.modified:
            continue
        # The attributes set since the row was read (the ORM keeps their old values): one that
        # was set to the value it had is written again, harmlessly, and walking every
        # attribute's history cost more than the UPDATE.
        changed = tuple(sorted(state.committed_state))
        if not changed or any(
            not isinstance(state.mapper.attrs[key], ColumnProperty) for key in changed
        ):
            continue
        groups.setdefault(changed, []).append(case)
    for columns, members in groups.items():
        statement = (
            update(table)
            .where(and_(table.c.id == bindparam("b_id"), table.c.version == bindparam("b_version")))
            .values({column: bindparam(f"v_{column}") for column in (*columns, "version")})
        )
        rows = [
            {
                "b_id": case.id,
                "b_version": case.version,
                "v_version": case.version + 1,
                **{f"v_{column}": getattr(case, column) for column in columns},
            }
            for case in members
        ]
        matched = session.connection().execute(statement, rows).rowcount
        if matched != len(rows):
            raise StaleDataError(
                f"UPDATE of {len(rows)} cases matched {matched}: a case changed concurrently"
            )
        for case, row in zip(members, rows, strict=True):
            for column in (*columns, "version"):
                set_committed_value(case, column, row[f"v_{column}"])
