"""Absences: a user away for a range of days names a substitute from the directory.

While the absence runs (Bogotá dates, both included) the tasks assigned to the absent user and
the free tasks offered to their groups also reach the substitute (`engine.authorization.
with_substitutions`), who may take and complete them. Declaring and cancelling are commands,
audited in the directory's trail (`directory_changes`, subject `usuario:<absent user>`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.authorization import load_actor, require_can_manage_absences_of
from engine.bpm.calendar import local_date
from engine.commands.executor import CommandContext
from engine.commands.facade import Engine
from engine.errors import Conflict, NotFound, ValidationError
from engine.people.changes import record_change
from storage.models import Absence, User

# Form fields (the web form and the CLI name errors by them).
SUBSTITUTE_FIELD = "suplente"
FROM_FIELD = "desde"
TO_FIELD = "hasta"
REASON_FIELD = "motivo"
MAX_REASON = 300


@dataclass(frozen=True)
class DeclareAbsence:
    """`actor` declares that `username` (themselves, or anyone for an administrator) is away
    from `starts_on` to `ends_on` and that `substitute` takes their work; returns its id."""

    actor: str
    username: str
    substitute: str
    starts_on: date
    ends_on: date
    reason: str = ""

    def execute(self, context: CommandContext) -> int:
        session = context.session
        now = context.engine.clock.now()
        who = load_actor(session, self.actor)
        require_can_manage_absences_of(who, self.username)
        absent = _active_user(session, self.username)
        errors = _errors(session, self, local_date(now))
        if errors:
            raise ValidationError(errors)
        absence = Absence(
            username=absent.username,
            substitute=self.substitute,
            starts_on=self.starts_on,
            ends_on=self.ends_on,
            reason=self.reason.strip(),
            declared_by=who.username,
            declared_at=now,
        )
        session.add(absence)
        session.flush()
        record_change(session, now, who.username, "absence_declared", absent, None, view(absence))
        return absence.id


@dataclass(frozen=True)
class CancelAbsence:
    """End an absence before it runs out (or before it starts): from now on the substitute no
    longer receives the absent user's work."""

    actor: str
    absence_id: int

    def execute(self, context: CommandContext) -> None:
        session = context.session
        now = context.engine.clock.now()
        who = load_actor(session, self.actor)
        absence = session.get(Absence, self.absence_id)
        if absence is None:
            raise NotFound(f"la ausencia {self.absence_id} no existe")
        require_can_manage_absences_of(who, absence.username)
        if absence.cancelled_at is not None:
            raise Conflict(f"la ausencia {absence.id} ya fue cancelada")
        if absence.ends_on < local_date(now):
            raise Conflict(f"la ausencia {absence.id} ya terminó")
        before = view(absence)
        absence.cancelled_by, absence.cancelled_at = who.username, now
        absent = session.scalars(select(User).where(User.username == absence.username)).one()
        record_change(
            session, now, who.username, "absence_cancelled", absent, before, view(absence)
        )


def view(absence: Absence) -> dict[str, Any]:
    """What the directory's trail keeps of an absence (before/after)."""
    return {
        "ausencia": absence.id,
        "suplente": absence.substitute,
        "desde": absence.starts_on.isoformat(),
        "hasta": absence.ends_on.isoformat(),
        "motivo": absence.reason,
        "cancelada": absence.cancelled_at is not None,
    }


def _errors(session: Session, asked: DeclareAbsence, today: date) -> dict[str, str]:
    errors: dict[str, str] = {}
    if asked.substitute == asked.username:
        errors[SUBSTITUTE_FIELD] = "el suplente debe ser otra persona"
    elif not asked.substitute:
        errors[SUBSTITUTE_FIELD] = "elija un suplente"
    else:
        try:
            load_actor(session, asked.substitute)
        except NotFound:
            errors[SUBSTITUTE_FIELD] = "el suplente no es un usuario activo del directorio"
    if asked.starts_on < today:
        errors[FROM_FIELD] = "la ausencia no puede empezar antes de hoy"
    if asked.ends_on < asked.starts_on:
        errors[TO_FIELD] = "la fecha final no puede ser anterior a la inicial"
    if len(asked.reason.strip()) > MAX_REASON:
        errors[REASON_FIELD] = f"el motivo admite hasta {MAX_REASON} caracteres"
    if not errors:
        overlapping = session.scalars(
            select(Absence).where(
                Absence.username == asked.username,
                Absence.cancelled_at.is_(None),
                Absence.starts_on <= asked.ends_on,
                Absence.ends_on >= asked.starts_on,
            )
        ).first()
        if overlapping is not None:
            errors[FROM_FIELD] = (
                f"ya hay una ausencia declarada del {overlapping.starts_on.isoformat()} "
                f"al {overlapping.ends_on.isoformat()}; cancélela primero"
            )
    return errors


def _active_user(session: Session, username: str) -> User:
    user = session.scalars(select(User).where(User.username == username, User.active)).first()
    if user is None:
        raise NotFound(f"el usuario «{username}» no existe o está inactivo")
    return user


def declare_absence(
    engine: Engine,
    actor: str,
    username: str,
    substitute: str,
    starts_on: date,
    ends_on: date,
    reason: str = "",
) -> int:
    """See `DeclareAbsence`; returns the new absence's id."""
    absence_id: int = engine.executor.execute(
        DeclareAbsence(actor, username, substitute, starts_on, ends_on, reason)
    )
    return absence_id


def cancel_absence(engine: Engine, actor: str, absence_id: int) -> None:
    """See `CancelAbsence`."""
    engine.executor.execute(CancelAbsence(actor, absence_id))
