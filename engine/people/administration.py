"""The directory administered without a programmer: every change is an executor command, audited
in `directory_changes` (who, when, before and after)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.authorization import load_actor, require_can_administer_directory
from engine.commands.executor import CommandContext
from engine.commands.facade import Engine
from engine.errors import Conflict, NotFound, ValidationError
from engine.people.catalogue import (
    CATALOGUE,
    CATEGORIES,
    CatalogueEntry,
    CatalogueLoad,
    load_catalogue,
    read_catalogue,
)
from engine.people.changes import record_change
from engine.people.memberships import set_memberships, user_view
from engine.people.password_policy import require_acceptable_password
from engine.people.passwords import hash_password
from storage.models import Group, Task, User


@dataclass(frozen=True)
class LoadCatalogue:
    """Synchronise the groups with a catalogue file, as `actor` (an administrator, unless it
    is `init` setting up the database)."""

    path: Path
    actor: str
    by_administrator: bool = True

    def execute(self, context: CommandContext) -> CatalogueLoad:
        if self.by_administrator:
            administrator_session(context, self.actor)
        entries = read_catalogue(self.path)
        return load_catalogue(context.session, entries, self.actor, context.engine.clock.now())


def sync_catalogue(
    engine: Engine, actor: str, path: Path = CATALOGUE, *, by_administrator: bool = True
) -> CatalogueLoad:
    """Load `path` (by default the shipped catalogue) into the directory; see `catalogue`."""
    result: CatalogueLoad = engine.executor.execute(LoadCatalogue(path, actor, by_administrator))
    return result


@dataclass(frozen=True)
class NewUser:
    username: str
    full_name: str
    email: str
    position: str = ""
    groups: tuple[str, ...] = ()
    coordinates: tuple[str, ...] = ()


@dataclass(frozen=True)
class AddUser:
    """Create a user with a first password (the policy applies) and their groups."""

    actor: str
    user: NewUser
    password: str = field(repr=False)

    def execute(self, context: CommandContext) -> None:
        session = administrator_session(context, self.actor)
        new = self.user
        if not USERNAME_PATTERN.fullmatch(new.username):
            raise ValidationError({"usuario": "use minúsculas, dígitos, punto, guion (2 a 80)"})
        if session.scalars(select(User.id).where(User.username == new.username)).first():
            raise Conflict(f"el usuario «{new.username}» ya existe")
        _require_profile(new.full_name, new.email)
        require_acceptable_password(self.password, new.username, field="contrasena")
        user = User(
            username=new.username,
            full_name=new.full_name.strip(),
            email=new.email.strip(),
            position=new.position.strip(),
            password_hash=hash_password(self.password),
        )
        session.add(user)
        session.flush()
        set_memberships(session, user, new.groups, new.coordinates)
        record_change(session, _now(context), self.actor, "user_added", user, None, user_view(user))


@dataclass(frozen=True)
class EditUser:
    """Change a user's name, e-mail, position and groups at once (one change in the trail)."""

    actor: str
    username: str
    full_name: str
    email: str
    position: str
    groups: tuple[str, ...]
    coordinates: tuple[str, ...] = ()

    def execute(self, context: CommandContext) -> None:
        session = administrator_session(context, self.actor)
        user = _user(session, self.username)
        _require_profile(self.full_name, self.email)
        before = user_view(user)
        user.full_name = self.full_name.strip()
        user.email = self.email.strip()
        user.position = self.position.strip()
        set_memberships(session, user, self.groups, self.coordinates)
        after = user_view(user)
        if after != before:
            record_change(session, _now(context), self.actor, "user_edited", user, before, after)


@dataclass(frozen=True)
class SetGroups:
    """Replace a user's groups (and which of them they coordinate)."""

    actor: str
    username: str
    groups: tuple[str, ...]
    coordinates: tuple[str, ...] = ()

    def execute(self, context: CommandContext) -> None:
        session = administrator_session(context, self.actor)
        user = _user(session, self.username)
        before = user_view(user)
        set_memberships(session, user, self.groups, self.coordinates)
        after = user_view(user)
        record_change(session, _now(context), self.actor, "user_groups_set", user, before, after)


@dataclass(frozen=True)
class DeactivateUser:
    """A user who leaves is deactivated, never deleted: their sessions end; returns the ids of
    their open tasks, to reassign."""

    actor: str
    username: str

    def execute(self, context: CommandContext) -> list[int]:
        session = administrator_session(context, self.actor)
        user = _user(session, self.username)
        if self.username == self.actor:
            raise Conflict("un administrador no puede desactivarse a sí mismo")
        before = user_view(user)
        user.active = False
        user.session_generation += 1
        record_change(
            session, _now(context), self.actor, "user_deactivated", user, before, user_view(user)
        )
        return list(
            session.scalars(
                select(Task.id)
                .where(Task.state == "open", Task.assignee == self.username)
                .order_by(Task.id)
            )
        )


@dataclass(frozen=True)
class ReactivateUser:
    """A user who comes back (a contract renewed, a deactivation by mistake) is active again,
    with the groups they had; they sign in anew (their old sessions ended when deactivated)."""

    actor: str
    username: str

    def execute(self, context: CommandContext) -> None:
        session = administrator_session(context, self.actor)
        user = _user(session, self.username)
        if user.active:
            raise Conflict(f"el usuario «{self.username}» ya está activo")
        before = user_view(user)
        user.active = True
        record_change(
            session, _now(context), self.actor, "user_reactivated", user, before, user_view(user)
        )


