"""The tamper-evident audit trail: per case, each event hashes its content and its predecessor.

The case row keeps its chain's head (last sequence and hash), written in the same transaction as
the events: a chain that ends before its head was truncated. A checkpoint seals every case's
head with an HMAC-SHA256 under a key kept outside the database, so deleting the last events and
rewinding the head, or deleting a whole case, shows against the latest checkpoint too.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, cast

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from engine.errors import Misconfigured
from storage.database import execute
from storage.driver import Prepared
from storage.models import AuditCheckpoint, AuditEvent, Case

GENESIS = "0" * 64
KEY_VARIABLE = "BUENGOBIERNO_AUDIT_KEY"
KEY_FILE_VARIABLE = "BUENGOBIERNO_AUDIT_KEY_FILE"
MIN_KEY_LENGTH = 32


def event_hash(prev_hash: str, content: dict[str, Any]) -> str:
    return hashlib.sha256((prev_hash + canonical_json(content)).encode()).hexdigest()


def canonical_json(content: Any) -> str:
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


_CONTENT_COLUMNS = (
    "case_id", "seq", "at", "actor", "action", "element_id", "definition_version", "payload",
)  # fmt: skip


def _content(event: AuditEvent) -> dict[str, Any]:
    return _row_content({column: getattr(event, column) for column in _CONTENT_COLUMNS})


def _row_content(row: Mapping[str, Any]) -> dict[str, Any]:
    """What an event's hash covers, from its row."""
    return hashed_content(
        row["case_id"],
        row["seq"],
        normalized_instant(row["at"]),
        row["actor"],
        row["action"],
        row["element_id"],
        row["definition_version"],
        row["payload"],
    )


def hashed_content(
    case_id: int,
    seq: int,
    at: str,
    actor: str,
    action: str,
    element_id: str | None,
    definition_version: int,
    payload: Any,
) -> dict[str, Any]:
    """What an event's hash covers; `at` as `normalized_instant` writes it. An export carries
    exactly these fields, so its chain can be recomputed without the database."""
    return {
        "case_id": case_id,
        "seq": seq,
        "at": at,
        "actor": actor,
        "action": action,
        "element_id": element_id,
        "definition_version": definition_version,
        "payload": payload,
    }


def normalized_instant(instant: datetime) -> str:
    # Instants are UTC; SQLite returns them naive, PostgreSQL aware: hash the same text for both.
    if instant.tzinfo is not None:
        instant = instant.astimezone(UTC)
    return instant.replace(tzinfo=None).isoformat(timespec="microseconds")


class CaseChain:
    """A command's new events for one case, chained in memory from the head the case row holds.

    Events are hashed as they are recorded and written together by `write()`, with the moved
    head, in the command's transaction: no query for the previous event, no flush per event.
    The case's optimistic lock (its `version`) makes two commands that append concurrently
    conflict instead of forking the chain.
    """

    def __init__(self, case: Case, definition_version: int) -> None:
        self.case = case
        self.definition_version = definition_version
        self.seq = case.audit_seq or 0
        self.head = case.audit_head or GENESIS
        self.pending: list[dict[str, Any]] = []

    def record(
        self,
        *,
        at: datetime,
        actor: str,
        action: str,
        element_id: str | None = None,
        payload: dict[str, Any] | None = None,
    ) -> None:
        row = _chained_row(
            self.case.id, self.seq, self.head, self.definition_version,
            at=at, actor=actor, action=action, element_id=element_id, payload=payload,
        )  # fmt: skip
        self.seq, self.head = row["seq"], row["hash"]
        self.pending.append(row)

    def write(self, session: Session) -> None:
        """All pending events in one INSERT, and the case's new head (flushed with the case)."""
        rows = self.take()
        if rows:
            insert_events(session, rows)

    def take(self) -> list[dict[str, Any]]:
        """Move the case's head past the pending events and hand over their rows, for a caller
        that inserts the events of several cases in one statement (`insert_events`)."""
        if not self.pending:
            return []
        self.case.audit_seq = self.seq
        self.case.audit_head = self.head
        rows, self.pending = self.pending, []
        return rows

    def insert_pending(self, session: Session) -> None:
        """The pending events in one INSERT, for a caller that writes the case's head itself."""
        rows, self.pending = self.pending, []
        if rows:
            insert_events(session, rows)


