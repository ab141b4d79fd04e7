"""The officials' inbox: open tasks assigned to a person or offered to their groups.

Read-only. `inbox_statement` is exposed on its own so the benchmark can time the bare query.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from math import ceil
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select, true
from sqlalchemy.orm import Session

from engine.authorization import Actor
from engine.bpm.calendar import business_days_between
from storage.models import Case, Definition, Group, Task, TaskFollowUp

SCOPES = ("mias", "grupos")
STATES = ("sin_reclamar", "reclamadas", "vencidas")
# What the inbox sorts by: the due date, or the official's own follow-up date.
SORTS = ("vencimiento", "seguimiento")
MAX_PER_PAGE = 100
MAX_PAGE = 1_000_000  # far beyond any real list; keeps OFFSET within a database integer


@dataclass(frozen=True)
class InboxFilter:
    """What the official asked for: a tab, filters, a search, an order and a page."""

    scope: str = "mias"
    procedure: str | None = None
    state: str | None = None
    search: str = ""
    descending: bool = False
    sort: str = "vencimiento"
    # Only tasks whose follow-up date (the actor's own) is today or earlier.
    follow_up_due: bool = False
    page: int = 1
    per_page: int = 25

    def __post_init__(self) -> None:
        if self.scope not in SCOPES:
            object.__setattr__(self, "scope", "mias")
        if self.state not in STATES:
            object.__setattr__(self, "state", None)
        if self.sort not in SORTS:
            object.__setattr__(self, "sort", "vencimiento")
        object.__setattr__(self, "page", min(max(1, self.page), MAX_PAGE))
        object.__setattr__(self, "per_page", min(max(1, self.per_page), MAX_PER_PAGE))
        object.__setattr__(self, "search", self.search.strip()[:100])


@dataclass(frozen=True)
class InboxRow:
    id: int
    business_key: str
    procedure: str
    procedure_name: str
    task_name: str
    subject: str
    group: str | None
    assignee: str | None
    due: date | None
    created_at: datetime
    group_name: str | None = None  # the organism's name, for people (codes are for the model)
    follow_up: date | None = None  # the actor's own follow-up date ("recordarme el…")
    # The absent user's name when the task reaches the actor as their substitute.
    on_behalf_of: str | None = None

    def business_days_left(self, today: date) -> int | None:
        return None if self.due is None else business_days_between(today, self.due)

    def is_overdue(self, today: date) -> bool:
        return self.due is not None and self.due < today

    def as_json(self, today: date) -> dict[str, object]:
        return {
            "id": self.id,
            "case": self.business_key,
            "procedure": self.procedure,
            "procedure_name": self.procedure_name,
            "name": self.task_name,
            "subject": self.subject,
            "group": self.group,
            "group_name": self.group_name,
            "assignee": self.assignee,
            "due": self.due.isoformat() if self.due else None,
            "business_days_left": self.business_days_left(today),
            "overdue": self.is_overdue(today),
            "follow_up": self.follow_up.isoformat() if self.follow_up else None,
            "on_behalf_of": self.on_behalf_of,
        }


@dataclass(frozen=True)
class InboxPage:
    rows: list[InboxRow]
    total: int
    filter: InboxFilter
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.filter.per_page))


def _scope_condition(actor: Actor, scope: str) -> ColumnElement[bool]:
    """«Mis tareas»: the actor's and those of the users they substitute today. «De mis grupos»:
    the rest of their groups' tasks, and the free ones offered to the absent users' groups."""
    absent = sorted(absentee.username for absentee in actor.stands_in_for)
    mine = (
        Task.assignee.in_([actor.username, *absent]) if absent else Task.assignee == actor.username
    )
    if scope == "mias":
        return mine
    not_mine = or_(Task.assignee.is_(None), ~mine)
    if actor.is_admin:
        return not_mine
    offered: ColumnElement[bool] = Task.candidate_group.in_(sorted(actor.groups))
    absent_groups = sorted({code for a in actor.stands_in_for for code in a.groups})
    if absent_groups:
        offered = or_(
            offered, and_(Task.assignee.is_(None), Task.candidate_group.in_(absent_groups))
        )
    return and_(offered, not_mine)


def _follow_up_join(actor: Actor) -> ColumnElement[bool]:
    # The actor's own follow-ups only: a colleague's reminder orders nothing of theirs.
    return and_(TaskFollowUp.task_id == Task.id, TaskFollowUp.username == actor.username)


def _filter_conditions(wanted: InboxFilter, today: date) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if wanted.follow_up_due:
        conditions.append(TaskFollowUp.follow_up_on <= today)
    if wanted.procedure:
        conditions.append(Definition.key == wanted.procedure)
    if wanted.state == "sin_reclamar":
        conditions.append(Task.assignee.is_(None))
    elif wanted.state == "reclamadas":
        conditions.append(Task.assignee.is_not(None))
    elif wanted.state == "vencidas":
        conditions.append(Task.due_date < today)
    if wanted.search:
        needle = wanted.search.lower()
        conditions.append(
            or_(
                func.lower(Case.business_key).contains(needle, autoescape=True),
                func.lower(Case.subject).contains(needle, autoescape=True),
                func.lower(Task.name).contains(needle, autoescape=True),
            )
        )
    return conditions


def _base(actor: Actor, wanted: InboxFilter, today: date, scope: str) -> Select[*tuple[Any, ...]]:
    base = (
        select(Task.id)
        .join(Case, Case.id == Task.case_id)
        .join(Definition, Definition.id == Case.definition_id)
    )
    if wanted.follow_up_due:  # a count joins the follow-ups only to filter by them
        base = base.join(TaskFollowUp, _follow_up_join(actor))
    return base.where(Task.state == "open", _scope_condition(actor, scope)).where(
        *_filter_conditions(wanted, today) or [true()]
    )


def inbox_statement(actor: Actor, wanted: InboxFilter, today: date) -> Select[*tuple[Any, ...]]:
    """The page of rows the inbox shows: one statement, ordered by due date (or the actor's
    follow-up date), tasks without one last, then age."""
    column = TaskFollowUp.follow_up_on if wanted.sort == "seguimiento" else Task.due_date
    order = column.desc() if wanted.descending else column.asc()
    return (
        select(
            Task.id,
            Case.business_key,
            Definition.key,
            Definition.name,
            Task.name,
            Case.subject,
            Task.candidate_group,
            Task.assignee,
            Task.due_date,
            Task.created_at,
            Group.name,
            TaskFollowUp.follow_up_on,
        )
        .join(Case, Case.id == Task.case_id)
        .join(Definition, Definition.id == Case.definition_id)
        .outerjoin(Group, Group.code == Task.candidate_group)
        .outerjoin(TaskFollowUp, _follow_up_join(actor))
        .where(Task.state == "open", _scope_condition(actor, wanted.scope))
        .where(*_filter_conditions(wanted, today) or [true()])
        .order_by(column.is_(None), order, Task.id)
        .limit(wanted.per_page)
        .offset((wanted.page - 1) * wanted.per_page)
    )


def count_statement(actor: Actor, wanted: InboxFilter, today: date, scope: str) -> Select[int]:
    """How many open tasks one tab holds under the same filters (the tab's badge)."""
    return select(func.count()).select_from(_base(actor, wanted, today, scope).subquery())


def inbox(session: Session, actor: Actor, wanted: InboxFilter, today: date) -> InboxPage:
    """One page of the actor's inbox with the total and both tabs' counts (under the filters)."""
    rows = [_row(actor, row) for row in session.execute(inbox_statement(actor, wanted, today))]
    counts = {
        scope: session.scalar(count_statement(actor, wanted, today, scope)) or 0 for scope in SCOPES
    }
    return InboxPage(rows=rows, total=counts[wanted.scope], filter=wanted, counts=counts)


def _row(actor: Actor, columns: Any) -> InboxRow:
    row = InboxRow(*columns)
    absentee = actor.absentee_for(row.assignee, row.group)
    return row if absentee is None else replace(row, on_behalf_of=absentee.full_name)


def procedures(session: Session) -> list[tuple[str, str]]:
    """(key, name) of every deployed procedure, by key, latest name."""
    latest: dict[str, str] = {}
    for key, name in session.execute(
        select(Definition.key, Definition.name).order_by(Definition.key, Definition.version)
    ):
        latest[key] = name
    return sorted(latest.items())


def follow_up_of(session: Session, task_id: int, username: str) -> date | None:
    """`username`'s own follow-up date on the task, if they set one."""
    return session.scalar(
        select(TaskFollowUp.follow_up_on).where(
            TaskFollowUp.task_id == task_id, TaskFollowUp.username == username
        )
    )
