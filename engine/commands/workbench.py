"""The analysts' workbench: drafts saved per revision, deployed from a draft, and the record of
what analysts do (every action leaves a `WorkbenchEvent` in the same transaction)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from engine.authorization import load_actor, require_can_use_workbench
from engine.bpm.deployment import (
    Deployment,
    deploy_bundle,
    latest_definition,
    redeploy_definition,
    refuse_earlier_content,
)
from engine.bpm.drafts import build_draft_bundle
from engine.bpm.form_lint import ui_name_for
from engine.commands.executor import CommandContext
from engine.errors import Conflict, DeployRefused, NotFound, ValidationError
from engine.read.workbench import SCENARIOS_RUN, last_scenario_run
from storage.models import Definition, Draft, DraftRevision, WorkbenchEvent

MAX_DRAFT_BYTES = 2 * 1024 * 1024
MAX_FORM_BYTES = 512 * 1024


@dataclass(frozen=True)
class DraftSaved:
    draft_id: int
    revision: int


@dataclass(frozen=True)
class CreateDraft:
    """A new draft of `key`, copied from deployed `version` (None: the latest)."""

    key: str
    actor: str
    version: int | None = None

    def execute(self, context: CommandContext) -> DraftSaved:
        session, now = context.session, context.engine.clock.now()
        who = load_actor(session, self.actor)
        require_can_use_workbench(who)
        base = _definition(session, self.key, self.version)
        draft = Draft(
            key=base.key,
            base_version=base.version,
            bpmn_xml=base.bpmn_xml,
            forms=dict(base.forms),
            created_by=who.username,
            created_at=now,
            saved_by=who.username,
            saved_at=now,
        )
        session.add(draft)
        session.flush()
        _keep_revision(session, draft)
        record(session, who.username, now, "draft_created", base.key, base.version, draft.id)
        return DraftSaved(draft.id, draft.revision)


@dataclass(frozen=True)
class SaveDraft:
    """Save a new revision of a draft, based on `expected_revision`.

    Someone else saved since that revision: `Conflict`, nothing written (their revision stays,
    kept in `draft_revisions` for the loser to read).
    """

    draft_id: int
    expected_revision: int
    bpmn_xml: str
    actor: str
    forms: dict[str, Any] | None = field(default=None)

    def execute(self, context: CommandContext) -> DraftSaved:
        session, now = context.session, context.engine.clock.now()
        who = load_actor(session, self.actor)
        require_can_use_workbench(who)
        if not self.bpmn_xml.strip():
            raise ValidationError({"bpmn": "el diagrama está vacío"})
        if len(self.bpmn_xml.encode("utf-8")) > MAX_DRAFT_BYTES:
            raise ValidationError({"bpmn": "el diagrama supera el tamaño máximo (2 MiB)"})
        draft = open_draft(session, self.draft_id)
        _require_revision(draft, self.expected_revision)
        draft.bpmn_xml = self.bpmn_xml
        if self.forms is not None:
            draft.forms = dict(self.forms)
        draft.saved_by, draft.saved_at = who.username, now
        # A save of unchanged content is a revision too: without the flag SQLAlchemy would send
        # no UPDATE, the revision would not move, and keeping it would collide with the last.
        flag_modified(draft, "bpmn_xml")
        # The UPDATE runs WHERE revision = expected: a concurrent save makes it match no row.
        session.flush()
        _keep_revision(session, draft)
        record(
            session,
            who.username,
            now,
            "draft_saved",
            draft.key,
            draft.base_version,
            draft.id,
            revision=draft.revision,
        )
        return DraftSaved(draft.id, draft.revision)


FORM_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,100}\.schema\.json$")


@dataclass(frozen=True)
class SaveDraftForm:
    """Write one form (its schema and UI schema) into a draft, as a new revision.

    `schema=None` removes the form (and its UI schema) from the draft: a task that still names
    it is then a lint problem. `ui=None` or `{}`: the form has no UI schema. The schema is kept
    even when the form editor finds problems in it (work in progress); the linter refuses to
    deploy it. Someone else saved since `expected_revision`: `Conflict`, nothing written.
    """

    draft_id: int
    expected_revision: int
    name: str
    schema: dict[str, Any] | None
    ui: dict[str, Any] | None
    actor: str

    def execute(self, context: CommandContext) -> DraftSaved:
        session, now = context.session, context.engine.clock.now()
        who = load_actor(session, self.actor)
        require_can_use_workbench(who)
        if not FORM_NAME.match(self.name):
            raise ValidationError(
                {
                    "nombre": "el nombre del formulario debe terminar en .schema.json y usar "
                    "solo letras, números, punto, guion y guion bajo"
                }
            )
        size = len(json.dumps([self.schema, self.ui], ensure_ascii=False).encode("utf-8"))
        if size > MAX_FORM_BYTES:
            raise ValidationError({"esquema": "el formulario supera el tamaño máximo (512 KiB)"})
        draft = open_draft(session, self.draft_id)
        _require_revision(draft, self.expected_revision)
        forms = dict(draft.forms)
        ui_name = ui_name_for(self.name)
        if self.schema is None:
            if self.name not in forms:
                raise NotFound(f"el borrador {draft.id} no tiene el formulario '{self.name}'")
            forms.pop(self.name, None)
            forms.pop(ui_name, None)
        else:
            forms[self.name] = self.schema
            if self.ui:
                forms[ui_name] = self.ui
            else:
                forms.pop(ui_name, None)
        draft.forms = forms
        draft.saved_by, draft.saved_at = who.username, now
        flag_modified(draft, "forms")
        session.flush()
        _keep_revision(session, draft)
        record(
            session,
            who.username,
            now,
            "draft_form_removed" if self.schema is None else "draft_form_saved",
            draft.key,
            draft.base_version,
            draft.id,
            revision=draft.revision,
            form=self.name,
        )
        return DraftSaved(draft.id, draft.revision)


def _require_revision(draft: Draft, expected: int) -> None:
    if draft.revision != expected:
        raise Conflict(
            f"el borrador {draft.id} ya va en la revisión {draft.revision} "
            f"(guardada por {draft.saved_by}); usted editaba la revisión {expected}"
        )


@dataclass(frozen=True)
class DeployDraft:
    """Deploy a draft as the procedure's next version: refused while the linter finds problems
    (`InvalidDefinition`) and unless the procedure's scenarios passed against this very revision
    (`DeployRefused`; a save after the run needs a new run).

    `scenarios_required=False` is for the deployment the scenario run itself makes on its
    scratch database, where the scenarios have not run yet by definition.
    """

    draft_id: int
    expected_revision: int
    actor: str
    scenarios_required: bool = True

    def execute(self, context: CommandContext) -> Deployment:
        engine, session = context.engine, context.session
        who = load_actor(session, self.actor)
        require_can_use_workbench(who)
        draft = open_draft(session, self.draft_id)
        if draft.revision != self.expected_revision:
            raise Conflict(
                f"el borrador {draft.id} cambió (revisión {draft.revision}, de {draft.saved_by}) "
                "después de que usted lo revisara; revíselo de nuevo antes de desplegar"
            )
        bundle = build_draft_bundle(
            session, draft.key, draft.bpmn_xml, draft.forms, engine.services.names()
        )
        # An old version's content needs no scenarios: it is refused whatever they say.
        refuse_earlier_content(session, bundle)
        if self.scenarios_required:
            _require_passing_scenarios(session, draft)
        deployment = deploy_bundle(session, bundle, who.username, engine.clock.now())
        draft.deployed_version = deployment.version
        session.flush()
        record(
            session,
            who.username,
            engine.clock.now(),
            "draft_deployed",
            draft.key,
            deployment.version,
            draft.id,
            revision=draft.revision,
            sha256=bundle.sha256,
            created=deployment.created,
        )
        return deployment


def _require_passing_scenarios(session: Session, draft: Draft) -> None:
    run = last_scenario_run(session, draft.id)
    if run is None or run.revision != draft.revision:
        raise DeployRefused(
            f"los escenarios de {draft.key} no se han probado con la revisión {draft.revision} "
            "del borrador: pruébelos y, si pasan, despliegue"
        )
    if run.failed:
        raise DeployRefused(
            f"{len(run.failed)} de {run.scenarios} escenarios de {draft.key} fallaron con la "
            f"revisión {draft.revision} ({'; '.join(run.failed)}): corrija el borrador y "
            "pruébelo de nuevo"
        )


@dataclass(frozen=True)
class RecordScenarioRun:
    """What a run of the procedure's scenarios against a draft revision found: the record the
    deployment checks (the run itself happens on a scratch database, outside any command)."""

    draft_id: int
    revision: int
    actor: str
    scenarios: int
    failed: tuple[str, ...]

    def execute(self, context: CommandContext) -> None:
        session = context.session
        who = load_actor(session, self.actor)
        require_can_use_workbench(who)
        draft = session.get(Draft, self.draft_id)
        if draft is None:
            raise NotFound(f"el borrador {self.draft_id} no existe")
        record(
            session,
            who.username,
            context.engine.clock.now(),
            SCENARIOS_RUN,
            draft.key,
            draft.base_version,
            draft.id,
            draft=draft.id,
            revision=self.revision,
            scenarios=self.scenarios,
            failed=list(self.failed),
        )


@dataclass(frozen=True)
class RedeployVersion:
    """Roll back: deploy an earlier `version` of `key` again, as the next version.

    The only way to deploy content an earlier version already has (`deploy_bundle` refuses it).
    It is not linted again: the version passed the linter when it was deployed, and its bundle
    holds the called processes of that day, which today's may no longer match (a rollback must
    work precisely when the newer ones are wrong). Running cases stay where they are.
    """

    key: str
    version: int
    actor: str

    def execute(self, context: CommandContext) -> Deployment:
        engine, session = context.engine, context.session
        who = load_actor(session, self.actor)
        require_can_use_workbench(who)
        earlier = _definition(session, self.key, self.version)
        now = engine.clock.now()
        deployment = redeploy_definition(session, earlier, who.username, now)
        record(
            session,
            who.username,
            now,
            "version_redeployed",
            earlier.key,
            deployment.version,
            from_version=earlier.version,
            sha256=earlier.sha256,
        )
        return deployment


@dataclass(frozen=True)
class RecordWorkbenchEvent:
    """An action that changes nothing but is audited all the same (a bundle downloaded)."""

    actor: str
    action: str
    key: str
    version: int | None = None
    payload: dict[str, Any] = field(default_factory=dict)

    def execute(self, context: CommandContext) -> None:
        session = context.session
        who = load_actor(session, self.actor)
        require_can_use_workbench(who)
        record(
            session,
            who.username,
            context.engine.clock.now(),
            self.action,
            self.key,
            self.version,
            **self.payload,
        )


def record(
    session: Session,
    actor: str,
    at: Any,
    action: str,
    key: str,
    version: int | None = None,
    draft_id: int | None = None,
    **payload: Any,
) -> None:
    session.add(
        WorkbenchEvent(
            at=at,
            actor=actor,
            action=action,
            key=key,
            version=version,
            draft_id=draft_id,
            payload=payload,
        )
    )


def open_draft(session: Session, draft_id: int) -> Draft:
    draft = session.get(Draft, draft_id)
    if draft is None:
        raise NotFound(f"el borrador {draft_id} no existe")
    if draft.deployed_version is not None:
        raise Conflict(
            f"el borrador {draft_id} ya se desplegó como la versión {draft.deployed_version}; "
            "cree un borrador nuevo"
        )
    return draft


def _definition(session: Session, key: str, version: int | None) -> Definition:
    if version is None:
        latest = latest_definition(session, key)
        assert latest is not None  # required=True raises NotFound instead
        return latest
    found = session.scalars(
        select(Definition).where(Definition.key == key, Definition.version == version)
    ).first()
    if found is None:
        raise NotFound(f"el procedimiento '{key}' no tiene versión {version}")
    return found


def _keep_revision(session: Session, draft: Draft) -> None:
    session.add(
        DraftRevision(
            draft_id=draft.id,
            revision=draft.revision,
            bpmn_xml=draft.bpmn_xml,
            forms=draft.forms,
            saved_by=draft.saved_by,
            saved_at=draft.saved_at,
        )
    )