@dataclass(frozen=True)
class ResetPassword:
    """An administrator sets a new password (the policy applies); every session ends."""

    actor: str
    username: str
    password: str = field(repr=False)

    def execute(self, context: CommandContext) -> None:
        session = administrator_session(context, self.actor)
        user = _user(session, self.username)
        require_acceptable_password(self.password, user.username, field="contrasena")
        user.password_hash = hash_password(self.password)
        user.session_generation += 1
        # The hash is not audited, only that it changed.
        record_change(session, _now(context), self.actor, "password_reset", user, None, None)


@dataclass(frozen=True)
class SaveOrganism:
    """Add an organism or role, or rename / reactivate an existing one (the old name is kept)."""

    actor: str
    code: str
    name: str
    kind: str = "organism"
    category: str = ""
    active: bool = True
    # Adding (not renaming): an existing code is refused instead of renamed.
    new: bool = False

    def execute(self, context: CommandContext) -> CatalogueLoad:
        session = administrator_session(context, self.actor)
        if not _CODE.fullmatch(self.code):
            raise ValidationError({"codigo": "use minúsculas, dígitos y guion bajo (2 a 80)"})
        if not self.name.strip():
            raise ValidationError({"nombre": "este campo es obligatorio"})
        existing = session.scalars(select(Group).where(Group.code == self.code)).first()
        if existing is not None and self.new:
            raise ValidationError({"codigo": f"el código «{self.code}» ya existe"})
        category = self.category or (existing.category if existing else "")
        if self.kind not in ("organism", "role"):
            raise ValidationError({"tipo": "debe ser «organism» o «role»"})
        if self.kind == "organism" and category not in CATEGORIES:
            raise ValidationError({"categoria": f"elija una de: {', '.join(CATEGORIES)}"})
        entry = CatalogueEntry(
            self.code, self.name.strip(), self.kind, category if self.kind == "organism" else "",
            self.active,
        )  # fmt: skip
        return load_catalogue(session, (entry,), self.actor, _now(context))


@dataclass(frozen=True)
class DeactivateOrganism:
    """No new case may pick it; cases that name it keep showing it. `merged_into` names the
    organism that takes over its functions."""

    actor: str
    code: str
    merged_into: str | None = None

    def execute(self, context: CommandContext) -> CatalogueLoad:
        session = administrator_session(context, self.actor)
        group = session.scalars(select(Group).where(Group.code == self.code)).first()
        if group is None:
            raise NotFound(f"el organismo «{self.code}» no existe")
        if self.merged_into is not None:
            successor = session.scalars(select(Group).where(Group.code == self.merged_into)).first()
            if successor is None or not successor.active:
                raise ValidationError(
                    {"fusionado_en": f"«{self.merged_into}» no es un organismo activo"}
                )
        entry = CatalogueEntry(
            group.code, group.name, group.kind, group.category, False, self.merged_into
        )
        return load_catalogue(session, (entry,), self.actor, _now(context))


USERNAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9._-]{1,79}")
EMAIL_PATTERN = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_CODE = re.compile(r"[a-z0-9][a-z0-9_]{1,79}")


def _require_profile(full_name: str, email: str) -> None:
    errors = {}
    if not full_name.strip():
        errors["nombre"] = "este campo es obligatorio"
    if email.strip() and not EMAIL_PATTERN.fullmatch(email.strip()):
        errors["correo"] = "no es un correo electrónico (nombre@dominio)"
    if errors:
        raise ValidationError(errors)


def administrator_session(context: CommandContext, actor: str) -> Session:
    require_can_administer_directory(load_actor(context.session, actor))
    return context.session


def _now(context: CommandContext) -> datetime:
    return context.engine.clock.now()


def _user(session: Session, username: str) -> User:
    user = session.scalars(select(User).where(User.username == username)).first()
    if user is None:
        raise NotFound(f"el usuario «{username}» no existe")
    return user


def add_user(engine: Engine, actor: str, user: NewUser, password: str) -> None:
    engine.executor.execute(AddUser(actor, user, password))


def edit_user(engine: Engine, edit: EditUser) -> None:
    engine.executor.execute(edit)


def set_groups(
    engine: Engine,
    actor: str,
    username: str,
    groups: tuple[str, ...],
    coordinates: tuple[str, ...] = (),
) -> None:
    engine.executor.execute(SetGroups(actor, username, groups, coordinates))


def deactivate_user(engine: Engine, actor: str, username: str) -> list[int]:
    """Deactivate `username`; returns the ids of their open tasks, to reassign."""
    open_tasks: list[int] = engine.executor.execute(DeactivateUser(actor, username))
    return open_tasks


def reactivate_user(engine: Engine, actor: str, username: str) -> None:
    engine.executor.execute(ReactivateUser(actor, username))


def reset_password(engine: Engine, actor: str, username: str, password: str) -> None:
    engine.executor.execute(ResetPassword(actor, username, password))


def save_organism(engine: Engine, actor: str, **fields: Any) -> CatalogueLoad:
    result: CatalogueLoad = engine.executor.execute(SaveOrganism(actor, **fields))
    return result


def deactivate_organism(
    engine: Engine, actor: str, code: str, merged_into: str | None = None
) -> CatalogueLoad:
    result: CatalogueLoad = engine.executor.execute(DeactivateOrganism(actor, code, merged_into))
    return result
