"""The commands that change cases and their tasks, run by the executor (`engine.commands.executor`).

Each is a frozen dataclass: what was asked, by whom. `execute` runs inside the transaction the
executor opened; nothing here commits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from engine.audit.trail import GENESIS, ChainHead, append_at_head, append_event, read_head
from engine.authorization import (
    SYSTEM,
    Actor,
    load_actor,
    require_can_cancel,
    require_can_reassign,
    require_can_release,
    require_can_start,
    require_can_work_on,
    with_substitutions,
)
from engine.bpm import spiff_state
from engine.bpm.calendar import local_date
from engine.bpm.date_rules import date_rule_errors
from engine.bpm.deployment import latest_definition_id, start_element
from engine.bpm.failures import as_incidents
from engine.bpm.forms import validate_form
from engine.bpm.runtime import CaseRun, previous_element
from engine.bpm.unavailable_options import unavailable_option_errors
from engine.commands import attachments
from engine.commands.executor import CommandContext
from engine.errors import Conflict, Incident, NotFound, ValidationError
from engine.people.pickers import directory_field_errors
from storage.counters import next_value
from storage.database import as_loaded, execute, mapped_columns
from storage.driver import Prepared
from storage.models import BusinessKeyCounter, Case, Task

if TYPE_CHECKING:
    from engine.commands.facade import Engine

_COMPLETED_COLUMNS = ("state", "assignee", "completed_by", "completed_at", "data")
_STATE_WORDS = {"completed": "completada", "cancelled": "cancelada"}


@dataclass(frozen=True)
class StartCase:
    """Start a case of the latest version of `key`; returns its business key."""

    key: str
    actor: str
    data: Mapping[str, Any] = field(default_factory=dict)
    uploads: Mapping[str, attachments.Upload] = field(default_factory=dict)

    def execute(self, context: CommandContext) -> str:
        engine, session = context.engine, context.session
        now = engine.clock.now()
        who = load_actor(session, self.actor)
        definition = engine.definitions.get(session, latest_definition_id(session, self.key))
        start = start_element(definition)
        require_can_start(who, start.get("lane"), self.key)
        data, files = attachments.prepare(self.uploads, dict(self.data))
        _validate(
            session,
            definition.forms.get(start.get("properties", {}).get("formJsonSchemaFilename", "")),
            data,
            {},
            local_date(now),
        )
        form = attachments.pending_form(procedure=self.key)
        files = [*files, *attachments.claim_pending(session, who.username, form, data, files)]
        attachments.check_references(session, None, data, files)
        case = _insert_case(
            session,
            business_key=_next_business_key(session, self.key, now),
            definition_id=definition.id,
            subject=str(data.get("asunto") or data.get("titulo") or definition.name)[:500],
            status="running",
            state=b"",
            data=data,
            started_by=who.username,
            started_at=now,
        )
        attachments.store(session, case, None, files, who.username, now)
        workflow = spiff_state.new_workflow(definition.spec)
        workflow.task_tree.data.update(data)
        run = _case_run(engine, session, case, who, workflow=workflow)
        run.record("case_started", element_id=start.get("id"), payload={"data": data})
        run.advance()
        return case.business_key


@dataclass(frozen=True)
class ClaimTask:
    task_id: int
    actor: str

    def execute(self, context: CommandContext) -> None:
        session = context.session
        who, task = _open_task(context, self.task_id, self.actor)
        if task.assignee == who.username:
            return
        if task.assignee is not None and not who.is_admin:
            raise Conflict(f"la tarea {task.id} ya fue reclamada por {task.assignee}")
        require_can_work_on(who, task)
        on_behalf = _on_behalf_of(who, task)
        head = read_head(session, task.case_id)
        # Conditional update: of two simultaneous claims only one finds the task still free.
        claimed = execute(session, _CLAIM_FREE_TASK, {"task_id": task.id, "to": who.username})
        if claimed.rowcount != 1:
            raise Conflict(f"la tarea {task.id} ya fue reclamada por otra persona")
        _record(context, task, who, "task_claimed", head, on_behalf)


@dataclass(frozen=True)
class ReleaseTask:
    task_id: int
    actor: str

    def execute(self, context: CommandContext) -> None:
        who, task = _open_task(context, self.task_id, self.actor)
        if task.assignee is None:
            raise Conflict(f"la tarea {task.id} no está tomada")
        require_can_release(who, task)
        head = read_head(context.session, task.case_id)
        task.assignee = None
        _record(context, task, who, "task_released", head)


@dataclass(frozen=True)
class ReassignTask:
    task_id: int
    actor: str
    to_user: str

    def execute(self, context: CommandContext) -> None:
        session = context.session
        who, task = _open_task(context, self.task_id, self.actor)
        require_can_reassign(who, task)
        target = load_actor(session, self.to_user)
        if not (target.belongs_to(task.candidate_group) or target.is_admin):
            raise Conflict(f"{self.to_user} no pertenece al grupo '{task.candidate_group}'")
        head = read_head(session, task.case_id)
        task.assignee = target.username
        _record(context, task, who, "task_reassigned", head, {"to": target.username})


@dataclass(frozen=True)
class CompleteTask:
    """Submit the task's form; the case advances to its next wait state. `uploads` are files
    keyed by the form field's dotted path, stored with the case."""

    task_id: int
    actor: str
    data: Mapping[str, Any]
    uploads: Mapping[str, attachments.Upload] = field(default_factory=dict)

    def execute(self, context: CommandContext) -> None:
        engine, session = context.engine, context.session
        now = engine.clock.now()
        task, case = _open_task_of_locked_case(session, self.task_id)
        who = _substituting(context, load_actor(session, self.actor), task)
        require_can_work_on(who, task)
        on_behalf = _on_behalf_of(who, task)
        definition = engine.definitions.get(session, case.definition_id)
        data, files = attachments.prepare(self.uploads, dict(self.data))
        _validate(
            session,
            definition.forms.get(task.form_key or ""),
            data,
            case.data,
            local_date(now),
            engine.services.form_rule_errors(task.form_key, case.data, data),
        )
        form = attachments.pending_form(task_id=task.id)
        files = [*files, *attachments.claim_pending(session, who.username, form, data, files)]
        attachments.check_references(session, case.id, data, files)
        attachments.store(session, case, task.id, files, who.username, now)
        run = _case_run(engine, session, case, who)
        # The state was loaded under the case lock: a completion that won the race has already
        # taken the task out of it.
        spiff_task = run.ready_user_task(task.spiff_id)
        run.submit(spiff_task, data)
        _mark_completed(session, task, who, data, now)
        run.record(
            "task_completed",
            element_id=task.element_id,
            payload={
                "task": task.id,
                "data": data,
                "from": previous_element(spiff_task),
                **run.called_process(spiff_task),
                **on_behalf,
            },
        )
        run.advance()

    def record_incident(self, engine: Engine, incident: Incident) -> None:
        engine.executor.execute(RecordIncident(self.task_id, self.actor, str(incident)))


