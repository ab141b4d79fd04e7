"""What bulk actions in the inbox read: the tasks' labels for the summary, the people a
coordinator may reassign to, and the summary itself.

Each task of a bulk action is its own command (`Engine.act_on_tasks`): one refused task leaves
the others done.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.authorization import Actor
from engine.read.directory import PersonChoice
from storage.models import Case, Group, Membership, Task, User

# take, release, reassign: the single-task commands a bulk action repeats.
BULK_ACTIONS = ("tomar", "liberar", "reasignar")
MAX_BULK_TASKS = 100


@dataclass(frozen=True)
class TaskOutcome:
    task_id: int
    business_key: str | None
    task_name: str | None
    # Why the task was refused (the command's own message); None when it was done.
    reason: str | None = None

    @property
    def done(self) -> bool:
        return self.reason is None


@dataclass(frozen=True)
class BulkReport:
    action: str
    to_user: str | None
    outcomes: list[TaskOutcome]

    @property
    def done(self) -> list[TaskOutcome]:
        return [o for o in self.outcomes if o.done]

    @property
    def refused(self) -> list[TaskOutcome]:
        return [o for o in self.outcomes if not o.done]


def task_labels(session: Session, task_ids: Sequence[int]) -> dict[int, tuple[str, str]]:
    """(business key, task name) of each task that exists."""
    rows = session.execute(
        select(Task.id, Case.business_key, Task.name)
        .join(Case, Case.id == Task.case_id)
        .where(Task.id.in_(sorted(set(task_ids))))
    )
    return {task_id: (key, name) for task_id, key, name in rows}


def reassign_targets(session: Session, actor: Actor) -> list[PersonChoice]:
    """Active people of the groups `actor` coordinates (everyone active for an admin), by name:
    the bulk reassignment's picker, in one statement (a row per person and group). Each task
    still checks its own group."""
    query = (
        select(User.username, User.full_name, User.position, Group.code)
        .outerjoin(Membership, Membership.user_id == User.id)
        .outerjoin(Group, Group.id == Membership.group_id)
        .where(User.active.is_(True))
    )
    if not actor.is_admin:
        query = query.where(
            User.id.in_(
                select(Membership.user_id)
                .join(Group, Group.id == Membership.group_id)
                .where(Group.code.in_(sorted(actor.coordinates)))
            )
        )
    people: dict[str, PersonChoice] = {}
    for username, full_name, position, code in session.execute(query):
        known = people.get(username, PersonChoice(username, full_name, position, True, frozenset()))
        people[username] = replace(known, groups=known.groups | ({code} if code else set()))
    return sorted(people.values(), key=lambda person: (person.full_name, person.username))
