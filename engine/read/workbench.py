"""What the analysts' workbench shows: the library of procedures, drafts, bundles, diffs.

Reads only; whoever calls these has passed `require_can_use_workbench`.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.bpm.bpmn_xml import executable_processes, parse_xml, process_elements
from engine.bpm.conventions import DYNAMIC_LANES
from engine.bpm.diff import DefinitionDiff, diff_definitions
from engine.bpm.drafts import LintProblem, lint_draft
from engine.bpm.form_lint import SCHEMA_SUFFIX, check_form_source, ui_name_for
from engine.bpm.form_lint import FormCheck as FormCheck  # re-exported: the web reads it
from engine.errors import InvalidDefinition, NotFound
from engine.people.directory import known_group_codes
from storage.models import Case, Definition, Draft, DraftRevision, Group, WorkbenchEvent


@dataclass(frozen=True)
class VersionRow:
    key: str
    version: int
    name: str
    deployed_by: str
    deployed_at: datetime
    sha256: str
    running_cases: int


@dataclass(frozen=True)
class DraftRow:
    id: int
    key: str
    base_version: int | None
    revision: int
    created_by: str
    saved_by: str
    saved_at: datetime


@dataclass(frozen=True)
class ProcedureRow:
    key: str
    name: str
    versions: list[VersionRow]  # newest first
    drafts: list[DraftRow]


@dataclass(frozen=True)
class DraftContent:
    """A draft (or one of its revisions) with what the modeler and the linter need."""

    id: int
    key: str
    base_version: int | None
    revision: int
    bpmn_xml: str
    forms: dict[str, Any]
    saved_by: str
    saved_at: datetime
    deployed_version: int | None


def library(session: Session) -> list[ProcedureRow]:
    """Every deployed procedure with its versions (running cases each) and its open drafts."""
    running = dict(
        session.execute(
            select(Case.definition_id, func.count())
            .where(Case.status == "running")
            .group_by(Case.definition_id)
        ).all()
    )
    columns = (
        Definition.id,
        Definition.key,
        Definition.version,
        Definition.name,
        Definition.deployed_by,
        Definition.deployed_at,
        Definition.sha256,
    )
    versions: dict[str, list[VersionRow]] = {}
    names: dict[str, str] = {}
    for row in session.execute(
        select(*columns).order_by(Definition.key, Definition.version.desc())
    ):
        versions.setdefault(row.key, []).append(
            VersionRow(
                row.key,
                row.version,
                row.name,
                row.deployed_by,
                row.deployed_at,
                row.sha256,
                int(running.get(row.id, 0)),
            )
        )
        names.setdefault(row.key, row.name)
    drafts: dict[str, list[DraftRow]] = {}
    for draft in session.scalars(
        select(Draft).where(Draft.deployed_version.is_(None)).order_by(Draft.id)
    ):
        drafts.setdefault(draft.key, []).append(
            DraftRow(
                draft.id,
                draft.key,
                draft.base_version,
                draft.revision,
                draft.created_by,
                draft.saved_by,
                draft.saved_at,
            )
        )
    return [
        ProcedureRow(key, names[key], versions[key], drafts.get(key, []))
        for key in sorted(versions)
    ]


def definition_version(session: Session, key: str, version: int) -> Definition:
    found = session.scalars(
        select(Definition).where(Definition.key == key, Definition.version == version)
    ).first()
    if found is None:
        raise NotFound(f"el procedimiento '{key}' no tiene versión {version}")
    return found


def bundle_zip(session: Session, key: str, version: int) -> tuple[str, bytes]:
    """The version's BPMN and forms as a zip (`<key>.bpmn`, `forms/<name>.json`), the layout
    of processes/ that the modelers and `buengobierno deploy` read unchanged."""
    definition = definition_version(session, key, version)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"bpmn/{key}.bpmn", definition.bpmn_xml)
        for name, schema in sorted(definition.forms.items()):
            archive.writestr(
                f"forms/{name}", json.dumps(schema, ensure_ascii=False, indent=2) + "\n"
            )
    return f"{key}-v{version}.zip", buffer.getvalue()


def draft_content(session: Session, draft_id: int, revision: int | None = None) -> DraftContent:
    """The draft as last saved, or as saved in `revision`."""
    draft = session.get(Draft, draft_id)
    if draft is None:
        raise NotFound(f"el borrador {draft_id} no existe")
    if revision is None or revision == draft.revision:
        return DraftContent(
            draft.id,
            draft.key,
            draft.base_version,
            draft.revision,
            draft.bpmn_xml,
            draft.forms,
            draft.saved_by,
            draft.saved_at,
            draft.deployed_version,
        )
    saved = session.scalars(
        select(DraftRevision).where(
            DraftRevision.draft_id == draft_id, DraftRevision.revision == revision
        )
    ).first()
    if saved is None:
        raise NotFound(f"el borrador {draft_id} no tiene revisión {revision}")
    return DraftContent(
        draft.id,
        draft.key,
        draft.base_version,
        saved.revision,
        saved.bpmn_xml,
        saved.forms,
        saved.saved_by,
        saved.saved_at,
        draft.deployed_version,
    )


@dataclass(frozen=True)
class LaneGroup:
    """What a lane may be named: a group of the directory, or a lane decided per case."""

    code: str
    name: str
    kind: str  # "organism", "role" or "dynamic"

    def as_json(self) -> dict[str, str]:
        return {"code": self.code, "name": self.name, "kind": self.kind}


DYNAMIC_LANE_NAMES = {
    "organismo": "Organismo del caso (candidateGroupExpression)",
    "delegado": "Delegado del caso (assigneeExpression)",
    "responsable": "Responsable del caso (assigneeExpression)",
}


def lane_groups(session: Session) -> list[LaneGroup]:
    """The active groups of the directory (organisms, then roles, by name) and the lanes the
    linter accepts as decided per case (`engine.bpm.conventions.DYNAMIC_LANES`)."""
    groups = [
        LaneGroup(group.code, group.name, group.kind)
        for group in session.scalars(
            select(Group).where(Group.active.is_(True)).order_by(Group.kind, Group.name)
        )
    ]
    return groups + [
        LaneGroup(code, DYNAMIC_LANE_NAMES.get(code, code), "dynamic") for code in DYNAMIC_LANES
    ]


SCENARIOS_RUN = "scenarios_run"


@dataclass(frozen=True)
class ScenarioRun:
    """The last time a draft's scenarios ran: against which revision, how many, which failed."""

    revision: int
    scenarios: int
    failed: list[str]

    def passed_for(self, revision: int) -> bool:
        return self.revision == revision and not self.failed


