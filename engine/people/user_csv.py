"""Users as a CSV file (UTF-8 with BOM, `;`-separated, Spanish headers, as Excel opens it in
es-CO): the export, and an import that is all or nothing.

An import is one executor command: every row is checked first and every bad row is reported with
its line number; if any row is bad nothing is written, so the administrator fixes the lines named
and runs the same file again (rows already right come out "sin cambios"). Importing row by row
would leave a file half applied, and which half would depend on where it stopped.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from engine.commands.executor import CommandContext
from engine.commands.facade import Engine
from engine.errors import ValidationError
from engine.people.administration import (
    EMAIL_PATTERN,
    USERNAME_PATTERN,
    administrator_session,
)
from engine.people.changes import record_change
from engine.people.directory import NO_LOCAL_PASSWORD
from engine.people.memberships import (
    ADMINISTRATORS,
    require_valid_groups,
    set_memberships,
    user_view,
)
from storage.models import Membership, User

HEADERS = ("usuario", "nombre", "correo", "cargo", "grupos", "coordina", "activo")
# `activo` may be left out (everyone active); any other missing column would blank that field.
REQUIRED_HEADERS = HEADERS[:-1]
_YES, _NO = ("sí", "si", "s", "1", "x", "true"), ("no", "n", "0", "false")
_CODE_SEPARATORS = re.compile(r"[,|\s]+")


@dataclass(frozen=True)
class UserRow:
    line: int
    username: str
    full_name: str
    email: str
    position: str
    groups: tuple[str, ...]
    coordinates: tuple[str, ...]
    active: bool


@dataclass(frozen=True)
class RowOutcome:
    line: int
    username: str
    outcome: str  # "nuevo", "actualizado", "sin cambios"


def users_csv(session: Session) -> str:
    """Every user, active or not, by username; the import reads this same format back."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADERS)
    users = session.scalars(
        select(User)
        .options(selectinload(User.memberships).selectinload(Membership.group))
        .order_by(User.username)
    )
    for user in users:
        view = user_view(user)
        writer.writerow(
            (
                user.username, user.full_name, user.email, user.position,
                ",".join(view["groups"]), ",".join(view["coordinates"]),
                "sí" if user.active else "no",
            )
        )  # fmt: skip
    return out.getvalue()


def read_user_rows(text: str) -> list[UserRow]:
    """The rows of a CSV file (`;` or `,` separated); ValidationError names every bad line."""
    text = text.removeprefix("\ufeff")
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [name.strip().lower() for name in next(reader, [])]
    missing = [name for name in REQUIRED_HEADERS if name not in header]
    unknown = [name for name in header if name not in HEADERS]
    if missing or unknown:
        problems = [f"faltan las columnas {', '.join(missing)}"] if missing else []
        problems += [f"columnas desconocidas: {', '.join(unknown)}"] if unknown else []
        raise ValidationError(
            {"línea 1": "; ".join(problems) + f" (columnas: {';'.join(HEADERS)})"}
        )
    rows: list[UserRow] = []
    errors: dict[str, str] = {}
    for values in reader:
        line = reader.line_num
        if not any(value.strip() for value in values):
            continue
        if len(values) > len(header):
            errors[f"línea {line}"] = f"tiene {len(values)} valores y hay {len(header)} columnas"
            continue
        cell = dict(zip(header, (value.strip() for value in values), strict=False))
        active_text = cell.get("activo", "").lower()
        if active_text and active_text not in _YES + _NO:
            errors[f"línea {line}"] = f"activo debe ser «sí» o «no», no «{cell['activo']}»"
            continue
        rows.append(
            UserRow(
                line, cell.get("usuario", ""), cell.get("nombre", ""), cell.get("correo", ""),
                cell.get("cargo", ""), _codes(cell.get("grupos", "")),
                _codes(cell.get("coordina", "")), active_text not in _NO,
            )
        )  # fmt: skip
    if errors:
        raise ValidationError(errors)
    return rows


