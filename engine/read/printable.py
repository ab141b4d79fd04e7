"""What a printed document of a case holds: the case summary, one form's submissions and the
audit trace, each under the controlled-document header (code, version, date, business key).

Only the data; the web renders it to HTML and PDF. Who may read each document is decided in
`engine.authorization`, as for the case page: the summary and the forms whoever sees the case, the
trace the quality office and the administrators.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.audit.trail import BrokenLink, CheckpointCheck, verify_chains
from engine.authorization import Actor, require_can_audit
from engine.errors import NotFound
from engine.read.case_timeline import AutomaticSteps, TimelineEntry, TimelineEvent
from engine.read.case_views import CaseDetail, SubmittedForm, case_detail
from storage.models import AuditEvent, Case


@dataclass(frozen=True)
class DocumentHeader:
    """The controlled-document header on every printed page."""

    code: str  # the form's code ("P001.F001"), or the procedure's for the case's own documents
    procedure: str
    procedure_name: str
    version: int  # of the deployed definition the case runs on
    business_key: str
    generated_at: datetime


@dataclass(frozen=True)
class CaseSummaryDocument:
    header: DocumentHeader
    case: CaseDetail


@dataclass(frozen=True)
class FormDocument:
    """Every submission of one form in the case (a form sent again in a later round is printed
    once per round, oldest first)."""

    header: DocumentHeader
    title: str  # the form's own title, from its schema ("Ficha técnica de delegación")
    case: CaseDetail
    submissions: list[SubmittedForm]


@dataclass(frozen=True)
class TraceEvent:
    event: TimelineEvent
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class CaseTraceDocument:
    """The case's whole audit trail with each event's hashes, and whether its chain verifies."""

    header: DocumentHeader
    case: CaseDetail
    events: list[TraceEvent]
    broken: list[BrokenLink]
    checkpoint: CheckpointCheck
    head_seq: int
    head_hash: str

    @property
    def verified(self) -> bool:
        return not self.broken and self.checkpoint.ok


def case_summary_document(
    session: Session, actor: Actor, business_key: str, now: datetime
) -> CaseSummaryDocument:
    case = case_detail(session, actor, business_key)
    return CaseSummaryDocument(_header(case, case.procedure, now), case)


def form_document(
    session: Session, actor: Actor, business_key: str, form_key: str, now: datetime
) -> FormDocument:
    """One form as sent in the case; NotFound when the case never sent it."""
    case = case_detail(session, actor, business_key)
    submissions = [form for form in case.context if form.form_key == form_key]
    if not submissions:
        raise NotFound(f"el caso {business_key} no tiene el formulario {form_key} diligenciado")
    spec = submissions[-1].form
    title = str(spec.schema.get("title") or "") if spec else ""
    return FormDocument(
        _header(case, form_key, now), title or submissions[-1].title, case, submissions
    )


def case_trace_document(
    session: Session, actor: Actor, business_key: str, audit_key: bytes | None, now: datetime
) -> CaseTraceDocument:
    """The trace for the quality office: refused to others before the case is even looked up."""
    require_can_audit(actor)
    case = case_detail(session, actor, business_key)
    hashes = {
        seq: (prev_hash, event_hash)
        for seq, prev_hash, event_hash in session.execute(
            select(AuditEvent.seq, AuditEvent.prev_hash, AuditEvent.hash)
            .join(Case, Case.id == AuditEvent.case_id)
            .where(Case.business_key == business_key)
        )
    }
    head_seq, head_hash = session.execute(
        select(Case.audit_seq, Case.audit_head).where(Case.business_key == business_key)
    ).one()
    report = verify_chains(session, business_key, audit_key)
    return CaseTraceDocument(
        header=_header(case, case.procedure, now),
        case=case,
        events=[TraceEvent(event, *hashes[event.seq]) for event in _every_event(case.timeline)],
        broken=report.broken,
        checkpoint=report.checkpoint,
        head_seq=head_seq or 0,
        head_hash=head_hash or "",
    )


def _every_event(timeline: list[TimelineEntry]) -> list[TimelineEvent]:
    """The trace lists every event: the automatic steps the case page folds, unfolded."""
    events: list[TimelineEvent] = []
    for entry in timeline:
        events.extend(entry.steps if isinstance(entry, AutomaticSteps) else [entry])
    return events


def _header(case: CaseDetail, code: str, now: datetime) -> DocumentHeader:
    return DocumentHeader(
        code=code,
        procedure=case.procedure,
        procedure_name=case.procedure_name,
        version=case.version,
        business_key=case.business_key,
        generated_at=now,
    )
