"""One case inside one command: run the workflow, derive inbox rows and audit events, save.

`CaseRun` is the unit of work's view of a case. It never commits: the command that opened the
transaction does, after `save()` has passed the optimistic lock.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any, cast
from uuid import UUID

from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import CallActivity
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import TaskNotFoundException
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import Table, bindparam, delete, func, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from engine.audit.trail import CaseChain
from engine.authorization import Actor
from engine.bpm import case_data, spiff_state
from engine.bpm.batched_writes import BatchedWrites
from engine.bpm.calendar import long_date
from engine.bpm.clock import Clock
from engine.bpm.conventions import DYNAMIC_LANES, OUTCOME_PROPERTY
from engine.bpm.definition_cache import DefinitionCache, DeployedDefinition
from engine.bpm.failures import as_incidents
from engine.bpm.sandbox import Sandbox
from engine.bpm.scripting import SandboxScriptEngine
from engine.bpm.services import CompletedTask, HandlerContext, RecipientKind, ServiceRegistry
from engine.bpm.task_converter import id_text
from engine.errors import Conflict, Incident
from storage.database import execute
from storage.driver import Prepared
from storage.models import Case, Group, Job, Membership, Notification, Task, User

TIMER_JOB = "timer"

# SpiffWorkflow's loggers attach to each line a task's data, or the workflow's whole task list,
# when their own level is below INFO, and build those extras for every state change whether or
# not the line is emitted: unset (0), that was a few percent of every command. Their INFO lines
# are task state changes, which the audit trail records; a level someone configured is kept.
for _name in ("spiff.task", "spiff.workflow"):
    if logging.getLogger(_name).level == logging.NOTSET:
        logging.getLogger(_name).setLevel(logging.WARNING)


_CASES = cast(Table, Case.__table__)
_TASKS = cast(Table, Task.__table__)
# Built once: building a statement costs more than SQLite running it.
_SAVE_CASE = Prepared(
    update(_CASES)
    .where(_CASES.c.id == bindparam("case_id"), _CASES.c.version == bindparam("version_read"))
    .values(
        {
            name: bindparam(f"new_{name}")
            for name in (
                "status",
                "ended_at",
                "outcome",
                "data",
                "state",
                "audit_seq",
                "audit_head",
                "version",
            )
        }
    )
)
_JOBS = cast(Table, Job.__table__)
_INSERT_JOBS = Prepared(insert(_JOBS))
# The case's timer jobs whose timer no longer waits, in one statement (no SELECT first).
_DELETE_TIMER_JOBS = Prepared(
    delete(_JOBS).where(
        _JOBS.c.case_id == bindparam("case_id"),
        _JOBS.c.kind == TIMER_JOB,
        _JOBS.c.payload["task"].as_string().not_in(bindparam("waiting", expanding=True)),
        _JOBS.c.id.not_in(bindparam("held", expanding=True)),
    )
)
_INSERT_TASKS = Prepared(insert(_TASKS).returning(_TASKS.c.id, sort_by_parameter_order=True))
_INSERT_NOTIFICATIONS = Prepared(insert(cast(Table, Notification.__table__)))


class CaseRun:
    def __init__(
        self,
        session: Session,
        case: Case,
        actor: Actor,
        clock: Clock,
        services: ServiceRegistry,
        workflow: BpmnWorkflow | None = None,
        *,
        definitions: DefinitionCache | None = None,
        locked: bool = False,
        timer_jobs: Sequence[Job] = (),
    ) -> None:
        """`timer_jobs`: job rows of this case the caller already holds (the worker's job)."""
        self.session = session
        self._held_jobs = {str(job.payload.get("task")): job for job in timer_jobs}
        self.case = case
        self.actor = actor
        self.clock = clock
        self.services = services
        self.sandbox = Sandbox(clock)
        if not locked:
            # Commands on one case queue up behind each other (the audit chain of a case is a
            # strict sequence); the refresh also picks up what a command just committed.
            session.refresh(case, with_for_update=True)
        self.definition = (definitions or DefinitionCache()).get(session, case.definition_id)
        self.elements: dict[str, dict[str, Any]] = self.definition.elements
        self.workflow = workflow or spiff_state.load_workflow(
            case.state, self.definition.spec, case=case.business_key
        )
        self.workflow.script_engine = SandboxScriptEngine(self.sandbox, self._call_service)
        case_data.prepare(self.workflow)
        self.chain = CaseChain(case, self.definition.version)
        # What the rows say now, as the last save left them: open task rows are the ready user
        # tasks and timer jobs the waiting timers, so changes are derived without a query.
        ready, waiting = self._ready_and_waiting()
        self._open_rows = set(ready)
        self._timer_jobs = set(waiting)
        self._submitted: set[str] = set()
        self._notifications: list[dict[str, Any]] = []
        self._automatic: list[Any] = []
        self._touched: Any = None
        self._end_event: dict[str, Any] | None = None  # the top-level end event reached

    # -- running -----------------------------------------------------------------------------

    def element(self, task: Any) -> dict[str, Any]:
        """The task's BPMN element; `process` is the key of the process that holds it."""
        workflow = task.workflow
        while workflow is not None:
            process = self.elements.get(workflow.spec.name)
            if process is not None and task.task_spec.bpmn_id in process:
                return {**process[task.task_spec.bpmn_id], "process": workflow.spec.name}
            workflow = workflow.parent_workflow
        return {"id": task.task_spec.bpmn_id, "kind": "", "name": task.task_spec.bpmn_name or ""}

    def called_process(self, task: Any) -> dict[str, str]:
        """`{"process": key}` for an element of a called process (call activity), else `{}`.

        Element ids are unique per process only (P001 and the P005 it calls both have a
        `fin_recordatorio`): audit events of a called process's elements name their process.
        """
        process = self.element(task).get("process")
        return {"process": process} if process and process != self.definition.key else {}

    def ready_user_task(self, spiff_id: str) -> Any:
        try:
            task = self.workflow.get_task_from_id(UUID(spiff_id))
        except TaskNotFoundException:  # completed and pruned by a command that committed first
            task = None
        if task is None or task.state != TaskState.READY:
            raise Conflict(
                "la tarea ya no está disponible (otra persona la completó o el caso cambió)"
            )
        return task

    def advance(self, batch: BatchedWrites | None = None) -> None:
        """Run to the next wait state, derive inbox rows and timer jobs, save (see `save`)."""
        self.step()
        ready, waiting = self._ready_and_waiting()  # one walk of the tree for both
        self.sync_tasks(ready)
        self.sync_timer_jobs(waiting, batch)
        self.save(batch)

    def submit(self, spiff_task: Any, data: dict[str, Any]) -> None:
        """Complete a user task with its form data, shared by the data model
        (`engine.bpm.case_data`). A failing postScript is an `Incident`, like a failure in `step`.
        """
        spiff_task.data.update(data)
        self._submitted.add(id_text(spiff_task.id))
        with as_incidents(self.case.business_key):
            spiff_task.run()  # runs the task's postScript
        self._touched = spiff_task
        case_data.share_submission(spiff_task, data)

    def step(self) -> None:
        """Run everything the engine can run now (timers due by the engine's clock included);
        a failure becomes an `Incident`."""
        with as_incidents(self.case.business_key):
            self._fire_due_timers()
            self.workflow.do_engine_steps(did_complete_task=self._automatic.append)
        for task in self._automatic:
            self._touched = task
            element = self.element(task)
            if element.get("kind") == "endEvent" and task.workflow is self.workflow:
                self._end_event = element
            if element["id"]:
                self.record(
                    "element_completed",
                    element_id=element["id"],
                    payload={
                        "name": element["name"],
                        "kind": element["kind"],
                        "from": previous_element(task),
                        **self.called_process(task),
                    },
                )
        self._automatic.clear()

    def _fire_due_timers(self) -> None:
        now = self.clock.now()
        # A fresh walk: completing the submitted task may have started timers.
        due = [task for task, at in self._waiting_timers().values() if at <= now]
        for task in due:
            element_id = spiff_state.timer_element(task)
            spiff_state.fire_timer(task)
            self.record("timer_fired", element_id=element_id, payload=self.called_process(task))
        if due:
            self.workflow.refresh_timers()

    def _waiting_timers(self) -> dict[str, tuple[Any, Any]]:
        return self._ready_and_waiting()[1]

    def _ready_and_waiting(self) -> tuple[dict[str, Any], dict[str, tuple[Any, Any]]]:
        """The ready user tasks and the waiting timers (with when they fire), by task id, in
        the tree's order: one walk of the tree, as `get_tasks` would make for each.

        The walk is SpiffWorkflow's own (`BpmnTaskIterator`, depth first, into every
        subprocess, not below predicted tasks) by ids, without its filter per task: it runs
        twice in every command."""
        ready: dict[str, Any] = {}
        waiting: dict[str, tuple[Any, Any]] = {}
        subprocesses = self.workflow.subprocesses
        pending = [self.workflow.task_tree]
        while pending:
            task = pending.pop()
            state = task._state
            if state == TaskState.READY:
                if task.task_spec.manual:
                    ready[id_text(task.id)] = task
            elif (
                state == TaskState.WAITING
                and spiff_state.is_timer(task)
                and (at := spiff_state.timer_due_at(task))
            ):
                waiting[id_text(task.id)] = (task, at)
            subprocess = subprocesses.get(task.id)
            if task._children and (state >= TaskState.FUTURE or subprocess is not None):
                tasks = task.workflow.tasks
                pending.extend(tasks[child] for child in reversed(task._children))
            if subprocess is not None:
                pending.append(subprocess.task_tree)
        return ready, waiting

    def sync_timer_jobs(
        self, waiting: dict[str, tuple[Any, Any]] | None = None, batch: BatchedWrites | None = None
    ) -> None:
        """One job per waiting timer, due when it fires; fired or cancelled timers lose theirs.
        `waiting`: the waiting timers, when the caller has just walked the tree for them; with
        `batch`, the held jobs that go are deleted with the batch's (`BatchedWrites.delete_job`)."""
        waiting = self._waiting_timers() if waiting is None else waiting
        if set(waiting) == self._timer_jobs:
            return
        # The job rows are what the last save left: one per timer that waited then. Those the
        # caller holds (the worker's) go through the session; the others in one DELETE.
        held = self._held_jobs
        for spiff_id, job in held.items():
            if spiff_id not in waiting:
                if batch is not None:
                    batch.delete_job(job)
                else:
                    self.session.delete(job)
        if self._timer_jobs - set(waiting) - set(held):
            execute(
                self.session,
                _DELETE_TIMER_JOBS,
                {
                    "case_id": self.case.id,
                    "waiting": sorted(waiting),
                    "held": [job.id for job in held.values()],
                },
            )
        known = self._timer_jobs
        new_jobs = [
            {
                "kind": TIMER_JOB,
                "case_id": self.case.id,
                "due_at": at,
                "payload": {"task": spiff_id, "element": spiff_state.timer_element(task)},
                "created_at": self.clock.now(),
            }
            for spiff_id, (task, at) in waiting.items()
            if spiff_id not in known
        ]
        if new_jobs:  # one INSERT for all, not one ORM unit (and statement) each
            execute(self.session, _INSERT_JOBS, new_jobs)
        self._timer_jobs = set(waiting)

    def _call_service(self, task: Any, operator: str, params: dict[str, Any]) -> dict[str, Any]:
        handler = self.services.get(operator)
        if handler is None:
            raise LookupError(f"el operador '{operator}' no está registrado")
        context = HandlerContext(
            case=self.case,
            element_id=task.task_spec.bpmn_id,
            data=dict(task.data),
            actor=self.actor.username,
            clock=self.clock,
            session=self.session,
            notify=self._notify,
            completed_tasks=self._completed_tasks,
            params=params,
            definition_key=self.definition.key,
        )
        return handler(context)

    def _notify(
        self,
        recipient: str,
        subject: str,
        body: str,
        *,
        kind: RecipientKind,
        task_id: int | None = None,
    ) -> None:
        """Queued with the command's other rows; written by `save()`, in the same transaction.

        `task_id` is the task the notice is about (the Buzón links it); every row carries the key,
        so the rows go out in one multi-row INSERT."""
        self._notifications.append(
            {
                "case_id": self.case.id,
                "task_id": task_id,
                "recipient": recipient,
                "recipient_kind": kind,
                "subject": subject,
                "body": body,
                "created_at": self.clock.now(),
            }
        )

    def _completed_tasks(self, since: str | None = None) -> Iterator[CompletedTask]:
        completed = select(Task).where(Task.case_id == self.case.id, Task.state == "completed")
        if since:
            round_start = (
                select(func.max(Task.id))
                .where(
                    Task.case_id == self.case.id,
                    Task.state == "completed",
                    Task.element_id == since,
                )
                .scalar_subquery()
            )
            completed = completed.where(Task.id >= func.coalesce(round_start, 0))
        rows = self.session.scalars(completed.order_by(Task.id)).all()
        groups: dict[str, set[str]] = {}
        for username, code in self.session.execute(
            select(User.username, Group.code)
            .join(Membership, Membership.user_id == User.id)
            .join(Group, Group.id == Membership.group_id)
            .where(User.username.in_({row.completed_by for row in rows}))
        ):
            groups.setdefault(username, set()).add(code)
        for row in rows:
            yield CompletedTask(
                row.element_id,
                row.completed_by or "",
                frozenset(groups.get(row.completed_by or "", ())),
                row.data or {},
            )

    # -- deriving rows -----------------------------------------------------------------------

    def record(
        self, action: str, *, element_id: str | None = None, payload: dict[str, Any] | None = None
    ) -> None:
        self.chain.record(
            at=self.clock.now(),
            actor=self.actor.username,
            action=action,
            element_id=element_id,
            payload=payload,
        )

    def take_rows_from_database(self) -> None:
        """Diff against the rows as stored, not as the loaded state implies: for a state that
        was replaced wholesale (a migration), whose rows still describe the old one."""
        self._open_rows = set(
            self.session.scalars(
                select(Task.spiff_id).where(Task.case_id == self.case.id, Task.state == "open")
            )
        )
        self._timer_jobs = {
            str(job.payload.get("task"))
            for job in self.session.scalars(
                select(Job).where(Job.case_id == self.case.id, Job.kind == TIMER_JOB)
            )
        }

    # -- changing version ---------------------------------------------------------------------

    def migration_refusals(self, target: DeployedDefinition) -> list[str]:
        """Why this case cannot continue on `target` (`engine.bpm.migration`); empty: it can."""
        from engine.bpm.migration import migration_refusals  # forms' validators: not for timers

        return migration_refusals(self.workflow, self.definition, target)

    def move_to(self, target: DeployedDefinition) -> None:
        """Continue on another deployed version: the state moves onto its spec, and the open
        inbox rows (same tasks, claims kept) take the target's names, forms and groups."""
        from engine.bpm.migration import migrate_to

        migrate_to(self.workflow, target)
        self.definition = target
        self.elements = target.elements
        self.chain.definition_version = target.version
        self.take_rows_from_database()
        ready = self._ready_user_tasks()
        for row in self.session.scalars(
            select(Task).where(Task.case_id == self.case.id, Task.state == "open")
        ):
            task = ready.get(row.spiff_id)
            if task is not None:  # a row whose task is gone is cancelled by `sync_tasks`
                fresh = self._task_row(row.spiff_id, task)
                row.element_id, row.name = fresh["element_id"], fresh["name"]
                row.form_key, row.candidate_group = fresh["form_key"], fresh["candidate_group"]

    def _ready_user_tasks(self) -> dict[str, Any]:
        return {
            id_text(t.id): t for t in self.workflow.get_tasks(state=TaskState.READY, manual=True)
        }

    def sync_tasks(self, ready: dict[str, Any] | None = None) -> None:
        """Make the open inbox rows match the workflow's ready user tasks (`ready`, when the
        caller has just walked the tree for them)."""
        ready = self._ready_user_tasks() if ready is None else ready
        gone = self._open_rows - set(ready) - self._submitted
        if gone:
            for cancelled in self.session.scalars(
                select(Task).where(
                    Task.case_id == self.case.id, Task.state == "open", Task.spiff_id.in_(gone)
                )
            ):
                cancelled.state = "cancelled"
                cancelled.completed_at = self.clock.now()
                self.record(
                    "task_cancelled",
                    element_id=cancelled.element_id,
                    payload={"task": cancelled.id},
                )
        opened = [
            (spiff_id, task) for spiff_id, task in ready.items() if spiff_id not in self._open_rows
        ]
        rows = [self._task_row(spiff_id, task) for spiff_id, task in opened]
        if rows:
            # One INSERT for all of them; their ids go into the audit trail.
            ids = execute(self.session, _INSERT_TASKS, rows).scalars()
            for row, task_id in zip(rows, ids, strict=True):
                row["id"] = task_id
        for row, (_, task) in zip(rows, opened, strict=True):
            self._announce(row, task)
        self._open_rows = set(ready)

    def _task_row(self, spiff_id: str, task: Any) -> dict[str, Any]:
        element = self.element(task)
        properties: dict[str, str] = element.get("properties", {})
        data = task.data
        lane = element.get("lane")
        group = None if lane in DYNAMIC_LANES else lane
        assignee = None
        due: date | None = None
        name = str(element.get("name") or element["id"])
        try:
            if properties.get("titleExpression"):
                # Several tasks of one element (a commitment each) need names of their own.
                name = str(self.sandbox.evaluate(properties["titleExpression"], data))[:300]
            if properties.get("candidateGroupExpression"):
                group = str(self.sandbox.evaluate(properties["candidateGroupExpression"], data))
            if properties.get("assigneeExpression"):
                assignee = str(self.sandbox.evaluate(properties["assigneeExpression"], data))
            if properties.get("dueDateExpression"):
                due = date.fromisoformat(
                    str(self.sandbox.evaluate(properties["dueDateExpression"], data))[:10]
                )
        except Exception as error:
            raise Incident(
                f"{self.case.business_key} en '{element['id']}': no se pudo asignar la tarea: {error}"
            ) from error
        return {
            "case_id": self.case.id,
            "spiff_id": spiff_id,
            "element_id": element["id"],
            "name": name,
            "candidate_group": group,
            "assignee": assignee,
            "state": "open",
            "due_date": due,
            "form_key": properties.get("formJsonSchemaFilename"),
            "created_at": self.clock.now(),
        }

    def _announce(self, row: dict[str, Any], task: Any) -> None:
        """The new task's audit event and its notification to the assignee or the group."""
        self.record(
            "task_created",
            element_id=row["element_id"],
            payload={
                "task": row["id"],
                "group": row["candidate_group"],
                "assignee": row["assignee"],
                "due": row["due_date"],
                **self.called_process(task),
            },
        )
        recipient = row["assignee"] or row["candidate_group"]
        due = row["due_date"]
        if recipient:
            due_text = f" Vence el {long_date(due)}." if due else ""
            self._notify(
                recipient,
                f"[{self.case.business_key}] Nueva tarea: {row['name']}",
                f"Tiene una tarea pendiente: {row['name']}.{due_text}",
                kind="user" if row["assignee"] else "group",
                task_id=row["id"],
            )

    def _outcome(self) -> str | None:
        return outcome_text(self._end_event, _json_safe(self._current_data()))

    # -- saving ------------------------------------------------------------------------------

    def save(self, batch: BatchedWrites | None = None) -> None:
        """Persist the state; a concurrent change raises StaleDataError (a `Conflict` for callers).

        With `batch`, nothing is sent yet: the events and notifications join the batch, whose
        `write()` inserts them with those of the batch's other cases (the worker's jobs)."""
        case = self.case
        status, ended_at, outcome = case.status, case.ended_at, case.outcome
        if self.workflow.is_completed() and status == "running":
            status, ended_at, outcome = "completed", self.clock.now(), self._outcome()
            self.record("case_completed", payload={"outcome": outcome})
        with as_incidents(case.business_key):
            data = _json_safe(self._current_data())
            state = spiff_state.dump_workflow(self.workflow)
        if batch is not None:
            case.status, case.ended_at, case.outcome = status, ended_at, outcome
            case.data = data
            case.state = state
            batch.cases.append(case)
            batch.events += self.chain.take()
            batch.notifications += self._notifications
            self._notifications = []
            return
        # Values, not attributes set first: a set attribute would leave the case modified in the
        # session, and every later flush would run the ORM's unit of work to find nothing to write.
        values = {
            "status": status,
            "ended_at": ended_at,
            "outcome": outcome,
            "data": data,
            "state": state,
            "audit_seq": self.chain.seq,
            "audit_head": self.chain.head,
            "version": case.version + 1,
        }
        # The case row in one UPDATE of its own, not through the ORM's flush (a tenth of a
        # command's time), under the same optimistic lock: the version it was read at. On the
        # connection: an autoflush would write the changed status first, through the ORM.
        saved = execute(
            self.session,
            _SAVE_CASE,
            {"case_id": case.id, "version_read": case.version}
            | {f"new_{name}": value for name, value in values.items()},
            autoflush=False,
        )
        if saved.rowcount != 1:
            raise StaleDataError(f"case {case.business_key} changed since version {case.version}")
        for name, value in values.items():  # written: no change left for the ORM to flush
            set_committed_value(case, name, value)
        self.chain.insert_pending(self.session)
        if self._notifications:
            execute(self.session, _INSERT_NOTIFICATIONS, self._notifications)
            self._notifications = []
        self.session.flush()

    def _current_data(self) -> dict[str, Any]:
        """The case data as the latest step left it (what the case page and scenarios show).

        The top-level process's latest data, overlaid with the latest data of each running
        call activity (outermost first: a called process works on its own copy of the case
        data until it ends), then with the data of the last task touched at any depth: a form
        submitted inside a (multi-instance) subprocess counts too. Last, the output collection
        of each running multi-instance activity: what it has collected so far, never last
        round's results (docs/case-data.md).
        """
        last = self.workflow.last_task
        if last is not None:
            merged = case_data.case_view(last)
        else:
            merged = {}
            for task in self.workflow.get_tasks(state=TaskState.READY | TaskState.WAITING):
                merged.update(task.data)
        for called in sorted(self.workflow.get_active_subprocesses(), key=lambda w: w.depth):
            owner = self.workflow.get_task_from_id(called.parent_task_id)
            if isinstance(owner.task_spec, CallActivity) and called.last_task is not None:
                merged.update(case_data.case_view(called.last_task))
        if self._touched is not None and self._touched.workflow is not self.workflow:
            merged.update(case_data.case_view(self._touched))
        merged.update(case_data.running_results(self.workflow))
        return merged


def outcome_text(end_event: dict[str, Any] | None, data: dict[str, Any]) -> str | None:
    """How a case that ended at `end_event` turned out: its `outcome` template over the case
    data (docs/bpmn-conventions.md), else the event's name. The linter renders every outcome;
    should one still fail on a case's data, the name is said rather than the case kept open."""
    if end_event is None:
        return None
    name = str(end_event.get("name") or "") or None
    template = (end_event.get("properties") or {}).get(OUTCOME_PROPERTY)
    if not template:
        return name
    # Jinja and Markdown load with the first outcome template, not with every worker.
    from engine.bpm.instructions import InstructionsError, render_text

    try:
        return render_text(str(template), data)[:200] or name
    except InstructionsError:
        return name


def previous_element(task: Any) -> str | None:
    """The BPMN element the token came from (Spiff's internal tasks have no bpmn_id)."""
    parent = task.parent
    while parent is not None and not parent.task_spec.bpmn_id:
        parent = parent.parent
    return parent.task_spec.bpmn_id if parent is not None else None


def _json_safe(data: dict[str, Any]) -> dict[str, Any]:
    return dict(json.loads(json.dumps(data, default=str)))
