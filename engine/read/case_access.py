"""The facts about a case that say who may read it and who may write on it.

`engine.authorization` holds the rules; this module gathers what they are applied to, for the
read side (the case page, comments) and for the commands that check the same rules.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.authorization import (
    Absentee,
    Actor,
    can_comment_on_case,
    can_comment_on_task,
    can_view_case,
    comment_stand_in,
    require_can_comment_on_case,
    require_can_comment_on_task,
    require_can_view_case,
)
from engine.read.case_search import named_organisms
from storage.models import AuditEvent, Case, Task


@dataclass(frozen=True)
class CaseAccess:
    business_key: str
    # Whoever started it, acted on it or holds or completed one of its tasks.
    participants: frozenset[str]
    # The groups its tasks were ever offered to, and the organisms its data names.
    groups: frozenset[str]
    organisms: frozenset[str]
    # Whoever started it or holds or completed one of its tasks; the groups of its open tasks.
    workers: frozenset[str]
    open_groups: frozenset[str]

    def can_view(self, actor: Actor) -> bool:
        return can_view_case(actor, self.participants, self.groups, self.organisms)

    def require_view(self, actor: Actor) -> None:
        require_can_view_case(
            actor, self.business_key, self.participants, self.groups, self.organisms
        )

    def can_comment(self, actor: Actor, task: Task | None = None) -> bool:
        """On the case (`task` None) or on one of its tasks."""
        if task is None:
            return can_comment_on_case(actor, self.workers, self.open_groups)
        return can_comment_on_task(actor, task, self.workers, self.open_groups)

    def require_comment(self, actor: Actor, task: Task | None = None) -> None:
        if task is None:
            require_can_comment_on_case(actor, self.business_key, self.workers, self.open_groups)
        else:
            require_can_comment_on_task(
                actor, self.business_key, task, self.workers, self.open_groups
            )

    def comment_stand_in(self, actor: Actor, task: Task | None = None) -> Absentee | None:
        """Whom the actor's comment is for when only a substitution lets them write it."""
        return comment_stand_in(actor, task, self.workers, self.open_groups)


def case_access(session: Session, case: Case) -> CaseAccess:
    """Two statements: the audit trail's actors, and the case's task rows."""
    actors = set(
        session.scalars(select(AuditEvent.actor).where(AuditEvent.case_id == case.id).distinct())
    )
    workers = {case.started_by}
    groups: set[str] = set()
    open_groups: set[str] = set()
    for assignee, completed_by, group, state in session.execute(
        select(Task.assignee, Task.completed_by, Task.candidate_group, Task.state).where(
            Task.case_id == case.id
        )
    ):
        workers.update(p for p in (assignee, completed_by) if p)
        if group:
            groups.add(group)
            if state == "open":
                open_groups.add(group)
    return CaseAccess(
        business_key=case.business_key,
        participants=frozenset(actors | workers),
        groups=frozenset(groups),
        organisms=frozenset(named_organisms(case.definition.forms or {}, case.data or {})),
        workers=frozenset(workers),
        open_groups=frozenset(open_groups),
    )