@dataclass(frozen=True)
class KeepUploads:
    """Keep the files of a form refused for another field, for the actor and that form (a task
    they may work on, or a procedure they may start); returns the references by field."""

    actor: str
    uploads: Mapping[str, attachments.Upload]
    task_id: int | None = None
    procedure: str | None = None

    def execute(self, context: CommandContext) -> dict[str, str]:
        engine, session = context.engine, context.session
        who = load_actor(session, self.actor)
        if self.task_id is not None:
            who, task = _open_task(context, self.task_id, self.actor)
            require_can_work_on(who, task)
        else:
            definition = engine.definitions.get(
                session, latest_definition_id(session, self.procedure or "")
            )
            require_can_start(who, start_element(definition).get("lane"), self.procedure or "")
        form = attachments.pending_form(self.task_id, self.procedure)
        return attachments.keep_pending(
            session, who.username, form, self.uploads, engine.clock.now()
        )


@dataclass(frozen=True)
class RecordIncident:
    """A failure while a task's case advanced, kept on the case (`last_error`, audit event)."""

    task_id: int
    actor: str
    error: str

    def execute(self, context: CommandContext) -> None:
        session = context.session
        task = session.get(Task, self.task_id)
        if task is None:
            return
        case = _lock_case(session, task.case_id)
        case.last_error = self.error
        _append(
            context, case, SYSTEM.username, "incident", task.element_id,
            {"error": self.error, "actor": self.actor},
        )  # fmt: skip


@dataclass(frozen=True)
class CancelCase:
    business_key: str
    actor: str
    reason: str

    def execute(self, context: CommandContext) -> None:
        engine, session = context.engine, context.session
        if not self.reason.strip():
            raise Conflict("la anulación necesita un motivo")
        who = load_actor(session, self.actor)
        case = case_by_key(session, self.business_key)
        if case.status != "running":
            raise Conflict(f"el caso {self.business_key} ya está {case.status}")
        require_can_cancel(who, start_element(case.definition).get("lane"), case.started_by)
        case = _lock_case(session, case.id)
        if case.status != "running":  # finished while we waited for the case's lock
            raise Conflict(f"el caso {self.business_key} ya está {case.status}")
        run = _case_run(engine, session, case, who)
        with as_incidents(case.business_key):
            run.workflow.cancel()
        case.status = "cancelled"
        case.ended_at = engine.clock.now()
        run.record("case_cancelled", payload={"reason": self.reason})
        run.sync_tasks()
        run.sync_timer_jobs()
        run.save()


