"""What the administration pages read: users with their groups (searched, filtered, by page),
organisms with their history, and the open tasks of a user who leaves."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from engine.errors import NotFound
from engine.people.directory import has_local_password
from storage.models import Case, Group, Membership, Task, User

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