def last_scenario_run(session: Session, draft_id: int) -> ScenarioRun | None:
    """The draft's latest recorded scenario run (None: never run)."""
    event = session.scalars(
        select(WorkbenchEvent)
        .where(WorkbenchEvent.draft_id == draft_id, WorkbenchEvent.action == SCENARIOS_RUN)
        .order_by(WorkbenchEvent.id.desc())
        .limit(1)
    ).first()
    if event is None:
        return None
    payload = event.payload
    return ScenarioRun(int(payload["revision"]), int(payload["scenarios"]), list(payload["failed"]))


def draft_problems(
    session: Session, draft_id: int, operators: Collection[str]
) -> tuple[DraftContent, list[LintProblem]]:
    """The draft and what the linter finds in it (empty: it may be deployed)."""
    draft = draft_content(session, draft_id)
    return draft, lint_draft(session, draft.key, draft.bpmn_xml, draft.forms, operators)


def compare(session: Session, before: str, after: str) -> DefinitionDiff:
    """The diff from `before` to `after`; each is `<key>:<version>` for a deployed version,
    `borrador:<id>` for a draft as last saved or `revision:<id>:<n>` for one of its saves."""
    old_xml, old_forms = _source(session, before)
    new_xml, new_forms = _source(session, after)
    return diff_definitions(old_xml, old_forms, new_xml, new_forms)


