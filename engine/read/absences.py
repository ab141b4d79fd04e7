"""What "Mis ausencias" shows: a user's absences, their state, and whom they may name."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from engine.read.directory import PersonChoice, search_people
from storage.models import Absence, User


@dataclass(frozen=True)
class AbsenceView:
    id: int
    username: str
    substitute: str
    substitute_name: str
    starts_on: date
    ends_on: date
    reason: str
    declared_by: str
    cancelled: bool

    def state(self, today: date) -> str:
        """cancelada, terminada, en_curso or programada."""
        if self.cancelled:
            return "cancelada"
        if self.ends_on < today:
            return "terminada"
        return "en_curso" if self.starts_on <= today else "programada"

    def can_cancel(self, today: date) -> bool:
        return self.state(today) in ("en_curso", "programada")


def absences_of(session: Session, username: str) -> list[AbsenceView]:
    """Every absence `username` declared (or an administrator declared for them), latest first."""
    substitute = aliased(User)
    rows = session.execute(
        select(Absence, substitute.full_name)
        .outerjoin(substitute, substitute.username == Absence.substitute)
        .where(Absence.username == username)
        .order_by(Absence.starts_on.desc(), Absence.id.desc())
    )
    return [
        AbsenceView(
            a.id,
            a.username,
            a.substitute,
            name or a.substitute,
            a.starts_on,
            a.ends_on,
            a.reason,
            a.declared_by,
            a.cancelled_at is not None,
        )
        for a, name in rows
    ]


def substitute_choices(session: Session, username: str) -> list[PersonChoice]:
    """The active people `username` may name as substitute (anyone but themselves), by name."""
    return [
        person for person in search_people(session, "", limit=10_000) if person.username != username
    ]