@dataclass(frozen=True)
class ImportUsers:
    """Add the new users (without a local password: they sign in with the directory) and
    update the existing ones; `dry_run` checks and reports without writing anything."""

    actor: str
    rows: tuple[UserRow, ...]
    dry_run: bool = False

    def execute(self, context: CommandContext) -> list[RowOutcome]:
        session = administrator_session(context, self.actor)
        existing = {
            user.username: user
            for user in session.scalars(
                select(User)
                .where(User.username.in_([row.username for row in self.rows]))
                .options(selectinload(User.memberships).selectinload(Membership.group))
            )
        }
        errors: dict[str, str] = {}
        seen: dict[str, int] = {}
        for row in self.rows:
            problem = self._problem(session, row, seen)
            if problem:
                errors[f"línea {row.line}"] = f"{row.username or '(sin usuario)'}: {problem}"
            seen.setdefault(row.username, row.line)
        if errors:
            raise ValidationError(errors)
        outcomes = [self._outcome(existing.get(row.username), row) for row in self.rows]
        if not self.dry_run:
            now = context.engine.clock.now()
            for row, outcome in zip(self.rows, outcomes, strict=True):
                if outcome.outcome != "sin cambios":
                    self._apply(session, existing.get(row.username), row, now)
        return outcomes

    def _problem(self, session: Session, row: UserRow, seen: dict[str, int]) -> str | None:
        if not USERNAME_PATTERN.fullmatch(row.username):
            return "usuario: use minúsculas, dígitos, punto, guion (2 a 80)"
        if row.username in seen:
            return f"usuario repetido (ya está en la línea {seen[row.username]})"
        if not row.full_name:
            return "nombre: este campo es obligatorio"
        if row.email and not EMAIL_PATTERN.fullmatch(row.email):
            return f"correo: «{row.email}» no es un correo electrónico"
        if row.username == self.actor and not row.active:
            return "un administrador no puede desactivarse a sí mismo"
        if row.username == self.actor and ADMINISTRATORS not in row.groups:
            return f"un administrador no puede quitarse el grupo {ADMINISTRATORS}"
        try:
            require_valid_groups(session, row.groups, row.coordinates)
        except ValidationError as error:
            return "; ".join(f"{name}: {text}" for name, text in error.field_errors.items())
        return None

    @staticmethod
    def _outcome(user: User | None, row: UserRow) -> RowOutcome:
        if user is None:
            return RowOutcome(row.line, row.username, "nuevo")
        changed = user_view(user) != _view_of(row)
        return RowOutcome(row.line, row.username, "actualizado" if changed else "sin cambios")

    def _apply(self, session: Session, user: User | None, row: UserRow, now: Any) -> None:
        before = user_view(user) if user is not None else None
        if user is None:
            user = User(username=row.username, password_hash=NO_LOCAL_PASSWORD)
            session.add(user)
        elif user.active and not row.active:
            user.session_generation += 1  # a user who leaves is signed out everywhere
        user.full_name, user.email, user.position = row.full_name, row.email, row.position
        user.active = row.active
        session.flush()
        set_memberships(session, user, row.groups, row.coordinates)
        record_change(session, now, self.actor, "user_imported", user, before, user_view(user))


def _view_of(row: UserRow) -> dict[str, Any]:
    return {
        "username": row.username,
        "full_name": row.full_name,
        "email": row.email,
        "position": row.position,
        "active": row.active,
        "groups": sorted(set(row.groups)),
        "coordinates": sorted(set(row.coordinates)),
    }


def _codes(value: str) -> tuple[str, ...]:
    return tuple(code for code in _CODE_SEPARATORS.split(value) if code)


def import_users(
    engine: Engine, actor: str, rows: list[UserRow], *, dry_run: bool = False
) -> list[RowOutcome]:
    result: list[RowOutcome] = engine.executor.execute(ImportUsers(actor, tuple(rows), dry_run))
    return result
