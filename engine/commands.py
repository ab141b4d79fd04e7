"""The engine's commands. Each one is a unit of work: one transaction, committed once at the end.

Nothing is written when a command raises: the transaction rolls back. Incidents (a failing
handler or script) are then recorded on the case in a transaction of their own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from engine import attachments, spiff_state
from engine.audit import (
    KEY_FILE_VARIABLE,
    KEY_VARIABLE,
    AuditReport,
    BrokenLink,
    CheckpointSummary,
    append_event,
    latest_checkpoint,
    seal_checkpoint,
    verify_chains,
)
from engine.authorization import (
    SYSTEM,
    Actor,
    load_actor,
    require_can_cancel,
    require_can_deploy,
    require_can_reassign,
    require_can_start,
    require_can_work_on,
)
from engine.calendar import local_date
from engine.clock import Clock, SystemClock
from engine.definition_cache import DefinitionCache
from engine.deployment import Deployment, bundles_for, deploy_bundle, latest_definition
from engine.errors import Conflict, Incident, InvalidDefinition, NotFound, Unavailable
from engine.forms import validate_form
from engine.queries import TaskView, open_tasks
from engine.runtime import CaseRun, previous_element
from engine.services import ServiceRegistry
from storage.counters import next_value
from storage.database import WRITE_OPTION
from storage.models import BusinessKeyCounter, Case, Definition, Task


class Engine:
    """Commands over cases; `sessions` makes database sessions, `services` the handlers.

    `audit_key` seals and checks audit checkpoints: the key itself, or a function that reads it
    (from outside the database, see `engine.audit.load_audit_key`) when first needed.
    """

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        services: ServiceRegistry | None = None,
        clock: Clock | None = None,
        audit_key: bytes | Callable[[], bytes | None] | None = None,
    ) -> None:
        self.sessions = sessions
        self.services = services or ServiceRegistry()
        self.clock = clock or SystemClock()
        self.definitions = DefinitionCache()
        self._audit_key = audit_key

    def audit_key(self) -> bytes | None:
        key = self._audit_key
        return key() if callable(key) else key

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """One transaction; a row changed by a concurrent command (optimistic lock) is a Conflict."""
        try:
            with self.sessions() as session, session.begin():
                session.connection(execution_options={WRITE_OPTION: True})
                yield session
        except StaleDataError:
            raise Conflict(
                "el caso cambió mientras se procesaba (otra persona actuó al mismo tiempo); "
                "recargue e intente de nuevo"
            ) from None

    # -- definitions -------------------------------------------------------------------------

    def validate(self, paths: Sequence[Path]) -> list[str]:
        """Every problem of the given files or folders; an empty list means deployable."""
        problems: list[str] = []
        with self.sessions() as session:
            try:
                bundles_for(session, paths, self.services.names())
            except InvalidDefinition as error:
                problems.extend(error.problems)
        return problems

    def deploy(self, paths: Sequence[Path], actor: str) -> list[Deployment]:
        """Deploy every file; identical content is a no-op, changed content a new version.

        Only process analysts and administrators deploy (`require_can_deploy`)."""
        with self.unit_of_work() as session:
            who = load_actor(session, actor)
            require_can_deploy(who)
            deployments = []
            for bundle in bundles_for(session, paths, self.services.names()):
                deployments.append(deploy_bundle(session, bundle, who.username, self.clock.now()))
            return deployments

    # -- cases -------------------------------------------------------------------------------

    def start(
        self,
        key: str,
        actor: str,
        data: dict[str, Any] | None = None,
        uploads: Mapping[str, attachments.Upload] | None = None,
    ) -> str:
        """Start a case of the latest version of `key`; returns its business key.

        `uploads` are files keyed by the form field's dotted path, stored with the case.
        """
        data = dict(data or {})
        with self.unit_of_work() as session:
            who = load_actor(session, actor)
            definition = latest_definition(session, key)
            assert definition is not None
            start = start_element(definition)
            require_can_start(who, start.get("lane"), key)
            data, files = attachments.prepare(uploads or {}, data)
            validate_form(
                definition.forms.get(start.get("properties", {}).get("formJsonSchemaFilename", "")),
                data,
            )
            attachments.check_references(session, None, data, files)
            case = Case(
                business_key=self._next_business_key(session, key),
                definition=definition,
                subject=str(data.get("asunto") or data.get("titulo") or definition.name)[:500],
                status="running",
                state=b"",
                data=data,
                started_by=who.username,
                started_at=self.clock.now(),
            )
            session.add(case)
            session.flush()
            attachments.store(session, case, None, files, who.username, self.clock.now())
            workflow = spiff_state.new_workflow(definition.spec)
            workflow.task_tree.data.update(data)
            run = CaseRun(
                session, case, who, self.clock, self.services, workflow,
                definitions=self.definitions, locked=True,
            )  # fmt: skip
            run.record("case_started", element_id=start.get("id"), payload={"data": data})
            run.advance()
            return case.business_key

    def _next_business_key(self, session: Session, key: str) -> str:
        year = local_date(self.clock.now()).year
        number = next_value(session, BusinessKeyCounter, procedure=key, year=year)
        return f"{key}-{year}-{number:05d}"

    def claim(self, task_id: int, actor: str) -> None:
        with self.unit_of_work() as session:
            who, task = self._open_task(session, task_id, actor)
            if task.assignee == who.username:
                return
            if task.assignee is not None and not who.is_admin:
                raise Conflict(f"la tarea {task_id} ya fue reclamada por {task.assignee}")
            require_can_work_on(who, task)
            # Conditional update: of two simultaneous claims only one finds the task still free.
            claimed = session.execute(
                update(Task)
                .where(Task.id == task.id, Task.state == "open", Task.assignee.is_(None))
                .values(assignee=who.username)
                .execution_options(synchronize_session=False)
            )
            if claimed.rowcount != 1:  # type: ignore[attr-defined]
                raise Conflict(f"la tarea {task_id} ya fue reclamada por otra persona")
            self._record(session, task, who, "task_claimed")

    def unclaim(self, task_id: int, actor: str) -> None:
        with self.unit_of_work() as session:
            who, task = self._open_task(session, task_id, actor)
            if task.assignee is None:
                raise Conflict(f"la tarea {task_id} no está reclamada")
            require_can_work_on(who, task)
            task.assignee = None
            self._record(session, task, who, "task_released")

    def reassign(self, task_id: int, actor: str, to_user: str) -> None:
        with self.unit_of_work() as session:
            who, task = self._open_task(session, task_id, actor)
            require_can_reassign(who, task)
            target = load_actor(session, to_user)
            if not (target.belongs_to(task.candidate_group) or target.is_admin):
                raise Conflict(f"{to_user} no pertenece al grupo '{task.candidate_group}'")
            task.assignee = target.username
            self._record(session, task, who, "task_reassigned", {"to": target.username})

    def complete(
        self,
        task_id: int,
        actor: str,
        data: dict[str, Any],
        uploads: Mapping[str, attachments.Upload] | None = None,
    ) -> None:
        """Submit the task's form; the case advances to its next wait state.

        `uploads` are files keyed by the form field's dotted path, stored with the case.
        """
        try:
            with self.unit_of_work() as session:
                who, task = self._open_task(session, task_id, actor)
                require_can_work_on(who, task)
                case = _lock_case(session, task.case_id)
                definition = self.definitions.get(session, case.definition_id)
                data, files = attachments.prepare(uploads or {}, data)
                validate_form(definition.forms.get(task.form_key or ""), data)
                attachments.check_references(session, case.id, data, files)
                attachments.store(session, case, task.id, files, who.username, self.clock.now())
                run = CaseRun(
                    session, case, who, self.clock, self.services,
                    definitions=self.definitions, locked=True,
                )  # fmt: skip
                # The state was loaded under the case lock: a completion that won the race has
                # already taken the task out of it.
                spiff_task = run.ready_user_task(task.spiff_id)
                run.submit(spiff_task, data)
                _mark_completed(session, task, who, data, self.clock.now())
                run.record(
                    "task_completed",
                    element_id=task.element_id,
                    payload={
                        "task": task.id,
                        "data": data,
                        "from": previous_element(spiff_task),
                        **run.called_process(spiff_task),
                    },
                )
                run.advance()
        except Incident as incident:
            self._record_incident(task_id, actor, incident)
            raise

    def cancel(self, business_key: str, actor: str, reason: str) -> None:
        if not reason.strip():
            raise Conflict("la anulación necesita un motivo")
        with self.unit_of_work() as session:
            who = load_actor(session, actor)
            case = self._case(session, business_key)
            if case.status != "running":
                raise Conflict(f"el caso {business_key} ya está {case.status}")
            require_can_cancel(who, start_element(case.definition).get("lane"), case.started_by)
            run = CaseRun(
                session, case, who, self.clock, self.services, definitions=self.definitions
            )
            if case.status != "running":  # finished while we waited for the case's lock
                raise Conflict(f"el caso {business_key} ya está {case.status}")
            run.workflow.cancel()
            case.status = "cancelled"
            case.ended_at = self.clock.now()
            run.record("case_cancelled", payload={"reason": reason})
            run.sync_tasks()
            run.sync_timer_jobs()
            run.save()

    def _record_incident(self, task_id: int, actor: str, incident: Incident) -> None:
        with self.unit_of_work() as session:
            task = session.get(Task, task_id)
            if task is None:
                return
            case = session.get(Case, task.case_id, with_for_update=True)
            assert case is not None
            case.last_error = str(incident)
            append_event(
                session,
                case,
                self.definitions.get(session, case.definition_id).version,
                at=self.clock.now(),
                actor=SYSTEM.username,
                action="incident",
                element_id=task.element_id,
                payload={"error": str(incident), "actor": actor},
            )

    # -- helpers -----------------------------------------------------------------------------

    def _open_task(self, session: Session, task_id: int, actor: str) -> tuple[Actor, Task]:
        who = load_actor(session, actor)
        task = session.get(Task, task_id)
        if task is None:
            raise NotFound(f"la tarea {task_id} no existe")
        if task.state != "open":
            raise Conflict(f"la tarea {task_id} ya fue {_STATE_WORDS.get(task.state, task.state)}")
        return who, task

    def _record(
        self,
        session: Session,
        task: Task,
        who: Actor,
        action: str,
        payload: dict[str, Any] | None = None,
    ) -> None:
        case = task.case
        append_event(
            session,
            case,
            self.definitions.get(session, case.definition_id).version,
            at=self.clock.now(),
            actor=who.username,
            action=action,
            element_id=task.element_id,
            payload={"task": task.id, **(payload or {})},
        )

    @staticmethod
    def _case(session: Session, business_key: str) -> Case:
        case = session.scalars(select(Case).where(Case.business_key == business_key)).first()
        if case is None:
            raise NotFound(f"el caso {business_key} no existe")
        return case

    def verify_audit(self, business_key: str | None = None) -> list[BrokenLink]:
        """The broken links of every chain (or one case's); see `audit_report` for the checkpoint."""
        return self.audit_report(business_key).broken

    def audit_report(self, business_key: str | None = None) -> AuditReport:
        """Every chain against its case head and the latest checkpoint, and the checkpoint's seal.

        A case sealed in the checkpoint but no longer in the database is reported, not NotFound.
        """
        key = self.audit_key()
        with self.sessions() as session:
            report = verify_chains(session, business_key, key)
            if business_key is not None and not report.broken:
                self._case(session, business_key)
            return report

    def checkpoint_audit(
        self, actor: str = SYSTEM.username, *, unless_within: timedelta | None = None
    ) -> CheckpointSummary | None:
        """Seal every case's chain head under the audit key; with `unless_within`, only when
        the latest checkpoint is older than that (None: nothing sealed)."""
        key = self.audit_key()
        if key is None:
            raise Unavailable(
                f"no hay clave de auditoría: defina {KEY_VARIABLE} o {KEY_FILE_VARIABLE} "
                "(guardada fuera de la base de datos)"
            )
        with self.unit_of_work() as session:
            now = self.clock.now()
            if unless_within is not None:
                latest = latest_checkpoint(session)
                if latest is not None and latest.created_at > now - unless_within:
                    return None
            return seal_checkpoint(session, key, at=now, actor=actor)

    def tasks(self, actor: str | None = None) -> list[TaskView]:
        """Open tasks `actor` may work on (assigned to them or offered to their groups)."""
        with self.sessions() as session:
            who = load_actor(session, actor) if actor is not None else None
            return open_tasks(session, who)


_STATE_WORDS = {"completed": "completada", "cancelled": "cancelada"}


def _lock_case(session: Session, case_id: int) -> Case:
    """The case row, locked: commands on one case queue up (its audit chain is one sequence)."""
    case = session.get(Case, case_id, with_for_update=True, populate_existing=True)
    assert case is not None  # a task's case is never deleted
    return case


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
    completed = session.execute(
        update(Task)
        .where(
            Task.id == task.id,
            Task.state == "open",
            Task.assignee.is_not_distinct_from(task.assignee),
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if completed.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(
            f"la tarea {task.id} cambió mientras se completaba (otra persona la reclamó); "
            "recargue e intente de nuevo"
        )
    for name, value in values.items():  # what handlers reading completed tasks will see
        set_committed_value(task, name, value)


def start_element(definition: Definition) -> dict[str, Any]:
    process = definition.elements.get(definition.key, {})
    for element in process.values():
        if element["kind"] == "startEvent" and element.get("container") is None:
            return dict(element)
    raise InvalidDefinition([f"{definition.key}: el proceso no tiene evento de inicio"])
