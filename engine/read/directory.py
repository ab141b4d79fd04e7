"""What the forms offer from the directory: organisms and people to pick, and the person search."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from storage.models import Group, Membership, User

SEARCH_LIMIT = 20


@dataclass(frozen=True)
class OrganismChoice:
    code: str
    name: str
    active: bool


@dataclass(frozen=True)
class PersonChoice:
    username: str
    full_name: str
    position: str
    active: bool
    groups: frozenset[str]

    @property
    def title(self) -> str:
        return f"{self.full_name} — {self.position}" if self.position else self.full_name


@dataclass(frozen=True)
class DirectoryChoices:
    """Every organism and person, active or not: a form offers the active ones, a case page
    displays whichever it names."""

    organisms: tuple[OrganismChoice, ...]
    people: tuple[PersonChoice, ...]


def directory_choices(session: Session) -> DirectoryChoices:
    organisms = tuple(
        OrganismChoice(g.code, g.name, g.active)
        for g in session.scalars(select(Group).where(Group.kind == "organism").order_by(Group.name))
    )
    return DirectoryChoices(organisms, tuple(_people(session, select(User))))


def search_people(
    session: Session, text: str, group: str | None = None, limit: int = SEARCH_LIMIT
) -> list[PersonChoice]:
    """Active people whose name, username or position contains `text` (any case), optionally
    only members of `group`; by name, at most `limit`."""
    query = select(User).where(User.active.is_(True))
    for word in text.split()[:5]:
        pattern = f"%{word.lower()}%"
        query = query.where(
            or_(
                func.lower(User.full_name).like(pattern),
                func.lower(User.username).like(pattern),
                func.lower(User.position).like(pattern),
            )
        )
    if group:
        query = query.where(
            User.id.in_(
                select(Membership.user_id)
                .join(Group, Group.id == Membership.group_id)
                .where(Group.code == group)
            )
        )
    return _people(session, query.order_by(User.full_name).limit(limit))


def _people(session: Session, query: object) -> list[PersonChoice]:
    users = list(session.scalars(query))  # type: ignore[call-overload]
    groups: dict[int, set[str]] = {}
    if users:
        for user_id, code in session.execute(
            select(Membership.user_id, Group.code)
            .join(Group, Group.id == Membership.group_id)
            .where(Membership.user_id.in_([u.id for u in users]))
        ):
            groups.setdefault(user_id, set()).add(code)
    return [
        PersonChoice(u.username, u.full_name, u.position, u.active, frozenset(groups.get(u.id, ())))
        for u in sorted(users, key=lambda u: u.full_name)
    ]
