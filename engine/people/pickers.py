"""Form fields that pick from the directory, and their server-side check.

A JSON Schema property declares what it picks with the extension keyword `x-directory`:

    "x-directory": "organism"                       an active organism (its code)
    "x-directory": "person"                         an active user (its username)
    "x-directory": {"person_of_group": "dagjp"}     an active member of that group

The schema itself stays a plain string; the choices come from the directory when the form is
shown and are checked here when it is submitted. Old cases are never re-checked, so an organism
deactivated later still displays in the cases that named it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, bindparam, select
from sqlalchemy.orm import Session

from storage.database import execute
from storage.driver import Prepared
from storage.models import Group, Membership, User

KEYWORD = "x-directory"


@dataclass(frozen=True)
class Picker:
    picks: str  # "organism" or "person"
    group: str | None = None  # person_of_group


def picker_of(schema: Mapping[str, Any]) -> Picker | None:
    """What a property picks, or None for an ordinary field (a malformed value is the linter's)."""
    spec = schema.get(KEYWORD)
    if spec in ("organism", "person"):
        return Picker(str(spec))
    if isinstance(spec, Mapping) and isinstance(spec.get("person_of_group"), str):
        return Picker("person", str(spec["person_of_group"]))
    return None


def picker_problems(schema: Mapping[str, Any], known_groups: frozenset[str]) -> list[str]:
    """The linter's complaints about `x-directory` declarations, one per bad property."""
    problems = []
    for path, child in _declarations(schema, ""):
        picker = picker_of(child)
        if picker is None:
            problems.append(
                f'el campo \'{path}\' declara {KEYWORD} inválido: use "organism", "person" '
                'o {"person_of_group": "<grupo>"}'
            )
        elif picker.group is not None and picker.group not in known_groups:
            problems.append(
                f"el campo '{path}' pide personas del grupo desconocido '{picker.group}'"
            )
    return problems


# Built once (a form with a person field is checked at every submission); plain columns.
_GROUPS = Prepared(
    select(Group.code, Group.name, Group.kind, Group.active, Group.merged_into).where(
        Group.code.in_(bindparam("codes", expanding=True))
    )
)
_USERS = Prepared(
    select(User.username, User.full_name, User.active).where(
        User.username.in_(bindparam("usernames", expanding=True))
    )
)
_MEMBERS = Prepared(
    select(User.username, Group.code)
    .join(Membership, Membership.user_id == User.id)
    .join(Group, Group.id == Membership.group_id)
    .where(
        User.username.in_(bindparam("usernames", expanding=True)),
        Group.code.in_(bindparam("codes", expanding=True)),
    )
)


def directory_field_errors(
    session: Session, schema: Mapping[str, Any] | None, data: Any
) -> dict[str, str]:
    """Field errors (in Spanish) for picked organisms and people that do not exist, are
    inactive, or are not members of the group the field asks for."""
    picked = list(_picked(schema or {}, data, ""))
    if not picked:
        return {}
    codes = {value for _, picker, value in picked if picker.picks == "organism"}
    usernames = {value for _, picker, value in picked if picker.picks == "person"}
    wanted_groups = {picker.group for _, picker, _ in picked if picker.group}
    # Only the lookups a form needs: a person field costs one SELECT, an organism field one.
    groups = {
        g.code: g for g in execute(session, _GROUPS, {"codes": sorted(codes | wanted_groups)})
    } if codes or wanted_groups else {}  # fmt: skip
    users = {
        u.username: u for u in execute(session, _USERS, {"usernames": sorted(usernames)})
    } if usernames else {}  # fmt: skip
    members = {
        (row.username, row.code)
        for row in execute(
            session, _MEMBERS, {"usernames": sorted(usernames), "codes": sorted(wanted_groups)}
        )
    } if wanted_groups else set()  # fmt: skip
    group_names = {code: group.name for code, group in groups.items()}
    errors: dict[str, str] = {}
    for path, picker, value in picked:
        if picker.picks == "organism":
            message = _organism_error(groups.get(value), value)
        else:
            message = _person_error(users.get(value), value, picker.group, members, group_names)
        if message:
            errors[path] = message
    return errors


def _organism_error(group: Row[Any] | None, code: str) -> str | None:
    if group is None or group.kind != "organism":
        return f"el organismo «{code}» no existe en el directorio"
    if not group.active:
        successor = f" (sus funciones pasaron a «{group.merged_into}»)" if group.merged_into else ""
        return f"el organismo «{group.name}» está inactivo y no puede elegirse{successor}"
    return None


def _person_error(
    user: Row[Any] | None,
    username: str,
    group: str | None,
    members: set[tuple[str, str]],
    group_names: Mapping[str, str],
) -> str | None:
    if user is None:
        return f"la persona «{username}» no existe en el directorio"
    if not user.active:
        return f"{user.full_name} ({username}) está inactivo(a) y no puede elegirse"
    if group is not None and (username, group) not in members:
        return f"{user.full_name} no pertenece a {group_names.get(group, group)}"
    return None


def _picked(schema: Mapping[str, Any], data: Any, prefix: str) -> Iterator[tuple[str, Picker, str]]:
    if not isinstance(data, Mapping):
        return
    for name, child in (schema.get("properties") or {}).items():
        if not isinstance(child, Mapping) or name not in data:
            continue
        value, path = data[name], f"{prefix}{name}"
        picker = picker_of(child)
        if picker is not None and isinstance(value, str) and value:
            yield path, picker, value
        elif child.get("type") == "object":
            yield from _picked(child, value, path + ".")
        elif isinstance(child.get("items"), Mapping) and isinstance(value, list):
            items = child["items"]
            for index, item in enumerate(value):
                if picker_of(items) is not None and isinstance(item, str) and item:
                    yield f"{path}.{index}", picker_of(items) or Picker("person"), item
                else:
                    yield from _picked(items, item, f"{path}.{index}.")


def _declarations(
    schema: Mapping[str, Any], prefix: str
) -> Iterator[tuple[str, Mapping[str, Any]]]:
    for name, child in (schema.get("properties") or {}).items():
        if not isinstance(child, Mapping):
            continue
        path = f"{prefix}{name}"
        if KEYWORD in child:
            yield path, child
        if isinstance(child.get("items"), Mapping):
            items = child["items"]
            if KEYWORD in items:
                yield path, items
            yield from _declarations(items, path + ".#.")
        yield from _declarations(child, path + ".")
