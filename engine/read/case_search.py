"""The "Casos" search: every case the actor may read, found by business key, radicado or text,
filtered by procedure, state, organism, period and outcome, newest first."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from math import ceil
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from engine.authorization import Actor, visible_cases
from engine.bpm.calendar import BOGOTA
from engine.people.pickers import picker_of
from engine.read.inbox import MAX_PAGE
from storage.models import Case, Definition, Task

STATUSES = ("running", "completed", "cancelled")
# Case data fields that carry a filing number ("radicado") of the Alcaldía or of another body.
RADICADO_FIELDS = ("radicado", "radicado_concejo", "radicado_tribunal", "radicado_fuente")
MAX_TEXT = 100


def organism_fields(forms: Mapping[str, Any]) -> set[str]:
    """Top-level form fields that pick an organism (`x-directory: organism`): the organisms a
    case names, such as the producing organism of an act."""
    names: set[str] = set()
    for schema in forms.values():
        if not isinstance(schema, dict):
            continue
        for name, child in (schema.get("properties") or {}).items():
            picker = picker_of(child) if isinstance(child, dict) else None
            if picker is not None and picker.picks == "organism":
                names.add(name)
    return names


def named_organisms(forms: Mapping[str, Any], data: Mapping[str, Any]) -> set[str]:
    return {str(data[name]) for name in organism_fields(forms) if data.get(name)}


@dataclass(frozen=True)
class CaseSearch:
    text: str = ""
    procedure: str | None = None
    status: str | None = None
    organism: str | None = None
    since: date | None = None
    until: date | None = None
    outcome: str | None = None
    page: int = 1
    per_page: int = 25

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", self.text.strip()[:MAX_TEXT])
        if self.status not in STATUSES:
            object.__setattr__(self, "status", None)
        object.__setattr__(self, "page", min(max(1, self.page), MAX_PAGE))


@dataclass(frozen=True)
class FoundCase:
    business_key: str
    procedure: str
    procedure_name: str
    subject: str
    status: str
    outcome: str | None
    started_by: str
    started_at: datetime
    ended_at: datetime | None


@dataclass(frozen=True)
class CaseResults:
    rows: list[FoundCase]
    total: int
    search: CaseSearch
    outcomes: list[str]  # every outcome among the visible cases: the filter's options

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.search.per_page))


def _all_organism_fields(session: Session) -> set[str]:
    names: set[str] = set()
    for (forms,) in session.execute(select(Definition.forms)):
        names |= organism_fields(forms or {})
    return names


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=BOGOTA)


def _conditions(wanted: CaseSearch, fields: Iterable[str]) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if wanted.text:
        needle = wanted.text.lower()
        conditions.append(
            or_(
                func.lower(Case.business_key).contains(needle, autoescape=True),
                func.lower(Case.subject).contains(needle, autoescape=True),
                func.lower(func.coalesce(Case.outcome, "")).contains(needle, autoescape=True),
                *(
                    func.lower(Case.data[name].as_string()).contains(needle, autoescape=True)
                    for name in RADICADO_FIELDS
                ),
            )
        )
    if wanted.procedure:
        conditions.append(Definition.key == wanted.procedure)
    if wanted.status:
        conditions.append(Case.status == wanted.status)
    if wanted.organism:
        conditions.append(
            or_(
                Case.id.in_(select(Task.case_id).where(Task.candidate_group == wanted.organism)),
                *(Case.data[name].as_string() == wanted.organism for name in sorted(fields)),
            )
        )
    if wanted.since:
        conditions.append(Case.started_at >= _start_of(wanted.since))
    if wanted.until:
        conditions.append(Case.started_at < _start_of(wanted.until + timedelta(days=1)))
    if wanted.outcome:
        conditions.append(Case.outcome == wanted.outcome)
    return conditions


def search_cases(session: Session, actor: Actor, wanted: CaseSearch) -> CaseResults:
    fields = _all_organism_fields(session)
    visible = visible_cases(actor, fields)
    base = (
        select(Case.id)
        .join(Definition, Definition.id == Case.definition_id)
        .where(visible, *_conditions(wanted, fields))
    )
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    rows = session.execute(
        select(
            Case.business_key,
            Definition.key,
            Definition.name,
            Case.subject,
            Case.status,
            Case.outcome,
            Case.started_by,
            Case.started_at,
            Case.ended_at,
        )
        .join(Definition, Definition.id == Case.definition_id)
        .where(visible, *_conditions(wanted, fields))
        .order_by(Case.started_at.desc(), Case.id.desc())
        .limit(wanted.per_page)
        .offset((wanted.page - 1) * wanted.per_page)
    )
    outcomes = session.scalars(
        select(Case.outcome)
        .where(visible, Case.outcome.is_not(None))
        .distinct()
        .order_by(Case.outcome)
    ).all()
    return CaseResults([FoundCase(*row) for row in rows], total, wanted, [o for o in outcomes if o])
