"""Read side of the task page, the case page, "Mis casos" and "Iniciar trámite".

Queries never change anything; each one checks who may see what through `engine.authorization`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from math import ceil
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from engine.authorization import (
    Actor,
    can_reassign,
    can_release,
    can_view_task,
    can_work_on,
)
from engine.bpm.bpmn_xml import with_lane_labels
from engine.bpm.deployment import latest_definitions, start_element
from engine.bpm.instructions import InstructionsError, RenderedInstructions
from engine.bpm.instructions import render as render_instructions
from engine.bpm.unavailable_options import unavailable_options
from engine.errors import Forbidden, NotFound
from engine.read.case_access import case_access
from engine.read.case_timeline import TimelineEntry, TimelineEvent, fold
from engine.read.diagram_marks import active_shapes
from engine.read.inbox import MAX_PAGE
from engine.read.prefill import prefilled
from engine.read.wording import for_officials, step_names
from storage.models import Attachment, AuditEvent, Case, Definition, Group, Membership, Task, User


@dataclass(frozen=True)
class FormSpec:
    """A form's JSON Schema and its UI schema (order, widgets)."""

    schema: dict[str, Any]
    ui: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SubmittedForm:
    """A form already sent in the case: shown read-only as the case's context."""

    title: str
    by: str
    at: datetime
    form: FormSpec | None
    data: dict[str, Any]
    # The form's key (its schema file without ".schema.json": "P001.F001"), None without one.
    form_key: str | None = None


@dataclass(frozen=True)
class Person:
    username: str
    full_name: str


@dataclass(frozen=True)
class TaskDetail:
    id: int
    name: str
    element_id: str
    state: str
    group: str | None
    group_name: str | None
    assignee: str | None
    due: Any
    created_at: datetime
    completed_by: str | None
    business_key: str
    subject: str
    procedure: str
    procedure_name: str
    version: int
    # The BPMN instructions rendered over the case's data: Markdown, and its sanitized HTML;
    # `instructions_error` says why they could not be rendered (then both are empty).
    instructions: str
    instructions_html: str
    instructions_error: str | None
    documentation: str
    form: FormSpec | None
    may_work: bool
    may_claim: bool
    may_release: bool
    may_reassign: bool
    reassign_candidates: list[Person]
    context: list[SubmittedForm]
    attachment_ids: dict[str, int]
    # What an open task's form starts with, from the case data (`engine.read.prefill`).
    prefill: dict[str, Any]
    # The absent user's name when the task reaches the actor only as their substitute.
    on_behalf_of: str | None = None
    # The options the case rules out, by field path, with why (`engine.bpm.unavailable_options`).
    unavailable: dict[str, dict[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class CurrentTask:
    id: int
    name: str
    element_id: str
    group: str | None
    group_name: str | None
    assignee: str | None
    assignee_name: str | None
    due: Any


@dataclass(frozen=True)
class AttachmentInfo:
    id: int
    filename: str
    content_type: str
    size: int
    field: str
    uploaded_by: str
    uploaded_at: datetime
    sha256: str


@dataclass(frozen=True)
class CaseDetail:
    business_key: str
    subject: str
    procedure: str
    procedure_name: str
    version: int
    status: str
    outcome: str | None
    started_by: str
    started_by_name: str
    started_at: datetime
    ended_at: datetime | None
    last_error: str | None
    current_tasks: list[CurrentTask]
    timeline: list[TimelineEntry]
    attachments: list[AttachmentInfo]
    # Element ids for the diagram's marks; the steps' names for people.
    completed_elements: list[str]
    active_elements: list[str]
    completed_steps: list[str]
    active_steps: list[str]
    context: list[SubmittedForm]
    attachment_ids: dict[str, int]


@dataclass(frozen=True)
class AttachmentFile:
    filename: str
    content_type: str
    content: bytes


@dataclass(frozen=True)
class CaseRow:
    business_key: str
    procedure: str
    procedure_name: str
    subject: str
    status: str
    started_by: str
    started_at: datetime
    ended_at: datetime | None
    outcome: str | None = None


@dataclass(frozen=True)
class CasePage:
    rows: list[CaseRow]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.per_page))


@dataclass(frozen=True)
class Startable:
    key: str
    name: str
    version: int
    description: str
    form: FormSpec | None


