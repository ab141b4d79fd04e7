"""What bulk actions in the inbox read: the tasks' labels for the summary, the people a
coordinator may reassign to, and the summary itself.

Each task of a bulk action is its own command (`Engine.act_on_tasks`): one refused task leaves
the others done.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.authorization import Actor
from engine.read.directory import PersonChoice, search_people
from storage.models import Case, Task

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
    the bulk reassignment's picker. Each task still checks its own group."""
    if actor.is_admin:
        return search_people(session, "", limit=10_000)
    people: dict[str, PersonChoice] = {}
    for group in sorted(actor.coordinates):
        for person in search_people(session, "", group, limit=10_000):
            people[person.username] = person
    return sorted(people.values(), key=lambda person: (person.full_name, person.username))