# -- shared steps ---------------------------------------------------------------------------


def _case_run(engine: Engine, session: Session, case: Case, who: Actor, **options: Any) -> CaseRun:
    return CaseRun(
        session, case, who, engine.clock, engine.services,
        definitions=engine.definitions, locked=True, **options,
    )  # fmt: skip


def _validate(
    session: Session,
    schema: dict[str, Any] | None,
    data: dict[str, Any],
    case_data: Mapping[str, Any],
    today: date,
    policy_errors: Mapping[str, str] | None = None,
) -> None:
    """The schema's errors, the directory's (people and organisms picked), the dates'
    (`engine.bpm.date_rules`), the options the case rules out (`engine.bpm.unavailable_options`)
    and the policies' form rules, reported together; the first message of a field wins."""
    errors: dict[str, str] = {}
    try:
        validate_form(schema, data)
    except ValidationError as error:
        errors.update(error.field_errors)
    for path, message in directory_field_errors(session, schema, data).items():
        errors.setdefault(path, message)
    for path, message in date_rule_errors(schema, data, case_data, today).items():
        errors.setdefault(path, message)
    for path, message in unavailable_option_errors(schema, data, case_data).items():
        errors.setdefault(path, message)
    for path, message in (policy_errors or {}).items():
        errors.setdefault(path, message)
    if errors:
        raise ValidationError(errors)


_CASES = cast(Table, Case.__table__)
_TASKS = cast(Table, Task.__table__)
_INSERT_CASE = Prepared(insert(_CASES).returning(_CASES.c.id))  # built once


def _insert_case(session: Session, **values: Any) -> Case:
    """A new case row in one Core INSERT, its `Case` put in the session as if loaded: the same
    row the ORM's flush writes (version 1, the audit chain's genesis), without its unit of work.
    """
    row = {
        "ended_at": None,
        "last_error": None,
        "outcome": None,
        "audit_seq": 0,
        "audit_head": GENESIS,
        "version": 1,
        **values,
    }
    return as_loaded(session, Case, {"id": execute(session, _INSERT_CASE, row).scalar_one(), **row})


def _next_business_key(session: Session, key: str, now: datetime) -> str:
    year = local_date(now).year
    number = next_value(session, BusinessKeyCounter, procedure=key, year=year)
    return f"{key}-{year}-{number:05d}"


def _open_task(context: CommandContext, task_id: int, actor: str) -> tuple[Actor, Task]:
    """The open task and the actor (see `_substituting`)."""
    task = _still_open(context.session.get(Task, task_id), task_id)
    return _substituting(context, load_actor(context.session, actor), task), task


def _substituting(context: CommandContext, who: Actor, task: Task) -> Actor:
    """The actor, with whom they substitute today when their own rights do not reach `task`
    (read only then: a command on one's own task sends no extra statement)."""
    own = who.is_admin or task.assignee == who.username
    if own or (task.assignee is None and who.belongs_to(task.candidate_group)):
        return who
    return with_substitutions(context.session, who, local_date(context.engine.clock.now()))


def _still_open(task: Task | None, task_id: int) -> Task:
    if task is None:
        raise NotFound(f"la tarea {task_id} no existe")
    if task.state != "open":
        raise Conflict(f"la tarea {task_id} ya fue {_STATE_WORDS.get(task.state, task.state)}")
    return task


# Built once: the task row and its case's row, the case locked (`FOR UPDATE OF cases`), read in
# one statement instead of two.
_TASK_COLUMNS = mapped_columns(Task)
_CASE_COLUMNS = mapped_columns(Case)
_TASK_AND_LOCKED_CASE = Prepared(
    select(
        *(column.label(f"task_{key}") for key, column in _TASK_COLUMNS),
        *(column.label(f"case_{key}") for key, column in _CASE_COLUMNS),
    )
    .join_from(_TASKS, _CASES, _CASES.c.id == _TASKS.c.case_id)
    .where(_TASKS.c.id == bindparam("task_id"))
    .with_for_update(of=_CASES)
)


