"""Read side: what inboxes and case pages show. Queries never change anything."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from engine.authorization import Actor
from storage.models import Case, Definition, Task


@dataclass(frozen=True)
class TaskView:
    id: int
    case: str
    procedure: str
    element: str
    name: str
    group: str | None
    assignee: str | None
    due: date | None
    subject: str

    def as_json(self) -> dict[str, Any]:
        row = asdict(self)
        row["due"] = self.due.isoformat() if self.due else None
        return row


def open_tasks(session: Session, actor: Actor | None = None) -> list[TaskView]:
    """Open tasks assigned to `actor` or offered to one of its groups (all of them without actor)."""
    query = (
        select(Task, Case.business_key, Case.subject, Definition.key)
        .join(Case, Case.id == Task.case_id)
        .join(Definition, Definition.id == Case.definition_id)
        .where(Task.state == "open")
        .order_by(Task.due_date.is_(None), Task.due_date, Task.id)
    )
    if actor is not None and not actor.is_admin:
        # With the users `actor` substitutes today (see `with_substitutions`), if any.
        people = [actor.username, *(a.username for a in actor.stands_in_for)]
        groups = actor.groups.union(*(a.groups for a in actor.stands_in_for))
        query = query.where(
            or_(
                Task.assignee.in_(people),
                and_(Task.assignee.is_(None), Task.candidate_group.in_(groups)),
            )
        )
    return [
        TaskView(
            id=task.id,
            case=business_key,
            procedure=procedure,
            element=task.element_id,
            name=task.name,
            group=task.candidate_group,
            assignee=task.assignee,
            due=task.due_date,
            subject=subject,
        )
        for task, business_key, subject, procedure in session.execute(query)
    ]
