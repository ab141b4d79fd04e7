"""The engine's facade: each method runs one command through the executor (`engine.commands.executor`),
or reads.

A command is a unit of work: one transaction, committed once at the end. Nothing is written
when it raises: the transaction rolls back. Incidents (a failing handler or script) are then
recorded on the case in a transaction of their own. The commands live in
`engine.commands.cases` and `engine.commands.admin`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from engine.authorization import SYSTEM
from engine.bpm.clock import Clock, SystemClock
from engine.bpm.definition_cache import DefinitionCache
from engine.bpm.services import ServiceRegistry
from engine.commands import database_faults
from engine.commands.executor import CommandExecutor
from engine.errors import Conflict
from storage.database import WRITE_OPTION

# Each command's module is imported when the command is first run, not here: the worker (which
# runs timers, notifications and audit checkpoints) then loads neither the workbench, the
# deployment's linter and parser, nor the read side (tests/integration/test_cli_imports.py).
if TYPE_CHECKING:
    from engine.audit.trail import AuditReport, BrokenLink, CheckpointSummary
    from engine.bpm.deployment import Deployment
    from engine.commands import attachments
    from engine.commands.workbench import DraftSaved
    from engine.read.bulk import BulkReport
    from engine.read.migration import MigrationReport
    from engine.read.queries import TaskView


class Engine:
    """Commands over cases; `sessions` makes database sessions, `services` the handlers.

    `audit_key` seals and checks audit checkpoints: the key itself, or a function that reads it
    (from outside the database, see `engine.audit.trail.load_audit_key`) when first needed.
    """

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        services: ServiceRegistry | None = None,
        clock: Clock | None = None,
        audit_key: bytes | Callable[[], bytes | None] | None = None,
    ) -> None:
        self.sessions = sessions
        self.services = services or ServiceRegistry()
        self.clock = clock or SystemClock()
        self.definitions = DefinitionCache()
        self.executor = CommandExecutor(self)
        self._audit_key = audit_key

    def audit_key(self) -> bytes | None:
        key = self._audit_key
        return key() if callable(key) else key

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """One transaction; a row changed by a concurrent command (optimistic lock) is a Conflict.

        A database that does not answer (down, connection lost) is `Unavailable`; see
        `engine.commands.database_faults` for what counts.
        """
        try:
            with database_faults.translated(), self.sessions() as session, session.begin():
                session.connection(execution_options={WRITE_OPTION: True})
                yield session
        except StaleDataError:
            raise Conflict(
                "el caso cambió mientras se procesaba (otra persona actuó al mismo tiempo); "
                "recargue e intente de nuevo"
            ) from None

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A session for reads; a database that does not answer is `Unavailable`."""
        with database_faults.translated(), self.sessions() as session:
            yield session

    # -- definitions -------------------------------------------------------------------------

    def validate(self, paths: Sequence[Path]) -> list[str]:
        """Every problem of the given files or folders; an empty list means deployable.

        Needs no database (a fresh machine, CI): lanes are checked against the group catalogue
        that ships with the code and called processes are looked for next to the files.
        """
        from engine.bpm.deployment import bundles_from_files
        from engine.errors import InvalidDefinition
        from engine.people.directory import GROUPS

        try:
            bundles_from_files(paths, self.services.names(), frozenset(GROUPS))
        except InvalidDefinition as error:
            return list(error.problems)
        return []

    def deploy(self, paths: Sequence[Path], actor: str) -> list[Deployment]:
        """Deploy every file; identical content is a no-op, changed content a new version.

        Only process analysts and administrators deploy (`require_can_deploy`)."""
        from engine.commands.admin import DeployBundles

        return self.executor.execute(DeployBundles(list(paths), actor))

    # -- the analysts' workbench -------------------------------------------------------------

    def create_draft(self, key: str, actor: str, version: int | None = None) -> DraftSaved:
        """A draft copied from deployed `version` of `key` (None: the latest)."""
        from engine.commands.workbench import CreateDraft

        return self.executor.execute(CreateDraft(key, actor, version))

    def save_draft(
        self,
        draft_id: int,
        expected_revision: int,
        bpmn_xml: str,
        actor: str,
        forms: dict[str, Any] | None = None,
    ) -> DraftSaved:
        """A new revision of the draft; `Conflict` when someone saved after `expected_revision`."""
        from engine.commands.workbench import SaveDraft

        return self.executor.execute(SaveDraft(draft_id, expected_revision, bpmn_xml, actor, forms))

    def save_draft_form(
        self,
        draft_id: int,
        expected_revision: int,
        name: str,
        schema: dict[str, Any] | None,
        ui: dict[str, Any] | None,
        actor: str,
    ) -> DraftSaved:
        """Write (or, with `schema=None`, remove) one form of the draft as a new revision;
        `Conflict` when someone saved after `expected_revision`."""
        from engine.commands.workbench import SaveDraftForm

        return self.executor.execute(
            SaveDraftForm(draft_id, expected_revision, name, schema, ui, actor)
        )

    def deploy_draft(
        self,
        draft_id: int,
        expected_revision: int,
        actor: str,
        *,
        scenarios_required: bool = True,
    ) -> Deployment:
        """Deploy the draft as the next version; `InvalidDefinition` while lint finds problems,
        `DeployRefused` unless the scenarios passed against this revision (see `DeployDraft`)."""
        from engine.commands.workbench import DeployDraft

        return self.executor.execute(
            DeployDraft(draft_id, expected_revision, actor, scenarios_required)
        )

    def record_scenario_run(
        self, draft_id: int, revision: int, actor: str, scenarios: int, failed: Sequence[str]
    ) -> None:
        """Record what the scenarios found against a draft revision (deploying checks it)."""
        from engine.commands.workbench import RecordScenarioRun

        self.executor.execute(
            RecordScenarioRun(draft_id, revision, actor, scenarios, tuple(failed))
        )

    def redeploy_version(self, key: str, version: int, actor: str) -> Deployment:
        """Roll back: deploy `version` of `key` again as its next version (audited)."""
        from engine.commands.workbench import RedeployVersion

        return self.executor.execute(RedeployVersion(key, version, actor))

    def record_workbench_event(
        self,
        actor: str,
        action: str,
        key: str,
        version: int | None = None,
        payload: dict[str, Any] | None = None,
    ) -> None:
        """Audit a workbench action that changes nothing else (a bundle downloaded)."""
        from engine.commands.workbench import RecordWorkbenchEvent

        self.executor.execute(RecordWorkbenchEvent(actor, action, key, version, payload or {}))

    # -- migrating running cases -------------------------------------------------------------

    def check_migration(
        self,
        key: str,
        to_version: int,
        actor: str,
        *,
        from_version: int | None = None,
        cases: Sequence[str] = (),
    ) -> MigrationReport:
        """The dry run: each running case of `key` on another version (or each of `cases`)
        with the reasons it could not move to `to_version`. Changes nothing but the log."""
        from engine.authorization import load_actor, require_can_use_workbench
        from engine.read.migration import MigrationReport, candidate_cases, check_case

        with self.reading() as session:
            require_can_use_workbench(load_actor(session, actor))
            keys = candidate_cases(session, key, to_version, from_version, cases)
            checks = [check_case(session, self.definitions, k, key, to_version) for k in keys]
        report = MigrationReport(key, to_version, True, checks)
        self.record_workbench_event(actor, "migration_checked", key, to_version, report.summary())
        return report

    def migrate(
        self,
        key: str,
        to_version: int,
        actor: str,
        *,
        from_version: int | None = None,
        cases: Sequence[str] = (),
    ) -> MigrationReport:
        """Move each case (as `check_migration` selects them) to `to_version`, each in its own
        command; a refused case is left unchanged and listed with its reasons."""
        from engine.authorization import load_actor, require_can_use_workbench
        from engine.commands.migration import MigrateCase
        from engine.errors import Incident, MigrationRefused, NotFound
        from engine.read.migration import (
            CaseCheck,
            MigrationReport,
            candidate_cases,
            case_summaries,
        )

        with self.reading() as session:
            require_can_use_workbench(load_actor(session, actor))
            keys = candidate_cases(session, key, to_version, from_version, cases)
            summaries = case_summaries(session, keys)
        results = []
        for business_key in keys:
            subject, version = summaries.get(business_key, ("", None))
            try:
                self.executor.execute(MigrateCase(business_key, key, to_version, actor))
            except MigrationRefused as refused:
                reasons = tuple(refused.reasons)
            except (NotFound, Conflict, Incident) as error:
                reasons = (str(error),)
            else:
                reasons = ()
            results.append(CaseCheck(business_key, subject, version, to_version, (), reasons))
        report = MigrationReport(key, to_version, False, results)
        self.record_workbench_event(actor, "cases_migrated", key, to_version, report.summary())
        return report

    # -- cases -------------------------------------------------------------------------------

    def start(
        self,
        key: str,
        actor: str,
        data: dict[str, Any] | None = None,
        uploads: Mapping[str, attachments.Upload] | None = None,
    ) -> str:
        """Start a case of the latest version of `key`; returns its business key.

        `uploads` are files keyed by the form field's dotted path, stored with the case.
        """
        from engine.commands.cases import StartCase

        return self.executor.execute(StartCase(key, actor, data or {}, uploads or {}))

    def claim(self, task_id: int, actor: str) -> None:
        from engine.commands.cases import ClaimTask

        self.executor.execute(ClaimTask(task_id, actor))

    def unclaim(self, task_id: int, actor: str) -> None:
        from engine.commands.cases import ReleaseTask

        self.executor.execute(ReleaseTask(task_id, actor))

    def reassign(self, task_id: int, actor: str, to_user: str) -> None:
        from engine.commands.cases import ReassignTask

        self.executor.execute(ReassignTask(task_id, actor, to_user))

    def act_on_tasks(
        self, action: str, task_ids: Sequence[int], actor: str, to_user: str | None = None
    ) -> BulkReport:
        """A coordinator's bulk action: take, release or reassign (to `to_user`) each task, each
        in its own command, so a refused task (taken meanwhile, completed, of another group)
        leaves the others done; the report says which were done and why each other was not.

        Only coordinators and administrators act in bulk (`require_can_act_in_bulk`)."""
        from engine.authorization import load_actor, require_can_act_in_bulk
        from engine.errors import Forbidden, NotFound, ValidationError
        from engine.read.bulk import (
            BULK_ACTIONS,
            MAX_BULK_TASKS,
            BulkReport,
            TaskOutcome,
            task_labels,
        )

        wanted = list(dict.fromkeys(task_ids))
        errors: dict[str, str] = {}
        if action not in BULK_ACTIONS:
            errors["accion"] = "elija tomar, liberar o reasignar"
        if not wanted:
            errors["tareas"] = "seleccione al menos una tarea"
        elif len(wanted) > MAX_BULK_TASKS:
            errors["tareas"] = f"seleccione a lo sumo {MAX_BULK_TASKS} tareas a la vez"
        if action == "reasignar" and not to_user:
            errors["usuario"] = "elija a quién reasignar las tareas"
        with self.reading() as session:
            require_can_act_in_bulk(load_actor(session, actor))
            labels = task_labels(session, wanted)
        if errors:
            raise ValidationError(errors)
        outcomes = []
        for task_id in wanted:
            key, name = labels.get(task_id, (None, None))
            try:
                if action == "tomar":
                    self.claim(task_id, actor)
                elif action == "liberar":
                    self.unclaim(task_id, actor)
                else:
                    self.reassign(task_id, actor, to_user or "")
            except (NotFound, Forbidden, Conflict) as error:
                outcomes.append(TaskOutcome(task_id, key, name, str(error)))
            else:
                outcomes.append(TaskOutcome(task_id, key, name))
        return BulkReport(action, to_user if action == "reasignar" else None, outcomes)

    def set_follow_up(self, task_id: int, actor: str, on: date | None) -> None:
        """Set `actor`'s own follow-up date on an open task ("recordarme el…"), or clear it with
        None; a date before today is a `ValidationError` of the field `seguimiento`."""
        from engine.commands.followups import SetFollowUp

        self.executor.execute(SetFollowUp(task_id, actor, on))

    def mark_mailbox_read(self, actor: str, up_to: int) -> None:
        """`actor` has seen the Buzón up to notice `up_to`: older ones no longer count as unread."""
        from engine.commands.mailbox import MarkMailboxRead

        self.executor.execute(MarkMailboxRead(actor, up_to))

    def complete(
        self,
        task_id: int,
        actor: str,
        data: dict[str, Any],
        uploads: Mapping[str, attachments.Upload] | None = None,
    ) -> None:
        """Submit the task's form; the case advances to its next wait state.

        `uploads` are files keyed by the form field's dotted path, stored with the case.
        """
        from engine.commands.cases import CompleteTask

        self.executor.execute(CompleteTask(task_id, actor, data, uploads or {}))

    def keep_uploads(
        self,
        actor: str,
        uploads: Mapping[str, attachments.Upload],
        *,
        task_id: int | None = None,
        procedure: str | None = None,
    ) -> dict[str, str]:
        """Keep the files of a refused form (a task's, or a procedure's start form) for the
        actor; returns each kept file's reference by field, for the form to send back."""
        from engine.commands.cases import KeepUploads

        if not uploads:
            return {}
        return self.executor.execute(KeepUploads(actor, uploads, task_id, procedure))

    def cancel(self, business_key: str, actor: str, reason: str) -> None:
        from engine.commands.cases import CancelCase

        self.executor.execute(CancelCase(business_key, actor, reason))

    def comment(
        self,
        actor: str,
        text: str,
        *,
        business_key: str | None = None,
        task_id: int | None = None,
    ) -> int:
        """Comment on a case (`business_key`) or on one of its tasks (`task_id`); returns the
        comment's id. Audited, and each "@username" it mentions gets a notice in the Buzón.

        Whoever works on the case writes (`engine.authorization.can_comment_on_case`); an empty
        or too long text, or a mention of someone unknown, inactive or who cannot read the
        case, is a `ValidationError` on the field "texto" and nothing is stored."""
        from engine.commands.comments import AddComment

        return self.executor.execute(AddComment(actor, text, business_key, task_id))

    # -- audit -------------------------------------------------------------------------------

    def verify_audit(self, business_key: str | None = None) -> list[BrokenLink]:
        """The broken links of every chain (or one case's); see `audit_report` for the checkpoint."""
        return self.audit_report(business_key).broken

    def audit_report(self, business_key: str | None = None) -> AuditReport:
        """Every chain against its case head and the latest checkpoint, and the checkpoint's seal.

        A case sealed in the checkpoint but no longer in the database is reported, not NotFound.
        """
        from engine.audit.trail import verify_chains
        from engine.commands.cases import case_by_key

        key = self.audit_key()
        with self.reading() as session:
            report = verify_chains(session, business_key, key)
            if business_key is not None and not report.broken:
                case_by_key(session, business_key)
            return report

    def checkpoint_audit(
        self, actor: str = SYSTEM.username, *, unless_within: timedelta | None = None
    ) -> CheckpointSummary | None:
        """Seal every case's chain head under the audit key; with `unless_within`, only when
        the latest checkpoint is older than that (None: nothing sealed)."""
        from engine.audit.trail import KEY_FILE_VARIABLE, KEY_VARIABLE
        from engine.commands.checkpoints import SealAuditCheckpoint
        from engine.errors import Misconfigured

        key = self.audit_key()
        if key is None:
            raise Misconfigured(
                f"no hay clave de auditoría: defina {KEY_VARIABLE} o {KEY_FILE_VARIABLE} "
                "(guardada fuera de la base de datos)"
            )
        return self.executor.execute(SealAuditCheckpoint(key, actor, unless_within))

    def tasks(self, actor: str | None = None) -> list[TaskView]:
        """Open tasks `actor` may work on (assigned to them or offered to their groups)."""
        from engine.authorization import load_actor, with_substitutions
        from engine.bpm.calendar import local_date
        from engine.read.queries import open_tasks

        with self.reading() as session:
            if actor is None:
                return open_tasks(session, None)
            today = local_date(self.clock.now())
            return open_tasks(
                session, with_substitutions(session, load_actor(session, actor), today)
            )