# Actions whose element is a step the case went through (highlighted on the diagram).
_PASSED_ACTIONS = ("case_started", "element_completed", "task_completed")


def task_detail(session: Session, actor: Actor, task_id: int) -> TaskDetail:
    """The task page: instructions, form, the case's earlier forms, what the actor may do."""
    task = session.get(Task, task_id)
    if task is None:
        raise NotFound(f"la tarea {task_id} no existe")
    if not (can_view_task(actor, task) or task.completed_by == actor.username):
        raise Forbidden(f"{actor.username} no puede ver la tarea {task_id}")
    case = task.case
    definition = case.definition
    element = _element(definition, task.element_id)
    is_open = task.state == "open"
    absentee = actor.absentee_for(task.assignee, task.candidate_group)
    instructions, instructions_error = _instructions(element, case)
    form = _form(definition, element)
    return TaskDetail(
        id=task.id,
        name=task.name,
        element_id=task.element_id,
        state=task.state,
        group=task.candidate_group,
        group_name=_group_names(session, [task.candidate_group]).get(task.candidate_group or ""),
        assignee=task.assignee,
        due=task.due_date,
        created_at=task.created_at,
        completed_by=task.completed_by,
        business_key=case.business_key,
        subject=case.subject,
        procedure=definition.key,
        procedure_name=definition.name,
        version=definition.version,
        instructions=instructions.markdown,
        instructions_html=instructions.html,
        instructions_error=instructions_error,
        documentation=for_officials(str(element.get("documentation") or "")),
        form=form,
        may_work=is_open and can_work_on(actor, task),
        may_claim=is_open and task.assignee is None and can_work_on(actor, task),
        may_release=is_open and task.assignee is not None and can_release(actor, task),
        may_reassign=is_open and can_reassign(actor, task),
        reassign_candidates=(
            _members(session, task.candidate_group) if is_open and can_reassign(actor, task) else []
        ),
        context=_submitted_forms(session, case, exclude_task=task.id),
        attachment_ids=_attachment_ids(session, case.id),
        prefill=prefilled(form.schema, case.data or {}) if form and is_open else {},
        on_behalf_of=absentee.full_name if is_open and absentee else None,
        unavailable=unavailable_options(form.schema, case.data or {}) if form and is_open else {},
    )


def case_detail(session: Session, actor: Actor, business_key: str) -> CaseDetail:
    """The case page: header, who holds what now, the timeline, files and the diagram's marks."""
    case = _visible_case(session, actor, business_key)
    definition = case.definition
    tasks = session.scalars(select(Task).where(Task.case_id == case.id).order_by(Task.id)).all()
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.case_id == case.id).order_by(AuditEvent.seq)
    ).all()
    open_tasks = [t for t in tasks if t.state == "open"]
    names = _full_names(
        session,
        [
            case.started_by,
            *(e.actor for e in events),
            *(t.assignee for t in open_tasks if t.assignee),
        ],
    )
    groups = _group_names(session, [t.candidate_group for t in open_tasks])
    completed: list[str] = []
    for event in events:
        if (
            event.action in _PASSED_ACTIONS
            and event.element_id
            and event.element_id not in completed
            and not (event.payload or {}).get("process")  # a called process's element
        ):
            completed.append(event.element_id)
    own_elements = definition.elements.get(definition.key, {})
    return CaseDetail(
        business_key=case.business_key,
        subject=case.subject,
        procedure=definition.key,
        procedure_name=definition.name,
        version=definition.version,
        status=case.status,
        outcome=case.outcome,
        started_by=case.started_by,
        started_by_name=names.get(case.started_by, case.started_by),
        started_at=case.started_at,
        ended_at=case.ended_at,
        last_error=case.last_error,
        current_tasks=[
            CurrentTask(
                t.id,
                t.name,
                t.element_id,
                t.candidate_group,
                groups.get(t.candidate_group or ""),
                t.assignee,
                names.get(t.assignee, t.assignee) if t.assignee else None,
                t.due_date,
            )
            for t in open_tasks
        ],
        timeline=fold(
            [
                TimelineEvent(
                    seq=e.seq,
                    at=e.at,
                    actor=e.actor,
                    actor_name=names.get(e.actor, e.actor),
                    action=e.action,
                    element_id=e.element_id,
                    element_name=_element_name(definition, e),
                    payload=e.payload,
                )
                for e in events
            ]
        ),
        attachments=[
            AttachmentInfo(
                a.id,
                a.filename,
                a.content_type,
                a.size,
                a.field,
                a.uploaded_by,
                a.uploaded_at,
                a.sha256,
            )
            for a in session.scalars(
                select(Attachment).where(Attachment.case_id == case.id).order_by(Attachment.id)
            )
        ],
        completed_elements=completed,
        active_elements=active_shapes(
            definition.elements, definition.key, [t.element_id for t in open_tasks]
        ),
        completed_steps=step_names(own_elements, completed),
        active_steps=list(dict.fromkeys(t.name for t in open_tasks)),
        context=_submitted_forms(session, case),
        attachment_ids=_attachment_ids(session, case.id),
    )


