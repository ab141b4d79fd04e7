"""Users, groups and memberships: the organisms and roles of the Alcaldía (DOMAIN.md)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.people.catalogue import load_catalogue, read_catalogue
from engine.people.password_policy import require_acceptable_password
from engine.people.passwords import hash_password, shared_hash
from storage.models import Group, Membership, User


def _catalogue_groups() -> dict[str, tuple[str, str]]:
    return {entry.code: (entry.name, entry.kind) for entry in read_catalogue()}


# Code → (name, kind) of every group the shipped catalogue defines (processes/directory/).
GROUPS: dict[str, tuple[str, str]] = _catalogue_groups()


@dataclass(frozen=True)
class DemoUser:
    username: str
    full_name: str
    groups: tuple[str, ...]
    coordinates: tuple[str, ...] = ()
    is_admin: bool = False


# Published in the README: for the demo only (`init --demo`), never for a real installation.
DEMO_PASSWORD = "BuenGobierno2026!"

ADMINISTRATOR = DemoUser("admin", "Administración del sistema", ("administradores",), is_admin=True)

DEMO_USERS: tuple[DemoUser, ...] = (
    ADMINISTRATOR,
    DemoUser("alcalde", "Alcalde Distrital", ("despacho_alcalde",)),
    DemoUser(
        "secretario", "Secretario de Gobierno", ("secretario_gobierno",), ("secretario_gobierno",)
    ),
    DemoUser(
        "despacho",
        "Profesional Despacho de Gobierno",
        ("despacho_gobierno",),
        ("despacho_gobierno",),
    ),
    DemoUser("despacho2", "Contratista Despacho de Gobierno", ("despacho_gobierno",)),
    DemoUser("orc", "Profesional de Relaciones y Cooperación", ("orc",), ("orc",)),
    DemoUser("juridica", "Abogada DAGJP", ("dagjp",), ("dagjp",)),
    DemoUser("hacienda", "Profesional de Hacienda", ("hacienda",)),
    DemoUser("planeacion", "Profesional de Planeación", ("planeacion",)),
    DemoUser("comite", "Secretaría técnica del Comité", ("comite_proyectos_acuerdo",)),
    DemoUser(
        "salud", "Directivo Secretaría de Salud", ("secretaria_salud",), ("secretaria_salud",)
    ),
    DemoUser("educacion", "Directivo Secretaría de Educación", ("secretaria_educacion",)),
    DemoUser("movilidad", "Directivo Secretaría de Movilidad", ("secretaria_movilidad",)),
    DemoUser("cultura", "Directiva Secretaría de Cultura", ("secretaria_cultura",)),
    DemoUser("delegada", "Subsecretaria delegada", ("secretaria_cultura",)),
    DemoUser("calidad", "Auditora Oficina de Calidad", ("calidad",)),
    DemoUser("analista", "Analista de procesos", ("analistas",)),
)

# The stored hash of a user who has no local password: brought in from the Alcaldía's directory
# (or a CSV import), they sign in against the directory until an administrator gives them one.
NO_LOCAL_PASSWORD = ""


def has_local_password(password_hash: str) -> bool:
    return password_hash.startswith("$argon2")


def ensure_groups(session: Session) -> None:
    """Load the shipped catalogue of organisms and roles (see `engine.people.catalogue`)."""
    load_catalogue(session, read_catalogue(), "sistema", None)


def known_group_codes(session: Session) -> frozenset[str]:
    return frozenset(session.scalars(select(Group.code)))


def add_user(
    session: Session,
    user: DemoUser,
    password: str | None = None,
    *,
    password_hash: str | None = None,
) -> bool:
    """Create `user` with its memberships; False when the username already exists."""
    if not (password or password_hash):
        raise ValueError("a user needs a password or a password hash")
    if session.scalars(select(User).where(User.username == user.username)).first():
        return False
    groups = {g.code: g for g in session.scalars(select(Group).where(Group.code.in_(user.groups)))}
    missing = set(user.groups) - set(groups)
    if missing:
        raise ValueError(f"unknown groups: {', '.join(sorted(missing))}")
    row = User(
        username=user.username,
        full_name=user.full_name,
        email=f"{user.username}@cali.gov.co",
        password_hash=password_hash or hash_password(password or ""),
        is_admin=user.is_admin,
    )
    session.add(row)
    session.flush()
    for code in user.groups:
        session.add(
            Membership(
                user_id=row.id, group_id=groups[code].id, is_coordinator=code in user.coordinates
            )
        )
    session.flush()
    return True


def load_demo_users(session: Session) -> int:
    """Create the demo users that do not exist yet; returns how many were created."""
    # One hash for every demo user: they share a published password, and argon2 is slow on
    # purpose (a test suite loads the demo directory a thousand times).
    password_hash = shared_hash(DEMO_PASSWORD)
    return sum(add_user(session, user, password_hash=password_hash) for user in DEMO_USERS)


def ensure_administrator(session: Session, password: str | None = None) -> str | None:
    """Create `admin` when no administrator exists, never with a known password.

    `password` must meet the policy; without one a random password is made. Returns the
    password to show once when an account was created, otherwise None.
    """
    if password is not None:
        require_acceptable_password(password, ADMINISTRATOR.username, field="--admin-password")
    if session.scalars(select(User.id).where(User.is_admin.is_(True))).first() is not None:
        return None
    password = password or secrets.token_urlsafe(15)  # about 120 random bits
    return password if add_user(session, ADMINISTRATOR, password) else None
