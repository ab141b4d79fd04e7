"""For the quality office: the audit trail exported (CSV, XES for process mining) and the
compliance figures of the four operation policies. Read-only."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from lxml import etree
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.bpm.calendar import local_date
from storage.models import AuditEvent, Case, Commitment, Definition, Task

# Events that are activities in a process-mining sense (gateways and bookkeeping are left out).
ACTIVITY_ACTIONS = ("task_completed", "element_completed", "case_cancelled")
NOT_ACTIVITIES = {"exclusiveGateway", "inclusiveGateway", "parallelGateway", "eventBasedGateway"}
CSV_COLUMNS = (
    "case",
    "procedure",
    "version",
    "seq",
    "at",
    "actor",
    "action",
    "element",
    "element_name",
    "hash",
)


@dataclass(frozen=True)
class TrailEvent:
    business_key: str
    procedure: str
    version: int
    seq: int
    at: datetime
    actor: str
    action: str
    element_id: str | None
    element_name: str | None
    kind: str | None
    hash: str


def trail(session: Session, procedure: str | None = None) -> Iterator[TrailEvent]:
    """Every audit event, case by case in order, with the element's name from its definition."""
    query = (
        select(AuditEvent, Case.business_key, Definition)
        .join(Case, Case.id == AuditEvent.case_id)
        .join(Definition, Definition.id == Case.definition_id)
        .order_by(Case.id, AuditEvent.seq)
    )
    if procedure:
        query = query.where(Definition.key == procedure)
    for event, key, definition in session.execute(query):
        element = _element(definition, event.element_id)
        yield TrailEvent(
            key,
            definition.key,
            event.definition_version,
            event.seq,
            event.at,
            event.actor,
            event.action,
            event.element_id,
            element.get("name"),
            element.get("kind"),
            event.hash,
        )


def _element(definition: Definition, element_id: str | None) -> dict[str, str]:
    for process in definition.elements.values():
        if element_id in process:
            return dict(process[element_id])
    return {}


# A cell starting with one of these is a formula (or becomes one) in Excel, LibreOffice, Sheets.
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(value: object) -> object:
    """Text that a spreadsheet would run as a formula is prefixed with `'` (stays text)."""
    if isinstance(value, str) and value.startswith(FORMULA_LEADS):
        return "'" + value
    return value


def export_csv(session: Session, procedure: str | None = None) -> str:
    """The trail, one row per audit event; no cell reaches a spreadsheet as a formula."""
    output = io.StringIO()
    writer = csv.writer(output)
    writer.writerow(CSV_COLUMNS)
    for e in trail(session, procedure):
        row = (
            e.business_key,
            e.procedure,
            e.version,
            e.seq,
            _iso(e.at),
            e.actor,
            e.action,
            e.element_id or "",
            e.element_name or "",
            e.hash,
        )
        writer.writerow(_csv_cell(cell) for cell in row)
    return output.getvalue()