def _chained_row(
    case_id: int,
    seq: int,
    head: str,
    definition_version: int,
    *,
    at: datetime,
    actor: str,
    action: str,
    element_id: str | None,
    payload: dict[str, Any] | None,
) -> dict[str, Any]:
    """The event after (`seq`, `head`), hashed. A row, not an ORM object: it is only inserted,
    and building ORM objects is not free."""
    row = {
        "case_id": case_id,
        "seq": seq + 1,
        "at": at,
        "actor": actor,
        "action": action,
        "element_id": element_id,
        "definition_version": definition_version,
        "payload": json.loads(json.dumps(payload or {}, default=str)),
        "prev_hash": head,
    }
    row["hash"] = event_hash(head, _row_content(row))
    return row


def insert_events(session: Session, rows: list[dict[str, Any]]) -> None:
    # Autoflush writes the case rows (with their new heads) first; the table's insert (not the
    # ORM's bulk insert, which splits rows by the columns they leave empty) sends every event in
    # one statement, on the connection (`storage.database.execute`).
    execute(session, _INSERT_EVENTS, rows)


_INSERT_EVENTS = Prepared(insert(cast(Table, AuditEvent.__table__)))  # built once
_CASES = cast(Table, Case.__table__)
_CASE_HEAD = Prepared(
    select(
        _CASES.c.id,
        _CASES.c.definition_id,
        _CASES.c.version,
        _CASES.c.audit_seq,
        _CASES.c.audit_head,
    )
    .where(_CASES.c.id == bindparam("case_id"))
    .with_for_update()
)
_MOVE_HEAD = Prepared(
    update(_CASES)
    .where(_CASES.c.id == bindparam("case_id"), _CASES.c.version == bindparam("version_read"))
    .values(
        version=bindparam("new_version"),
        audit_seq=bindparam("new_seq"),
        audit_head=bindparam("new_head"),
    )
)


@dataclass(frozen=True)
class ChainHead:
    """A case's chain head as read (`read_head`), with the row's version (its optimistic lock)."""

    case_id: int
    definition_id: int
    version: int
    seq: int
    hash: str


def read_head(session: Session, case_id: int) -> ChainHead:
    """The case's head in plain columns (not the whole row, its state and data, as an object),
    the case row locked (`FOR UPDATE`): read it before changing anything else of the case, so
    that every command takes a case's lock first (a claim that updated its task row first and
    the head second deadlocked on PostgreSQL with a completion, which locks the case first)."""
    row = execute(session, _CASE_HEAD, {"case_id": case_id}).one()
    return ChainHead(row.id, row.definition_id, row.version, row.audit_seq or 0, row.audit_head)


def append_at_head(
    session: Session,
    head: ChainHead,
    definition_version: int,
    *,
    at: datetime,
    actor: str,
    action: str,
    element_id: str | None = None,
    payload: dict[str, Any] | None = None,
) -> None:
    """One event chained to `head`, for a command that changes no other column of the case
    (and holds no `Case` of it in the session): the head moves in one Core UPDATE under the
    optimistic lock, as the ORM's flush of the case would (a version that moved since `head`
    was read raises StaleDataError, a `Conflict`), then the event is inserted."""
    row = _chained_row(
        head.case_id, head.seq, head.hash or GENESIS, definition_version,
        at=at, actor=actor, action=action, element_id=element_id, payload=payload,
    )  # fmt: skip
    moved = execute(
        session,
        _MOVE_HEAD,
        {
            "case_id": head.case_id,
            "version_read": head.version,
            "new_version": head.version + 1,
            "new_seq": row["seq"],
            "new_head": row["hash"],
        },
    )
    if moved.rowcount != 1:
        raise StaleDataError(f"case {head.case_id} changed since version {head.version}")
    insert_events(session, [row])


def append_event(
    session: Session,
    case: Case,
    definition_version: int,
    *,
    at: datetime,
    actor: str,
    action: str,
    element_id: str | None = None,
    payload: dict[str, Any] | None = None,
) -> None:
    """One event chained to the case's head, for commands that record a single event."""
    chain = CaseChain(case, definition_version)
    chain.record(at=at, actor=actor, action=action, element_id=element_id, payload=payload)
    chain.write(session)


# -- the key, kept apart from the database ------------------------------------------------------