def case_diagram(session: Session, actor: Actor, business_key: str) -> str:
    """The BPMN XML of the version the case runs on, its lanes named by their organisms."""
    definition = _visible_case(session, actor, business_key).definition
    lanes = [e.get("lane") for e in definition.elements.get(definition.key, {}).values()]
    return with_lane_labels(definition.bpmn_xml, _group_names(session, lanes))


def attachment_file(
    session: Session, actor: Actor, business_key: str, attachment_id: int
) -> AttachmentFile:
    case = _visible_case(session, actor, business_key)
    row = session.scalars(
        select(Attachment).where(Attachment.case_id == case.id, Attachment.id == attachment_id)
    ).first()
    if row is None:
        raise NotFound(f"el adjunto {attachment_id} no existe en el caso {business_key}")
    return AttachmentFile(row.filename, row.content_type, row.content)


def _attachment_ids(session: Session, case_id: int) -> dict[str, int]:
    """sha256 -> id of the case's stored files: what a form's reference links to."""
    ids: dict[str, int] = {}
    for sha256, attachment_id in session.execute(
        select(Attachment.sha256, Attachment.id)
        .where(Attachment.case_id == case_id)
        .order_by(Attachment.id)
    ):
        ids.setdefault(sha256, attachment_id)
    return ids


