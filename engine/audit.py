"""The tamper-evident audit trail: per case, each event hashes its content and its predecessor."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import AuditEvent, Case

GENESIS = "0" * 64


def event_hash(prev_hash: str, content: dict[str, Any]) -> str:
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


def _content(event: AuditEvent) -> dict[str, Any]:
    return {
        "case_id": event.case_id,
        "seq": event.seq,
        "at": _normalized(event.at),
        "actor": event.actor,
        "action": event.action,
        "element_id": event.element_id,
        "definition_version": event.definition_version,
        "payload": event.payload,
    }


def _normalized(instant: datetime) -> str:
    # Instants are UTC; SQLite returns them naive, PostgreSQL aware: hash the same text for both.
    if instant.tzinfo is not None:
        instant = instant.astimezone(UTC)
    return instant.replace(tzinfo=None).isoformat(timespec="microseconds")


def append_event(
    session: Session,
    case: Case,
    *,
    at: datetime,
    actor: str,
    action: str,
    element_id: str | None = None,
    payload: dict[str, Any] | None = None,
) -> AuditEvent:
    last = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.case_id == case.id)
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    ).first()
    event = AuditEvent(
        case_id=case.id,
        seq=(last.seq + 1) if last else 1,
        at=at,
        actor=actor,
        action=action,
        element_id=element_id,
        definition_version=case.definition.version,
        payload=json.loads(json.dumps(payload or {}, default=str)),
        prev_hash=last.hash if last else GENESIS,
    )
    event.hash = event_hash(event.prev_hash, _content(event))
    session.add(event)
    session.flush()
    return event


@dataclass(frozen=True)
class BrokenLink:
    business_key: str
    seq: int
    event_id: int
    reason: str

    def __str__(self) -> str:
        return f"{self.business_key} evento #{self.seq} (id {self.event_id}): {self.reason}"


def verify_chains(session: Session, business_key: str | None = None) -> list[BrokenLink]:
    """Recompute every chain (or one case's); the first broken link of each broken case."""
    cases = select(Case.id, Case.business_key).order_by(Case.id)
    if business_key is not None:
        cases = cases.where(Case.business_key == business_key)
    broken: list[BrokenLink] = []
    for case_id, key in session.execute(cases):
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.case_id == case_id).order_by(AuditEvent.seq)
        )
        prev_hash = GENESIS
        for expected_seq, event in enumerate(events, start=1):
            reason = None
            if event.seq != expected_seq:
                reason = f"falta el evento #{expected_seq} (cadena interrumpida)"
            elif event.prev_hash != prev_hash:
                reason = "no enlaza con el evento anterior"
            elif event.hash != event_hash(prev_hash, _content(event)):
                reason = "su contenido fue modificado (hash no coincide)"
            if reason:
                broken.append(BrokenLink(key, event.seq, event.id, reason))
                break
            prev_hash = event.hash
    return broken
