"""For the quality office: the audit trail exported (CSV, XES for process mining), and the
indicators' tables as CSV. Read-only; the policy figures are in `engine.audit.indicators`."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.audit.indicators import Indicator
from engine.audit.trail import canonical_json, normalized_instant
from engine.audit.trends import Trend
from storage.models import AuditEvent, Case, Definition

# Events that are activities in a process-mining sense (gateways and bookkeeping are left out).
ACTIVITY_ACTIONS = ("task_completed", "element_completed", "case_cancelled")
NOT_ACTIVITIES = {"exclusiveGateway", "inclusiveGateway", "parallelGateway", "eventBasedGateway"}
# A byte order mark: Excel reads the file as UTF-8 only when it starts with one.
BOM = "\ufeff"

# The trail's CSV: every field an event's hash covers (case id, sequence, instant as hashed,
# actor, action, element, version, payload), its previous hash and its hash, so the chain can
# be recomputed from the file alone (`buengobierno audit verify-export`).
CSV_COLUMNS = (
    "Caso", "Id del caso", "Procedimiento", "Versión", "Secuencia", "Instante (UTC)", "Actor",
    "Acción", "Elemento", "Nombre del elemento", "Hash anterior", "Hash", "Datos (JSON)",
)  # fmt: skip


@dataclass(frozen=True)
class TrailEvent:
    case_id: int
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
    prev_hash: str
    hash: str
    payload: dict[str, Any]


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
            event.case_id,
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
            event.prev_hash,
            event.hash,
            event.payload,
        )


def _element(definition: Definition, element_id: str | None) -> dict[str, str]:
    for process in definition.elements.values():
        if element_id in process:
            return dict(process[element_id])
    return {}


# A cell starting with one of these is a formula (or becomes one) in Excel, LibreOffice, Sheets.
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"


def _csv_cell(value: object) -> object:
    """Text that a spreadsheet would run as a formula is prefixed with `'` (stays text). Text
    that starts with `'` gets one too, so `csv_text` restores every cell exactly."""
    if isinstance(value, str) and value.startswith((*FORMULA_LEADS, QUOTE)):
        return QUOTE + value
    return value


def csv_text(cell: str) -> str:
    """A cell as it was before `_csv_cell` protected it."""
    return cell[1:] if cell.startswith(QUOTE) else cell


def export_csv(session: Session, procedure: str | None = None) -> str:
    """The trail, one row per audit event, UTF-8 with BOM (Excel reads the accents), Spanish
    headers; no cell reaches a spreadsheet as a formula."""
    output = io.StringIO()
    output.write(BOM)
    writer = csv.writer(output)
    writer.writerow(CSV_COLUMNS)
    for e in trail(session, procedure):
        row = (
            e.business_key,
            e.case_id,
            e.procedure,
            e.version,
            e.seq,
            normalized_instant(e.at),
            e.actor,
            e.action,
            e.element_id or "",
            e.element_name or "",
            e.prev_hash,
            e.hash,
            canonical_json(e.payload),
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
    groups: dict[object, str] = {}  # task id -> the group it was offered to (org:group)
    for e in trail(session, procedure):
        if e.action == "task_created" and e.payload.get("group"):
            groups[e.payload.get("task")] = str(e.payload["group"])
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
        group = groups.get(e.payload.get("task")) if e.action == "task_completed" else None
        if group:
            etree.SubElement(event, "string", {"key": "org:group", "value": group})
        etree.SubElement(event, "date", {"key": "time:timestamp", "value": _iso(e.at)})
        etree.SubElement(event, "string", {"key": "lifecycle:transition", "value": "complete"})
        etree.SubElement(event, "string", {"key": "element", "value": e.element_id or ""})
    return bytes(etree.tostring(log, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def _iso(instant: datetime) -> str:
    instant = instant if instant.tzinfo else instant.replace(tzinfo=UTC)
    return instant.astimezone(UTC).isoformat()


INDICATOR_COLUMNS = (
    "Política", "Grupo", "Resultado", "Caso", "Procedimiento", "Proceso", "Versión",
    "Organismo", "Fecha", "Detalle",
)  # fmt: skip
OUTCOME_WORDS = {
    "compliant": "cumple",
    "non_compliant": "no cumple",
    "pending": "pendiente",
    "info": "informativo",
}


def indicator_csv(indicator: Indicator, bucket: str | None = None) -> str:
    """The items behind an indicator (or one of its groups): Spanish headers, UTF-8 with BOM,
    formula-safe cells."""
    output = io.StringIO()
    output.write(BOM)
    writer = csv.writer(output)
    writer.writerow(INDICATOR_COLUMNS)
    for group in indicator.buckets:
        if bucket is not None and group.code != bucket:
            continue
        for item in group.items:
            row = (
                indicator.policy, group.label, OUTCOME_WORDS[group.outcome], item.business_key,
                item.procedure, item.process, item.version, item.organism,
                item.day.isoformat(), item.detail,
            )  # fmt: skip
            writer.writerow(_csv_cell(cell) for cell in row)
    return output.getvalue()


TREND_COLUMNS = (
    "Política", "Indicador", "Mes (AAAA-MM)", "Cumplen", "No cumplen", "Pendientes",
    "Porcentaje de cumplimiento",
)  # fmt: skip


def trend_csv(trend: Trend) -> str:
    """An indicator month by month, as the page's table: Spanish headers, UTF-8 with BOM,
    formula-safe cells; the percentage with a decimal comma, empty for a month with nothing
    measured."""
    output = io.StringIO()
    output.write(BOM)
    writer = csv.writer(output)
    writer.writerow(TREND_COLUMNS)
    for month in trend.months:
        percent = "" if month.percent is None else f"{month.percent:.1f}".replace(".", ",")
        row = (
            trend.policy, trend.title, month.month.strftime("%Y-%m"), month.compliant,
            month.non_compliant, month.pending, percent,
        )  # fmt: skip
        writer.writerow(_csv_cell(cell) for cell in row)
    return output.getvalue()
