"""What the administration pages read: users with their groups (searched, filtered, by page),
organisms with their history, the open tasks of a user who leaves, and every audited change of
a user."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from engine.errors import NotFound
from engine.people.directory import has_local_password
from storage.models import Case, DirectoryChange, Group, Membership, Task, User

PER_PAGE = 50


@dataclass(frozen=True)
class UserRow:
    username: str
    full_name: str
    email: str
    position: str
    active: bool
    has_local_password: bool
    groups: tuple[str, ...]
    coordinates: tuple[str, ...]


@dataclass(frozen=True)
class UserPage:
    rows: list[UserRow]
    total: int
    page: int
    pages: int


@dataclass(frozen=True)
class UserFilter:
    text: str = ""
    group: str = ""
    state: str = "activos"  # activos, inactivos, todos


@dataclass(frozen=True)
class OpenTask:
    task_id: int
    name: str
    business_key: str
    candidate_group: str | None


@dataclass(frozen=True)
class OrganismRow:
    code: str
    name: str
    kind: str
    category: str
    active: bool
    merged_into: str | None
    former_names: tuple[str, ...]


def list_users(session: Session, wanted: UserFilter, page: int = 1) -> UserPage:
    """Users whose name, username, e-mail or position contains every word of `wanted.text`,
    members of `wanted.group` if given, active or not as asked; by username."""
    query = select(User)
    for word in wanted.text.split()[:5]:
        pattern = f"%{word.lower()}%"
        query = query.where(
            or_(
                func.lower(User.full_name).like(pattern),
                func.lower(User.username).like(pattern),
                func.lower(User.email).like(pattern),
                func.lower(User.position).like(pattern),
            )
        )
    if wanted.group:
        query = query.where(
            User.id.in_(
                select(Membership.user_id)
                .join(Group, Group.id == Membership.group_id)
                .where(Group.code == wanted.group)
            )
        )
    if wanted.state == "activos":
        query = query.where(User.active.is_(True))
    elif wanted.state == "inactivos":
        query = query.where(User.active.is_(False))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // PER_PAGE))
    page = min(max(page, 1), pages)
    users = session.scalars(
        query.options(selectinload(User.memberships).selectinload(Membership.group))
        .order_by(User.username)
        .offset((page - 1) * PER_PAGE)
        .limit(PER_PAGE)
    )
    return UserPage([_row(user) for user in users], total, page, pages)


def user_row(session: Session, username: str) -> UserRow:
    user = session.scalars(
        select(User)
        .where(User.username == username)
        .options(selectinload(User.memberships).selectinload(Membership.group))
    ).first()
    if user is None:
        raise NotFound(f"el usuario «{username}» no existe")
    return _row(user)


def open_tasks_of(session: Session, username: str) -> list[OpenTask]:
    """The open tasks `username` holds: whoever takes over their work must be given them."""
    rows = session.execute(
        select(Task.id, Task.name, Case.business_key, Task.candidate_group)
        .join(Case, Case.id == Task.case_id)
        .where(Task.state == "open", Task.assignee == username)
        .order_by(Task.id)
    )
    return [OpenTask(*row) for row in rows]


# What the history shows of a user, in the page's order; the password is never in the trail.
USER_FIELDS = ("full_name", "email", "position", "active", "groups", "coordinates")
HISTORY_LIMIT = 100


@dataclass(frozen=True)
class FieldChange:
    field: str  # one of USER_FIELDS
    before: Any  # None when the change created the user
    after: Any


@dataclass(frozen=True)
class UserChange:
    at: datetime
    actor: str  # a username, or "directorio" (a sign-in against the Alcaldía's directory)
    actor_name: str  # the actor's full name when they are a user, else ""
    action: str  # user_added, user_edited, user_deactivated, password_reset …
    fields: tuple[FieldChange, ...]  # only what changed


def user_history(session: Session, username: str, limit: int = HISTORY_LIMIT) -> list[UserChange]:
    """The audited changes of `username`, newest first (at most `limit`): who, when, and each
    field's before and after."""
    changes = list(
        session.scalars(
            select(DirectoryChange)
            .where(DirectoryChange.subject == f"usuario:{username}")
            .order_by(DirectoryChange.at.desc(), DirectoryChange.id.desc())
            .limit(limit)
        )
    )
    actors = {change.actor for change in changes}
    names = {
        username: full_name
        for username, full_name in session.execute(
            select(User.username, User.full_name).where(User.username.in_(actors))
        )
    }
    return [
        UserChange(
            change.at,
            change.actor,
            names.get(change.actor, ""),
            change.action,
            _field_changes(change.before, change.after),
        )
        for change in changes
    ]


def _field_changes(
    before: dict[str, Any] | None, after: dict[str, Any] | None
) -> tuple[FieldChange, ...]:
    if after is None:  # a password reset: only that it happened is recorded
        return ()
    if before is None:
        return tuple(
            FieldChange(key, None, after.get(key))
            for key in USER_FIELDS
            if after.get(key) not in (None, "", [])
        )
    return tuple(
        FieldChange(key, before.get(key), after.get(key))
        for key in USER_FIELDS
        if before.get(key) != after.get(key)
    )


def list_organisms(session: Session) -> list[OrganismRow]:
    """Every organism and role, active or not, with the names it had before."""
    groups = session.scalars(
        select(Group).options(selectinload(Group.former_names)).order_by(Group.kind, Group.name)
    )
    return [
        OrganismRow(
            g.code,
            g.name,
            g.kind,
            g.category,
            g.active,
            g.merged_into,
            tuple(former.name for former in g.former_names),
        )
        for g in groups
    ]


def _row(user: User) -> UserRow:
    memberships = sorted(user.memberships, key=lambda m: m.group.code)
    return UserRow(
        user.username,
        user.full_name,
        user.email,
        user.position,
        user.active,
        has_local_password(user.password_hash),
        tuple(m.group.code for m in memberships),
        tuple(m.group.code for m in memberships if m.is_coordinator),
    )
