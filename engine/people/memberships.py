"""A user's groups and how a user is recorded in the directory's audit trail, shared by every
command that changes a user (administration, CSV import, directory sign-in)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from engine.errors import ValidationError
from storage.models import Group, Membership, User

ADMINISTRATORS = "administradores"


def set_memberships(
    session: Session, user: User, codes: tuple[str, ...], coordinates: tuple[str, ...]
) -> None:
    """Replace `user`'s groups by `codes` (all active), coordinating `coordinates` of them."""
    require_valid_groups(session, codes, coordinates)
    groups = {g.code: g for g in session.scalars(select(Group).where(Group.code.in_(codes)))}
    session.execute(delete(Membership).where(Membership.user_id == user.id))
    for code in dict.fromkeys(codes):
        session.add(
            Membership(
                user_id=user.id, group_id=groups[code].id, is_coordinator=code in coordinates
            )
        )
    session.flush()
    session.expire(user, ["memberships"])
    user.is_admin = ADMINISTRATORS in codes


def require_valid_groups(
    session: Session, codes: tuple[str, ...], coordinates: tuple[str, ...]
) -> None:
    """ValidationError (fields `grupos`, `coordina`) unless every code is an active group and
    every coordinated group is one of them."""
    found = {
        code: active
        for code, active in session.execute(
            select(Group.code, Group.active).where(Group.code.in_(codes))
        )
    }
    missing = sorted(set(codes) - set(found))
    if missing:
        raise ValidationError({"grupos": f"grupos desconocidos: {', '.join(missing)}"})
    inactive = sorted(code for code, active in found.items() if not active)
    if inactive:
        raise ValidationError({"grupos": f"grupos inactivos: {', '.join(inactive)}"})
    stray = sorted(set(coordinates) - set(codes))
    if stray:
        raise ValidationError(
            {"coordina": f"coordina grupos a los que no pertenece: {', '.join(stray)}"}
        )


def user_view(user: User) -> dict[str, Any]:
    """What the audit trail keeps of a user, before and after a change (never the hash)."""
    memberships = sorted(user.memberships, key=lambda m: m.group.code)
    return {
        "username": user.username,
        "full_name": user.full_name,
        "email": user.email,
        "position": user.position,
        "active": user.active,
        "groups": [m.group.code for m in memberships],
        "coordinates": [m.group.code for m in memberships if m.is_coordinator],
    }
