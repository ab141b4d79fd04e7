"""Each case's user tasks as its audit trail tells them, with the quality role of their element.

A task is one round of its element: created (with its due date and assignee), then completed
(with the form data submitted) or cancelled. Reading the trail rather than the case's latest
data keeps every round apart: a decision from an earlier round never answers for a later one.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, load_only

from engine.bpm.quality_roles import FIELD, REASON_FIELD, VALUE, role_of
from storage.models import AuditEvent, Case, Definition, Group, Membership, User

TASK_ACTIONS = ("case_started", "task_created", "task_completed", "task_cancelled")


@dataclass
class TaskRecord:
    task_id: int
    element_id: str
    process: str
    name: str
    role: str | None
    properties: dict[str, str]
    created_seq: int
    created_at: datetime
    due: date | None
    assignee: str | None
    completed_seq: int | None = None
    completed_at: datetime | None = None
    data: dict[str, Any] = field(default_factory=dict)
    cancelled: bool = False

    @property
    def completed(self) -> bool:
        return self.completed_seq is not None

    @property
    def reason_field(self) -> str | None:
        return self.properties.get(REASON_FIELD)

    def has_declared_value(self) -> bool:
        """The submitted form gives the declared field its declared value (signed, granted…)."""
        name = self.properties.get(FIELD)
        return bool(name) and str(self.data.get(name or "")) == self.properties.get(VALUE)


@dataclass
class CaseHistory:
    case_id: int
    business_key: str
    procedure: str
    version: int
    elements: dict[str, dict[str, Any]]  # process key -> element id -> element
    organism: str = ""
    tasks: list[TaskRecord] = field(default_factory=list)

    def tasks_with_role(self, role: str, process: str | None = None) -> list[TaskRecord]:
        return [
            t for t in self.tasks if t.role == role and (process is None or t.process == process)
        ]

    def elements_with_role(self, role: str, process: str) -> list[tuple[str, str]]:
        return [
            (element_id, str(element.get("name") or element_id))
            for element_id, element in (self.elements.get(process) or {}).items()
            if role_of(element) == role
        ]


def case_histories(
    session: Session, version: int | None = None, among: Select[tuple[int]] | None = None
) -> Iterator[CaseHistory]:
    """The histories of the cases whose diagrams declare quality roles, case by case; only
    the cases whose ids `among` selects, when given (each history is still whole)."""
    definitions = {
        d.id: d
        for d in session.scalars(
            select(Definition).options(
                load_only(Definition.id, Definition.key, Definition.version, Definition.elements)
            )
        )
        if _declares_roles(d.elements)
    }
    if not definitions:
        return
    cases = select(Case.id, Case.business_key, Case.definition_id, Case.started_by).where(
        Case.definition_id.in_(definitions)
    )
    if version is not None:
        cases = cases.where(
            Case.definition_id.in_([i for i, d in definitions.items() if d.version == version])
        )
    if among is not None:
        cases = cases.where(Case.id.in_(among))
    rows = session.execute(cases.order_by(Case.id)).all()
    organisms = _organisms_of(session, {row.started_by for row in rows})
    histories = {
        row.id: CaseHistory(
            row.id,
            row.business_key,
            definitions[row.definition_id].key,
            definitions[row.definition_id].version,
            definitions[row.definition_id].elements,
            organisms.get(row.started_by, ""),
        )
        for row in rows
    }
    events = session.execute(
        select(
            AuditEvent.case_id,
            AuditEvent.seq,
            AuditEvent.at,
            AuditEvent.action,
            AuditEvent.element_id,
            AuditEvent.payload,
        )
        .where(AuditEvent.case_id.in_(histories), AuditEvent.action.in_(TASK_ACTIONS))
        .order_by(AuditEvent.case_id, AuditEvent.seq)
    )
    current: CaseHistory | None = None
    open_tasks: dict[int, TaskRecord] = {}
    for case_id, seq, at, action, element_id, payload in events:
        if current is None or current.case_id != case_id:
            if current is not None:
                yield current
            current, open_tasks = histories.pop(case_id), {}
        _apply(current, open_tasks, seq, at, action, element_id or "", payload or {})
    if current is not None:
        yield current
    yield from histories.values()  # cases without task events


def _declares_roles(elements: dict[str, Any]) -> bool:
    return any(role_of(e) for process in elements.values() for e in process.values())


def _organisms_of(session: Session, usernames: set[str]) -> dict[str, str]:
    """Each starter's organism (the first, by code), the fallback when no field declares it."""
    found: dict[str, str] = {}
    for username, code in session.execute(
        select(User.username, Group.code)
        .join(Membership, Membership.user_id == User.id)
        .join(Group, Group.id == Membership.group_id)
        .where(User.username.in_(usernames), Group.kind == "organism")
        .order_by(Group.code)
    ):
        found.setdefault(username, code)
    return found


def _apply(
    history: CaseHistory,
    open_tasks: dict[int, TaskRecord],
    seq: int,
    at: datetime,
    action: str,
    element_id: str,
    payload: dict[str, Any],
) -> None:
    process = str(payload.get("process") or history.procedure)
    element = (history.elements.get(process) or {}).get(element_id) or {}
    if action == "case_started":
        properties = element.get("properties") or {}
        if role_of(element) == "organismo":
            declared = (payload.get("data") or {}).get(properties.get(FIELD, ""))
            if declared:
                history.organism = str(declared)
        return
    task_id = payload.get("task")
    if not isinstance(task_id, int):
        return
    if action == "task_created":
        record = TaskRecord(
            task_id,
            element_id,
            process,
            str(element.get("name") or element_id),
            role_of(element),
            dict(element.get("properties") or {}),
            seq,
            at,
            date.fromisoformat(str(payload["due"])[:10]) if payload.get("due") else None,
            payload.get("assignee"),
        )
        open_tasks[task_id] = record
        history.tasks.append(record)
    elif (record_ := open_tasks.pop(task_id, None)) is not None:
        if action == "task_completed":
            record_.completed_seq, record_.completed_at = seq, at
            record_.data = dict(payload.get("data") or {})
        else:
            record_.cancelled = True