def _open_task_of_locked_case(session: Session, task_id: int) -> tuple[Task, Case]:
    """The open task and its case row, locked (see `_lock_case`), in one statement.

    The task row is as it was read, like a task read before taking the lock: a completion that
    won the race is caught by the workflow state (read under the lock) and by the conditional
    update of the task row (`_mark_completed`).
    """
    row = execute(session, _TASK_AND_LOCKED_CASE, {"task_id": task_id}).first()
    if row is None:
        raise NotFound(f"la tarea {task_id} no existe")
    task_values, case_values = row[: len(_TASK_COLUMNS)], row[len(_TASK_COLUMNS) :]
    task = as_loaded(session, Task, _by_key(_TASK_COLUMNS, task_values))
    case = as_loaded(session, Case, _by_key(_CASE_COLUMNS, case_values))
    return _still_open(task, task_id), case


def _by_key(columns: list[tuple[str, Any]], values: Sequence[Any]) -> dict[str, Any]:
    return {key: value for (key, _), value in zip(columns, values, strict=True)}


def _on_behalf_of(who: Actor, task: Task) -> dict[str, Any]:
    """The audit payload's note when `who` acts on `task` as an absent user's substitute."""
    absentee = who.absentee_for(task.assignee, task.candidate_group)
    return {} if absentee is None else {"on_behalf_of": absentee.username}


def _record(
    context: CommandContext,
    task: Task,
    who: Actor,
    action: str,
    head: ChainHead,
    payload: dict[str, Any] | None = None,
) -> None:
    """The task's event on its case's chain, at `head` (read, and the case locked, before the
    task changed: `read_head`). These commands change no column of the case but its head: it
    moves in plain columns (`append_at_head`), not through a `Case` loaded whole (state and
    data) and flushed by the ORM."""
    session, engine = context.session, context.engine
    append_at_head(
        session, head, engine.definitions.get(session, head.definition_id).version,
        at=engine.clock.now(), actor=who.username, action=action, element_id=task.element_id,
        payload={"task": task.id, **(payload or {})},
    )  # fmt: skip


def _append(
    context: CommandContext,
    case: Case,
    actor: str,
    action: str,
    element_id: str | None,
    payload: dict[str, Any],
) -> None:
    append_event(
        context.session,
        case,
        context.engine.definitions.get(context.session, case.definition_id).version,
        at=context.engine.clock.now(),
        actor=actor,
        action=action,
        element_id=element_id,
        payload=payload,
    )


def case_by_key(session: Session, business_key: str) -> Case:
    case = session.scalars(select(Case).where(Case.business_key == business_key)).first()
    if case is None:
        raise NotFound(f"el caso {business_key} no existe")
    return case


def _lock_case(session: Session, case_id: int) -> Case:
    """The case row, locked: commands on one case queue up (its audit chain is one sequence)."""
    case = session.get(Case, case_id, with_for_update=True, populate_existing=True)
    assert case is not None  # a task's case is never deleted
    return case


# Built once (the statement, not only its SQL, costs to build): the task row as it was read.
_COMPLETE_OPEN_TASK = Prepared(
    update(_TASKS)
    .where(
        _TASKS.c.id == bindparam("task_id"),
        _TASKS.c.state == "open",
        _TASKS.c.assignee.is_not_distinct_from(bindparam("assignee_read")),
    )
    .values({name: bindparam(f"new_{name}") for name in _COMPLETED_COLUMNS})
)
# The claim, as a Core statement (the ORM's UPDATE, even unsynchronized, costs several times more).
_CLAIM_FREE_TASK = Prepared(
    update(_TASKS)
    .where(_TASKS.c.id == bindparam("task_id"), _TASKS.c.state == "open")
    .where(_TASKS.c.assignee.is_(None))
    .values(assignee=bindparam("to"))
)


def _mark_completed(
    session: Session, task: Task, who: Actor, data: dict[str, Any], now: datetime
) -> None:
    """Complete the task row only as it was read: a claim or reassignment that slipped in
    between is a Conflict, not an overwrite."""
    values = {
        "state": "completed",
        "assignee": task.assignee or who.username,
        "completed_by": who.username,
        "completed_at": now,
        "data": data,
    }
    completed = execute(
        session,
        _COMPLETE_OPEN_TASK,
        {
            "task_id": task.id,
            "assignee_read": task.assignee,
            **{f"new_{k}": v for k, v in values.items()},
        },
    )
    if completed.rowcount != 1:
        raise Conflict(
            f"la tarea {task.id} cambió mientras se completaba (otra persona la reclamó); "
            "recargue e intente de nuevo"
        )
    for name, value in values.items():  # what handlers reading completed tasks will see
        set_committed_value(task, name, value)