def my_cases(session: Session, actor: Actor, page: int = 1, per_page: int = 25) -> CasePage:
    """Cases the actor started or took part in (acted on, or holds a task of), newest first."""
    page = min(max(1, page), MAX_PAGE)
    took_part = or_(
        Case.started_by == actor.username,
        Case.id.in_(select(AuditEvent.case_id).where(AuditEvent.actor == actor.username)),
        Case.id.in_(
            select(Task.case_id).where(
                or_(Task.assignee == actor.username, Task.completed_by == actor.username)
            )
        ),
    )
    total = session.scalar(select(func.count(Case.id)).where(took_part)) or 0
    rows = session.execute(
        select(
            Case.business_key,
            Definition.key,
            Definition.name,
            Case.subject,
            Case.status,
            Case.started_by,
            Case.started_at,
            Case.ended_at,
            Case.outcome,
        )
        .join(Definition, Definition.id == Case.definition_id)
        .where(took_part)
        .order_by(Case.started_at.desc(), Case.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    return CasePage([CaseRow(*row) for row in rows], total, page, per_page)


def startable_procedures(session: Session, actor: Actor) -> list[Startable]:
    """The latest version of every procedure whose start event's lane group includes the actor."""
    latest = latest_definitions(session)
    found = []
    for key in sorted(latest):
        definition = latest[key]
        start = start_element(definition)
        if actor.is_admin or actor.belongs_to(start.get("lane")):
            found.append(
                Startable(
                    key=key,
                    name=definition.name,
                    version=definition.version,
                    description=for_officials(str(start.get("documentation") or "")),
                    form=_form(definition, start),
                )
            )
    return found


def startable(session: Session, actor: Actor, key: str) -> Startable:
    for procedure in startable_procedures(session, actor):
        if procedure.key == key:
            return procedure
    if session.scalar(select(func.count(Definition.id)).where(Definition.key == key)):
        raise Forbidden(f"{actor.username} no puede iniciar {key}")
    raise NotFound(f"el procedimiento '{key}' no está desplegado")


# -- helpers -----------------------------------------------------------------------------------


def _visible_case(session: Session, actor: Actor, business_key: str) -> Case:
    case = session.scalars(select(Case).where(Case.business_key == business_key)).first()
    if case is None:
        raise NotFound(f"el caso {business_key} no existe")
    case_access(session, case).require_view(actor)
    return case


def _element_name(definition: Definition, event: AuditEvent) -> str | None:
    """The name of an event's element, looked up in the process that holds it (the case's own
    procedure, or the called process the event names)."""
    key = str((event.payload or {}).get("process") or definition.key)
    element = definition.elements.get(key, {}).get(event.element_id or "") or {}
    return str(element.get("name") or "") or None


def _element(definition: Definition, element_id: str) -> dict[str, Any]:
    for process in definition.elements.values():
        if element_id in process:
            return dict(process[element_id])
    return {"id": element_id, "properties": {}}


def _instructions(element: dict[str, Any], case: Case) -> tuple[RenderedInstructions, str | None]:
    """The element's instructions over the case data (what the task's form sees)."""
    try:
        return render_instructions(str(element.get("instructions") or ""), case.data or {}), None
    except InstructionsError as error:
        return RenderedInstructions("", ""), str(error)


def _form(definition: Definition, element: dict[str, Any]) -> FormSpec | None:
    properties = element.get("properties") or {}
    schema = definition.forms.get(properties.get("formJsonSchemaFilename") or "")
    if not schema:
        return None
    ui = definition.forms.get(properties.get("formUiSchemaFilename") or "") or {}
    return FormSpec(schema, ui)


_SCHEMA_SUFFIX = ".schema.json"


def form_key_of(element: dict[str, Any]) -> str | None:
    """The key of an element's form: its schema file without the suffix ("P001.F001")."""
    filename = str((element.get("properties") or {}).get("formJsonSchemaFilename") or "")
    if not filename:
        return None
    return filename.removesuffix(_SCHEMA_SUFFIX)


def _submitted_forms(
    session: Session, case: Case, exclude_task: int | None = None
) -> list[SubmittedForm]:
    definition = case.definition
    forms: list[SubmittedForm] = []
    started = session.scalars(
        select(AuditEvent).where(AuditEvent.case_id == case.id, AuditEvent.action == "case_started")
    ).first()
    if started is not None:
        start = _element(definition, started.element_id or "")
        forms.append(
            SubmittedForm(
                title=str(start.get("name") or "Inicio del trámite"),
                by=started.actor,
                at=started.at,
                form=_form(definition, start),
                data=dict(started.payload.get("data") or {}),
                form_key=form_key_of(start),
            )
        )
    for task in session.scalars(
        select(Task)
        .where(Task.case_id == case.id, Task.state == "completed")
        .order_by(Task.completed_at, Task.id)
    ):
        if task.id == exclude_task:
            continue
        element = _element(definition, task.element_id)
        forms.append(
            SubmittedForm(
                title=task.name,
                by=task.completed_by or "",
                at=task.completed_at or task.created_at,
                form=_form(definition, element),
                data=dict(task.data or {}),
                form_key=form_key_of(element),
            )
        )
    return forms


def _members(session: Session, group: str | None) -> list[Person]:
    if group is None:
        return []
    return [
        Person(username, full_name)
        for username, full_name in session.execute(
            select(User.username, User.full_name)
            .join(Membership, Membership.user_id == User.id)
            .join(Group, Group.id == Membership.group_id)
            .where(Group.code == group, User.active.is_(True))
            .order_by(User.full_name)
        )
    ]


def _full_names(session: Session, usernames: Iterable[str]) -> dict[str, str]:
    wanted = set(usernames)
    if not wanted:
        return {}
    return {
        username: name
        for username, name in session.execute(
            select(User.username, User.full_name).where(User.username.in_(sorted(wanted)))
        )
    }


def _group_names(session: Session, codes: Iterable[str | None]) -> dict[str, str]:
    wanted = {code for code in codes if code}
    if not wanted:
        return {}
    return {
        code: name
        for code, name in session.execute(
            select(Group.code, Group.name).where(Group.code.in_(sorted(wanted)))
        )
    }


def full_names(session: Session, usernames: Iterable[str]) -> dict[str, str]:
    """Display names for usernames (unknown ones are left out)."""
    return _full_names(session, usernames)
