"""A person's own follow-up date on a task ("recordarme el…"), run by the executor.

The date is personal: it orders and filters only its owner's inbox. Setting or clearing it is
still an action on the case, so it is audited in the case's chain like a claim.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, select

from engine.audit.trail import append_event
from engine.authorization import can_view_task, load_actor
from engine.bpm.calendar import local_date
from engine.commands.executor import CommandContext
from engine.errors import Conflict, Forbidden, NotFound, ValidationError
from storage.models import Task, TaskFollowUp

FOLLOW_UP_FIELD = "seguimiento"


@dataclass(frozen=True)
class SetFollowUp:
    """Set (or, with `on=None`, clear) `actor`'s follow-up date on an open task they can see.

    A date before today (in Bogotá) is a field error of `FOLLOW_UP_FIELD`."""

    task_id: int
    actor: str
    on: date | None

    def execute(self, context: CommandContext) -> None:
        engine, session = context.engine, context.session
        now = engine.clock.now()
        who = load_actor(session, self.actor)
        task = session.get(Task, self.task_id)
        if task is None:
            raise NotFound(f"la tarea {self.task_id} no existe")
        if not can_view_task(who, task):
            raise Forbidden(f"{who.username} no puede ver la tarea {task.id}")
        if task.state != "open":
            raise Conflict(f"la tarea {task.id} ya no está abierta")
        if self.on is not None and self.on < local_date(now):
            raise ValidationError(
                {FOLLOW_UP_FIELD: "la fecha de seguimiento no puede ser anterior a hoy"}
            )
        payload: dict[str, object] = {"task": task.id}
        existing = session.scalars(
            select(TaskFollowUp).where(
                TaskFollowUp.task_id == task.id, TaskFollowUp.username == who.username
            )
        ).first()
        if self.on is None:
            if existing is None:
                return
            session.execute(delete(TaskFollowUp).where(TaskFollowUp.id == existing.id))
            action = "followup_cleared"
        else:
            if existing is not None and existing.follow_up_on == self.on:
                return
            if existing is None:
                session.add(
                    TaskFollowUp(
                        task_id=task.id, username=who.username, follow_up_on=self.on, set_at=now
                    )
                )
            else:
                existing.follow_up_on, existing.set_at = self.on, now
            action, payload["on"] = "followup_set", self.on.isoformat()
        case = task.case
        append_event(
            session,
            case,
            engine.definitions.get(session, case.definition_id).version,
            at=now,
            actor=who.username,
            action=action,
            element_id=task.element_id,
            payload=payload,
        )