def compared_xml(session: Session, reference: str) -> str:
    """The BPMN of one side of a comparison (the references `compare` takes)."""
    return _source(session, reference)[0]


def _source(session: Session, reference: str) -> tuple[str, dict[str, Any]]:
    kind, _, value = reference.partition(":")
    if kind == "revision":
        draft_id, _, revision = value.partition(":")
        if draft_id.isdigit() and revision.isdigit():
            saved = draft_content(session, int(draft_id), int(revision))
            return saved.bpmn_xml, saved.forms
    elif kind == "borrador" and value.isdigit():
        draft = draft_content(session, int(value))
        return draft.bpmn_xml, draft.forms
    elif value.isdigit():
        definition = definition_version(session, kind, int(value))
        return definition.bpmn_xml, definition.forms
    raise NotFound(f"referencia de versión no válida: '{reference}'")


@dataclass(frozen=True)
class FormUse:
    """A task of the draft's diagram that shows a form."""

    element_id: str
    name: str


@dataclass(frozen=True)
class DraftForm:
    """One form of a draft as the form editor opens it (`exists=False`: the diagram names it
    but the draft has no such form, or it is a new one)."""

    name: str
    ui_name: str
    title: str
    exists: bool
    schema_text: str
    ui_text: str
    used_by: list[FormUse]


def draft_forms(session: Session, draft_id: int) -> tuple[DraftContent, list[DraftForm]]:
    """The draft and its forms: every schema it holds and every one its diagram names."""
    draft = draft_content(session, draft_id)
    uses = _form_uses(draft.bpmn_xml, draft.key)
    names = {n for n in draft.forms if n.endswith(SCHEMA_SUFFIX)} | set(uses)
    return draft, [_draft_form(draft, name, uses.get(name, [])) for name in sorted(names)]


def draft_form(session: Session, draft_id: int, name: str) -> tuple[DraftContent, DraftForm]:
    """One form of the draft (a name it does not hold opens as a new, empty form)."""
    draft = draft_content(session, draft_id)
    return draft, _draft_form(draft, name, _form_uses(draft.bpmn_xml, draft.key).get(name, []))


def check_draft_form(session: Session, schema_text: str, ui_text: str) -> FormCheck:
    """The form editor's verdict on the texts as typed (pickers checked against the
    directory's groups), the same rules the linter applies before a deployment."""
    return check_form_source(schema_text, ui_text, known_group_codes(session))


NEW_FORM = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "",
    "type": "object",
    "required": [],
    "properties": {},
}


def _draft_form(draft: DraftContent, name: str, used_by: list[FormUse]) -> DraftForm:
    ui_name = ui_name_for(name)
    schema = draft.forms.get(name)
    ui = draft.forms.get(ui_name)
    shown = schema if schema is not None else NEW_FORM
    title = schema.get("title") if isinstance(schema, dict) else None
    return DraftForm(
        name=name,
        ui_name=ui_name,
        title=str(title or ""),
        exists=schema is not None,
        schema_text=json.dumps(shown, ensure_ascii=False, indent=2),
        ui_text=json.dumps(ui, ensure_ascii=False, indent=2) if ui else "",
        used_by=used_by,
    )


def _form_uses(bpmn_xml: str, key: str) -> dict[str, list[FormUse]]:
    """Form name -> the tasks of the draft's diagram that show it (none if it does not parse:
    the problems page says why)."""
    try:
        processes = executable_processes(parse_xml(bpmn_xml.encode("utf-8"), f"{key}.bpmn"))
    except InvalidDefinition:
        return {}
    uses: dict[str, list[FormUse]] = {}
    for process in processes:
        for element in process_elements(process).values():
            if element.form:
                uses.setdefault(element.form, []).append(FormUse(element.id, element.name))
    return uses
