"""The engine's commands. Each one is a unit of work: one transaction, committed once at the end.

Nothing is written when a command raises: the transaction rolls back. Incidents (a failing
handler or script) are then recorded on the case in a transaction of their own.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from engine import attachments, database_faults, spiff_state
from engine.audit import BrokenLink, append_event, verify_chains
from engine.authorization import (
    SYSTEM,
    Actor,
    load_actor,
    require_can_cancel,
    require_can_reassign,
    require_can_start,
    require_can_work_on,
)
from engine.calendar import local_date
from engine.clock import Clock, SystemClock
from engine.deployment import Deployment, bundles_for, deploy_bundle, latest_definition
from engine.errors import Conflict, Incident, InvalidDefinition, NotFound
from engine.forms import validate_form
from engine.queries import TaskView, open_tasks
from engine.runtime import CaseRun, previous_element
from engine.services import ServiceRegistry
from storage.counters import next_value
from storage.database import WRITE_OPTION
from storage.models import BusinessKeyCounter, Case, Definition, Task


class Engine:
    """Commands over cases; `sessions` makes database sessions, `services` the handlers."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        services: ServiceRegistry | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.sessions = sessions
        self.services = services or ServiceRegistry()
        self.clock = clock or SystemClock()

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """One transaction; a row changed by a concurrent command (optimistic lock) is a Conflict.

        A database that does not answer (down, connection lost) is `Unavailable`; see
        `engine.database_faults` for what counts.
        """
        try:
            with database_faults.translated(), self.sessions() as session, session.begin():
                session.connection(execution_options={WRITE_OPTION: True})
                yield session
        except StaleDataError:
            raise Conflict(
                "el caso cambió mientras se procesaba (otra persona actuó al mismo tiempo); "
                "recargue e intente de nuevo"
            ) from None

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A session for reads; a database that does not answer is `Unavailable`."""
        with database_faults.translated(), self.sessions() as session:
            yield session

    # -- definitions -------------------------------------------------------------------------

    def validate(self, paths: Sequence[Path]) -> list[str]:
        """Every problem of the given files or folders; an empty list means deployable."""
        problems: list[str] = []
        with self.reading() as session:
            try:
                bundles_for(session, paths, self.services.names())
            except InvalidDefinition as error:
                problems.extend(error.problems)
        return problems

    def deploy(self, paths: Sequence[Path], actor: str) -> list[Deployment]:
        """Deploy every file; identical content is a no-op, changed content a new version."""
        with self.unit_of_work() as session:
            deployments = []
            for bundle in bundles_for(session, paths, self.services.names()):
                deployments.append(deploy_bundle(session, bundle, actor, self.clock.now()))
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
            run = CaseRun(session, case, who, self.clock, self.services, workflow)
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
                definition = task.case.definition
                data, files = attachments.prepare(uploads or {}, data)
                validate_form(definition.forms.get(task.form_key or ""), data)
                attachments.check_references(session, task.case_id, data, files)
                attachments.store(
                    session, task.case, task.id, files, who.username, self.clock.now()
                )
                run = CaseRun(session, task.case, who, self.clock, self.services)
                session.refresh(task)  # the case lock may have waited for another completion
                if task.state != "open":
                    raise Conflict(
                        f"la tarea {task_id} ya fue {_STATE_WORDS.get(task.state, task.state)}"
                    )
                spiff_task = run.ready_user_task(task.spiff_id)
                run.submit(spiff_task, data)
                task.state = "completed"
                task.assignee = task.assignee or who.username
                task.completed_by = who.username
                task.completed_at = self.clock.now()
                task.data = data
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
            run = CaseRun(session, case, who, self.clock, self.services)
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
        append_event(
            session,
            task.case,
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
        with self.reading() as session:
            if business_key is not None:
                self._case(session, business_key)
            return verify_chains(session, business_key)

    def tasks(self, actor: str | None = None) -> list[TaskView]:
        """Open tasks `actor` may work on (assigned to them or offered to their groups)."""
        with self.reading() as session:
            who = load_actor(session, actor) if actor is not None else None
            return open_tasks(session, who)


_STATE_WORDS = {"completed": "completada", "cancelled": "cancelada"}


def start_element(definition: Definition) -> dict[str, Any]:
    process = definition.elements.get(definition.key, {})
    for element in process.values():
        if element["kind"] == "startEvent" and element.get("container") is None:
            return dict(element)
    raise InvalidDefinition([f"{definition.key}: el proceso no tiene evento de inicio"])
