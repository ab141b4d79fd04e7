"""The Alcaldía's organisms and roles as data: `processes/directory/organisms.json`.

Loading is a synchronisation that never deletes: a code not in the database is added; a
different name is a rename (the old name is kept in `group_former_names`); `"active": false`
deactivates; `"merged_into"` names the organism that took over. Codes never change: they are
the lane names of the diagrams and the values stored in cases.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import ValidationError
from engine.people.changes import record_change
from storage.models import Group, GroupFormerName

CATALOGUE = Path(__file__).resolve().parents[2] / "processes" / "directory" / "organisms.json"
CATEGORIES = {
    "despacho": "Despacho",
    "secretaria": "Secretaría",
    "departamento_administrativo": "Departamento Administrativo",
    "unidad_administrativa_especial": "Unidad Administrativa Especial",
    "oficina": "Oficina",
}


@dataclass(frozen=True)
class CatalogueEntry:
    code: str
    name: str
    kind: str  # "organism" or "role"
    category: str = ""
    active: bool = True
    merged_into: str | None = None
    formerly: tuple[str, ...] = ()


@dataclass(frozen=True)
class CatalogueLoad:
    added: int
    renamed: int
    deactivated: int


def read_catalogue(path: Path = CATALOGUE) -> tuple[CatalogueEntry, ...]:
    """The entries of a catalogue file; a malformed one is refused whole, naming the entry."""
    return _read_catalogue(path.resolve())


@lru_cache(maxsize=4)
def _read_catalogue(path: Path) -> tuple[CatalogueEntry, ...]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise ValidationError({"catalogo": f"no se pudo leer {path.name}: {error}"}) from None
    entries: list[CatalogueEntry] = []
    for section, kind in (("organisms", "organism"), ("roles", "role")):
        for index, item in enumerate(document.get(section) or []):
            entries.append(_entry(item, kind, f"{section}.{index}"))
    codes = [entry.code for entry in entries]
    duplicated = sorted({code for code in codes if codes.count(code) > 1})
    if duplicated:
        raise ValidationError({"catalogo": f"códigos repetidos: {', '.join(duplicated)}"})
    unknown = sorted(
        {e.merged_into for e in entries if e.merged_into and e.merged_into not in codes}
    )
    if unknown:
        raise ValidationError({"catalogo": f"fusionado en un código inexistente: {unknown[0]}"})
    return tuple(entries)


def _entry(item: Any, kind: str, where: str) -> CatalogueEntry:
    if not isinstance(item, Mapping) or not item.get("code") or not item.get("name"):
        raise ValidationError({where: "cada entrada necesita «code» y «name»"})
    category = str(item.get("category") or "")
    if kind == "organism" and category not in CATEGORIES:
        raise ValidationError({where: f"categoría desconocida «{category}»"})
    merged_into = item.get("merged_into")
    return CatalogueEntry(
        code=str(item["code"]),
        name=str(item["name"]),
        kind=kind,
        category=category,
        active=bool(item.get("active", True)) and not merged_into,
        merged_into=str(merged_into) if merged_into else None,
        formerly=tuple(str(name) for name in item.get("formerly") or ()),
    )


def load_catalogue(
    session: Session,
    entries: tuple[CatalogueEntry, ...],
    actor: str,
    now: datetime | None,
) -> CatalogueLoad:
    """Bring the groups in line with `entries`; every change is recorded as a DirectoryChange."""
    groups = {group.code: group for group in session.scalars(select(Group))}
    known_former = {(row.group_id, row.name) for row in session.scalars(select(GroupFormerName))}
    added = renamed = deactivated = 0
    for entry in entries:
        group = groups.get(entry.code)
        if group is None:
            group = Group(
                code=entry.code,
                name=entry.name,
                kind=entry.kind,
                category=entry.category,
                active=entry.active,
                merged_into=entry.merged_into,
            )
            session.add(group)
            session.flush()
            added += 1
            if now is not None:
                record_change(session, now, actor, "group_added", group, None, snapshot(group))
        else:
            before = snapshot(group)
            if group.name != entry.name:
                known_former.add((group.id, group.name))
                session.add(GroupFormerName(group=group, name=group.name, replaced_at=now))
                group.name = entry.name
                renamed += 1
            if group.active and not entry.active:
                deactivated += 1
            group.active, group.merged_into = entry.active, entry.merged_into
            group.category, group.kind = entry.category, entry.kind
            if snapshot(group) != before and now is not None:
                record_change(session, now, actor, "group_updated", group, before, snapshot(group))
        for name in entry.formerly:
            if (group.id, name) not in known_former and name != group.name:
                session.add(GroupFormerName(group=group, name=name, replaced_at=None))
                known_former.add((group.id, name))
    session.flush()
    return CatalogueLoad(added, renamed, deactivated)


def snapshot(group: Group) -> dict[str, Any]:
    return {
        "code": group.code,
        "name": group.name,
        "kind": group.kind,
        "category": group.category,
        "active": group.active,
        "merged_into": group.merged_into,
    }