def load_audit_key(environ: Mapping[str, str]) -> bytes | None:
    """The checkpoint key from `BUENGOBIERNO_AUDIT_KEY`, or from the file `BUENGOBIERNO_AUDIT_KEY_FILE`
    names; None when neither is set. An unreadable or short key is `Misconfigured`."""
    value = environ.get(KEY_VARIABLE, "")
    source = KEY_VARIABLE
    if not value and environ.get(KEY_FILE_VARIABLE):
        path = Path(environ[KEY_FILE_VARIABLE])
        source = str(path)
        try:
            value = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise Misconfigured(
                f"no se pudo leer la clave de auditoría en {path} ({error.__class__.__name__})"
            ) from None
    value = value.strip()
    if not value:
        return None
    if len(value) < MIN_KEY_LENGTH:
        raise Misconfigured(
            f"la clave de auditoría de {source} es demasiado corta "
            f"(mínimo {MIN_KEY_LENGTH} caracteres)"
        )
    return value.encode()


def _mac(key: bytes, checkpoint: AuditCheckpoint) -> str:
    sealed = {
        "id": checkpoint.id,
        "created_at": normalized_instant(checkpoint.created_at),
        "created_by": checkpoint.created_by,
        "heads": checkpoint.heads,
    }
    return hmac.new(key, canonical_json(sealed).encode(), hashlib.sha256).hexdigest()


# -- checkpoints --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckpointSummary:
    id: int
    created_at: datetime
    cases: int
    mac: str


def latest_checkpoint(session: Session) -> AuditCheckpoint | None:
    return session.scalars(
        select(AuditCheckpoint).order_by(AuditCheckpoint.id.desc()).limit(1)
    ).first()


def seal_checkpoint(session: Session, key: bytes, *, at: datetime, actor: str) -> CheckpointSummary:
    """Seal every case's head (business key, seq, hash) as they stand in this transaction."""
    heads = [
        [business_key, seq, head]
        for business_key, seq, head in session.execute(
            select(Case.business_key, Case.audit_seq, Case.audit_head).order_by(Case.business_key)
        )
    ]
    checkpoint = AuditCheckpoint(created_at=at, created_by=actor, heads=heads, mac="")
    session.add(checkpoint)
    session.flush()  # the id is part of what is sealed: an old checkpoint cannot be replayed
    checkpoint.mac = _mac(key, checkpoint)
    return CheckpointSummary(checkpoint.id, at, len(heads), checkpoint.mac)


# -- verification -------------------------------------------------------------------------------


@dataclass(frozen=True)
class BrokenLink:
    business_key: str
    seq: int
    event_id: int | None  # None: the event (or the whole case) is missing
    reason: str

    def __str__(self) -> str:
        where = f" (id {self.event_id})" if self.event_id is not None else ""
        return f"{self.business_key} evento #{self.seq}{where}: {self.reason}"


CheckpointState = Literal["none", "verified", "tampered", "unchecked"]


@dataclass(frozen=True)
class CheckpointCheck:
    """What became of the latest checkpoint: none yet, its seal verified, tampered, or not
    checked because no key is configured (its heads were still compared, unauthenticated)."""

    state: CheckpointState
    id: int | None = None
    created_at: datetime | None = None

    @property
    def ok(self) -> bool:
        return self.state != "tampered"

    def __str__(self) -> str:
        when = (
            self.created_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
            if self.created_at
            else ""
        )
        if self.state == "none":
            return (
                "no hay puntos de control: un truncamiento con la cabeza rebobinada o un caso "
                "eliminado no se pueden detectar (ejecute 'buengobierno audit checkpoint')"
            )
        if self.state == "verified":
            return f"punto de control #{self.id} ({when}) verificado: su sello es auténtico"
        if self.state == "tampered":
            return (
                f"el punto de control #{self.id} ({when}) fue alterado: su sello HMAC no "
                "coincide con la clave de auditoría"
            )
        return (
            f"el punto de control #{self.id} ({when}) no se pudo comprobar: falta la clave de "
            f"auditoría ({KEY_VARIABLE} o {KEY_FILE_VARIABLE}); sus cabezas se compararon sin "
            "autenticar"
        )


@dataclass(frozen=True)
class AuditReport:
    broken: list[BrokenLink]
    checkpoint: CheckpointCheck

    @property
    def ok(self) -> bool:
        return not self.broken and self.checkpoint.ok