def export_xes(session: Session, procedure: str | None = None) -> bytes:
    """An IEEE 1849 (XES) event log: one trace per case, one event per completed activity."""
    log = etree.Element("log", {"xes.version": "1849-2016", "xes.features": "nested-attributes"})
    for name, prefix, uri in (
        ("Concept", "concept", "http://www.xes-standard.org/concept.xesext"),
        ("Time", "time", "http://www.xes-standard.org/time.xesext"),
        ("Organizational", "org", "http://www.xes-standard.org/org.xesext"),
        ("Lifecycle", "lifecycle", "http://www.xes-standard.org/lifecycle.xesext"),
    ):
        etree.SubElement(log, "extension", {"name": name, "prefix": prefix, "uri": uri})
    etree.SubElement(
        log, "string", {"key": "concept:name", "value": "MEDE01.09 Gestión del Buen Gobierno"}
    )
    trace = None
    current = None
    for e in trail(session, procedure):
        if e.action not in ACTIVITY_ACTIONS or e.kind in NOT_ACTIVITIES:
            continue
        if e.business_key != current:
            current = e.business_key
            trace = etree.SubElement(log, "trace")
            etree.SubElement(trace, "string", {"key": "concept:name", "value": e.business_key})
            etree.SubElement(trace, "string", {"key": "procedure", "value": e.procedure})
            etree.SubElement(trace, "int", {"key": "version", "value": str(e.version)})
        assert trace is not None
        event = etree.SubElement(trace, "event")
        activity = e.element_name or e.element_id or e.action
        if e.action == "case_cancelled":
            activity = "Caso anulado"
        etree.SubElement(event, "string", {"key": "concept:name", "value": activity})
        etree.SubElement(event, "string", {"key": "org:resource", "value": e.actor})
        etree.SubElement(event, "date", {"key": "time:timestamp", "value": _iso(e.at)})
        etree.SubElement(event, "string", {"key": "lifecycle:transition", "value": "complete"})
        etree.SubElement(event, "string", {"key": "element", "value": e.element_id or ""})
    return bytes(etree.tostring(log, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def _iso(instant: datetime) -> str:
    instant = instant if instant.tzinfo else instant.replace(tzinfo=UTC)
    return instant.astimezone(UTC).isoformat()


@dataclass(frozen=True)
class PolicyFigure:
    policy: str
    description: str
    met: int
    total: int
    detail: str = ""

    @property
    def percent(self) -> float | None:
        return None if self.total == 0 else round(100 * self.met / self.total, 1)

    def as_json(self) -> dict[str, object]:
        return {
            "policy": self.policy,
            "description": self.description,
            "met": self.met,
            "total": self.total,
            "percent": self.percent,
            "detail": self.detail,
        }


def compliance(session: Session, today: datetime) -> list[PolicyFigure]:
    """The four operation policies (MEDE01.09.PCT001), measured on what happened."""
    return [
        _commitments(session, today),
        _vistos_buenos(session),
        _fichas(session),
        _discrepancies(session),
    ]


def _commitments(session: Session, today: datetime) -> PolicyFigure:
    rows = session.execute(
        select(Commitment.status, func.count()).group_by(Commitment.status)
    ).all()
    by_status = {status: count for status, count in rows}
    overdue = session.scalar(
        select(func.count())
        .select_from(Commitment)
        .where(
            Commitment.status.in_(("pendiente", "reprogramado")),
            Commitment.due_date < local_date(today),
        )
    )
    closed = by_status.get("cumplido", 0) + by_status.get("incumplido", 0)
    return PolicyFigure(
        "1",
        "Compromisos registrados y seguidos: cumplidos sobre compromisos cerrados",
        by_status.get("cumplido", 0),
        closed,
        f"{sum(by_status.values())} registrados ({_breakdown(by_status)}); {overdue or 0} abiertos vencidos",
    )


def _breakdown(by_status: dict[str, int]) -> str:
    return (
        ", ".join(f"{status}: {count}" for status, count in sorted(by_status.items())) or "ninguno"
    )


def _vistos_buenos(session: Session) -> PolicyFigure:
    """Acts signed by the Mayor whose case shows complete vistos buenos before the signature."""
    signed = session.execute(
        select(Task.case_id, Task.completed_at).where(
            Task.element_id == "firmar_acto", Task.state == "completed"
        )
    ).all()
    met = 0
    for case_id, signed_at in signed:
        checks = session.scalars(
            select(AuditEvent).where(
                AuditEvent.case_id == case_id,
                AuditEvent.element_id == "verificar_vistos_buenos",
                AuditEvent.action == "element_completed",
                AuditEvent.at <= signed_at,
            )
        ).all()
        if checks:
            met += 1
    return PolicyFigure(
        "2",
        "Actos firmados por el Alcalde con vistos buenos del DAGJP y del organismo productor verificados antes",
        met,
        len(signed),
    )


def _fichas(session: Session) -> PolicyFigure:
    fichas = session.execute(
        select(Task.due_date, Task.completed_at).where(
            Task.element_id == "diligenciar_ficha", Task.state == "completed"
        )
    ).all()
    on_time = sum(
        1 for due, done in fichas if due is None or (done is not None and local_date(done) <= due)
    )
    return PolicyFigure(
        "3",
        "Fichas técnicas de delegación enviadas dentro de los 3 días hábiles",
        on_time,
        len(fichas),
    )


def _discrepancies(session: Session) -> PolicyFigure:
    consolidations = session.scalars(
        select(Case)
        .join(Definition, Definition.id == Case.definition_id)
        .where(Definition.key == "P004")
    ).all()
    discrepant = [
        case
        for case in consolidations
        if (case.data.get("consolidacion") or {}).get("resultado") == "discrepante"
    ]
    decided = sum(1 for case in discrepant if case.data.get("convocar_comite") in ("si", "no"))
    return PolicyFigure(
        "4",
        "Discrepancias entre conceptos de viabilidad llevadas a decisión del líder o del Comité",
        decided,
        len(discrepant),
    )
