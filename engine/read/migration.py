"""The dry run of a migration: which running cases would move to another version, and why not.

Reads only; the batch (`engine.commands.migration.MigrateCase`) checks each case again under its
lock, with the same `engine.bpm.migration.migration_refusals`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.bpm import spiff_state
from engine.bpm.definition_cache import DefinitionCache
from engine.bpm.migration import active_elements, migration_refusals
from engine.errors import NotFound
from storage.models import Case, Definition


@dataclass(frozen=True)
class CaseCheck:
    """One case of a migration: where it is, and the reasons it cannot move (none: it can)."""

    business_key: str
    subject: str
    from_version: int | None
    to_version: int
    at: tuple[str, ...] = ()
    refusals: tuple[str, ...] = ()

    @property
    def migratable(self) -> bool:
        return not self.refusals


@dataclass(frozen=True)
class MigrationReport:
    key: str
    to_version: int
    dry_run: bool
    cases: list[CaseCheck] = field(default_factory=list)

    @property
    def migrated(self) -> list[CaseCheck]:
        """Moved (or, in a dry run, that would move)."""
        return [case for case in self.cases if case.migratable]

    @property
    def refused(self) -> list[CaseCheck]:
        return [case for case in self.cases if not case.migratable]

    def summary(self) -> dict[str, object]:
        """What the workbench log keeps: the cases moved (or movable) and the refused, why."""
        return {
            "migrated": [c.business_key for c in self.migrated],
            "refused": {c.business_key: list(c.refusals) for c in self.refused},
        }


def target_definition(session: Session, key: str, version: int) -> Definition:
    found = session.scalars(
        select(Definition).where(Definition.key == key, Definition.version == version)
    ).first()
    if found is None:
        raise NotFound(f"el procedimiento '{key}' no tiene versión {version}")
    return found


def candidate_cases(
    session: Session,
    key: str,
    to_version: int,
    from_version: int | None = None,
    business_keys: Sequence[str] = (),
) -> list[str]:
    """The business keys a migration considers: the running cases of `key` on another version
    (only `from_version`'s, if given), or exactly the cases named."""
    target_definition(session, key, to_version)
    if business_keys:
        return list(dict.fromkeys(business_keys))
    query = (
        select(Case.business_key)
        .join(Definition, Definition.id == Case.definition_id)
        .where(Definition.key == key, Case.status == "running", Definition.version != to_version)
        .order_by(Case.id)
    )
    if from_version is not None:
        query = query.where(Definition.version == from_version)
    return list(session.scalars(query))


def case_summaries(session: Session, business_keys: Sequence[str]) -> dict[str, tuple[str, int]]:
    """Subject and version of each named case that exists."""
    rows = session.execute(
        select(Case.business_key, Case.subject, Definition.version)
        .join(Definition, Definition.id == Case.definition_id)
        .where(Case.business_key.in_(business_keys))
    )
    return {row.business_key: (row.subject, row.version) for row in rows}


def check_case(
    session: Session, definitions: DefinitionCache, business_key: str, key: str, to_version: int
) -> CaseCheck:
    """Whether the case could move to version `to_version` of `key` now, in plain words."""
    case = session.scalars(select(Case).where(Case.business_key == business_key)).first()
    if case is None:
        return CaseCheck(business_key, "", None, to_version, refusals=("el caso no existe",))
    source = definitions.get(session, case.definition_id)
    target = definitions.get(session, target_definition(session, key, to_version).id)
    refusals = case_refusals(case, source.key, source.version, key, to_version)
    at: tuple[str, ...] = ()
    if not refusals:
        workflow = spiff_state.load_workflow(case.state, source.spec, case=business_key)
        at = tuple(
            str(source.elements.get(process, {}).get(element, {}).get("name") or element)
            for process, element in active_elements(workflow)
        )
        refusals = migration_refusals(workflow, source, target)
    return CaseCheck(business_key, case.subject, source.version, to_version, at, tuple(refusals))


def case_refusals(
    case: Case, source_key: str, source_version: int, key: str, to_version: int
) -> list[str]:
    if source_key != key:
        return [f"el caso es del procedimiento {source_key}, no de {key}"]
    if case.status != "running":
        words = {"completed": "terminado", "cancelled": "anulado"}
        return [
            f"el caso está {words.get(case.status, case.status)}: solo se migran casos en curso"
        ]
    if source_version == to_version:
        return [f"el caso ya está en la versión {to_version}"]
    return []