def verify_chains(
    session: Session, business_key: str | None = None, key: bytes | None = None
) -> AuditReport:
    """Recompute every chain (or one case's) against its case head and the latest checkpoint;
    the first broken link of each broken case, and what became of the checkpoint."""
    checkpoint = latest_checkpoint(session)
    sealed: dict[str, tuple[int, str]] = {}
    if checkpoint is None:
        check = CheckpointCheck("none")
    else:
        if key is None:
            state: CheckpointState = "unchecked"
        elif hmac.compare_digest(checkpoint.mac, _mac(key, checkpoint)):
            state = "verified"
        else:
            state = "tampered"
        check = CheckpointCheck(state, checkpoint.id, checkpoint.created_at)
        if state != "tampered":  # a forged seal says nothing about the cases
            sealed = {str(k): (int(seq), str(head)) for k, seq, head in checkpoint.heads}
    cases = select(Case.id, Case.business_key, Case.audit_seq, Case.audit_head).order_by(Case.id)
    if business_key is not None:
        cases = cases.where(Case.business_key == business_key)
        sealed = {k: v for k, v in sealed.items() if k == business_key}
    broken: list[BrokenLink] = []
    seen: set[str] = set()
    for case_id, case_key, head_seq, head_hash in session.execute(cases):
        seen.add(case_key)
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.case_id == case_id).order_by(AuditEvent.seq)
        )
        link = _verify_case(case_key, events, head_seq, head_hash, sealed.get(case_key), check.id)
        if link is not None:
            broken.append(link)
    for missing in sorted(set(sealed) - seen):
        seq, _head = sealed[missing]
        broken.append(
            BrokenLink(
                missing,
                seq,
                None,
                f"el caso fue eliminado (el punto de control #{check.id} lo selló con {seq} eventos)",
            )
        )
    return AuditReport(broken, check)


def _verify_case(
    business_key: str,
    events: Any,
    head_seq: int,
    head_hash: str,
    seal: tuple[int, str] | None,
    checkpoint_id: int | None,
) -> BrokenLink | None:
    prev_hash, last_seq, last_id = GENESIS, 0, None
    sealed_hash: str | None = None
    for expected_seq, event in enumerate(events, start=1):
        reason = None
        if event.seq != expected_seq:
            reason = f"falta el evento #{expected_seq} (cadena interrumpida)"
        elif event.prev_hash != prev_hash:
            reason = "no enlaza con el evento anterior"
        elif event.hash != event_hash(prev_hash, _content(event)):
            reason = "su contenido fue modificado (hash no coincide)"
        if reason:
            return BrokenLink(business_key, event.seq, event.id, reason)
        prev_hash, last_seq, last_id = event.hash, event.seq, event.id
        if seal is not None and event.seq == seal[0]:
            sealed_hash = event.hash
    if last_seq == 0 and head_seq == 0:
        return BrokenLink(
            business_key, 1, None, "el caso no tiene eventos de auditoría (fueron eliminados)"
        )
    if last_seq < head_seq:
        return BrokenLink(
            business_key,
            last_seq + 1,
            None,
            f"faltan los eventos #{last_seq + 1} a #{head_seq}: la cadena termina antes de la "
            "cabeza registrada en el caso (eventos finales eliminados)",
        )
    if last_seq > head_seq:
        return BrokenLink(
            business_key,
            head_seq + 1,
            None,
            f"la cadena sigue después de la cabeza registrada en el caso (#{head_seq}): "
            "eventos agregados por fuera del motor o cabeza rebobinada",
        )
    if prev_hash != head_hash:
        return BrokenLink(
            business_key,
            last_seq,
            last_id,
            "el último evento no coincide con la cabeza registrada en el caso",
        )
    if seal is not None:
        if last_seq < seal[0]:
            return BrokenLink(
                business_key,
                last_seq + 1,
                None,
                f"la cadena retrocedió: el punto de control #{checkpoint_id} selló el evento "
                f"#{seal[0]} y ahora termina en el #{last_seq} (eventos finales eliminados y "
                "cabeza rebobinada)",
            )
        if sealed_hash != seal[1]:
            return BrokenLink(
                business_key,
                seal[0],
                None,
                f"el evento #{seal[0]} no es el que selló el punto de control #{checkpoint_id} "
                "(historia reescrita)",
            )
    return None
