"""The audit trail is hash-chained per case: tampering with any row is detected and named."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, event, select, update

from engine import Engine, ManualClock, Misconfigured
from engine.audit.trail import BrokenLink, load_audit_key
from storage.models import (
    Attachment,
    AuditCheckpoint,
    AuditEvent,
    Case,
    Commitment,
    Job,
    Notification,
    Task,
)
from tests.helpers import complete, task_for
from tests.integration.test_p001_paths import PROPOSAL, start


def _case_with_history(engine: Engine) -> str:
    key = start(engine)
    complete(engine, key, "proponer_delegado", "despacho", PROPOSAL)
    return key


def test_an_untouched_chain_verifies(p001: Engine) -> None:
    key = _case_with_history(p001)
    assert p001.verify_audit(key) == []
    assert p001.verify_audit() == []


def test_editing_one_event_breaks_the_chain_at_that_event(p001: Engine) -> None:
    key = _case_with_history(p001)
    with p001.unit_of_work() as session:
        target = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "task_completed")
        ).one()
        session.execute(
            update(AuditEvent).where(AuditEvent.id == target.id).values(actor="intruso")
        )
    broken = p001.verify_audit()
    assert [(b.business_key, b.seq, b.event_id) for b in broken] == [(key, target.seq, target.id)]
    assert "modificado" in broken[0].reason


def test_deleting_an_event_is_detected(p001: Engine) -> None:
    key = _case_with_history(p001)
    with p001.unit_of_work() as session:
        session.execute(delete(AuditEvent).where(AuditEvent.seq == 2))
    broken = p001.verify_audit(key)
    assert len(broken) == 1 and broken[0].seq == 3


KEY = b"k" * 32


@pytest.fixture
def audited(p001: Engine) -> Engine:
    """The P001 engine with an audit key (as BUENGOBIERNO_AUDIT_KEY would give it)."""
    return Engine(p001.sessions, services=p001.services, clock=p001.clock, audit_key=KEY)


def _case_id(engine: Engine, key: str) -> int:
    with engine.sessions() as session:
        return session.scalars(select(Case.id).where(Case.business_key == key)).one()


def _delete_last_events(engine: Engine, key: str, count: int, *, rewind_head: bool) -> int:
    """What an intruder with database access does: drop the newest events (and rewind the head)."""
    case_id = _case_id(engine, key)
    with engine.unit_of_work() as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.case_id == case_id).order_by(AuditEvent.seq)
        ).all()
        kept = events[:-count]
        session.execute(
            delete(AuditEvent).where(AuditEvent.id.in_([e.id for e in events[-count:]]))
        )
        if rewind_head:
            session.execute(
                update(Case)
                .where(Case.id == case_id)
                .values(audit_seq=kept[-1].seq, audit_head=kept[-1].hash)
            )
        return len(kept)


def _reasons(broken: list[BrokenLink]) -> list[tuple[str, int, str]]:
    return [(b.business_key, b.seq, b.reason) for b in broken]


def test_the_case_row_keeps_the_head_of_its_chain(p001: Engine) -> None:
    key = _case_with_history(p001)
    with p001.sessions() as session:
        last = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.case_id == _case_id(p001, key))
            .order_by(AuditEvent.seq.desc())
        ).first()
        case = session.scalars(select(Case).where(Case.business_key == key)).one()
        assert last is not None and (case.audit_seq, case.audit_head) == (last.seq, last.hash)


def test_appending_an_event_reads_no_previous_event(p001: Engine) -> None:
    key = _case_with_history(p001)
    task = task_for(p001, key, "aprobar_delegacion")
    statements: list[str] = []

    def listen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    database = p001.sessions.kw["bind"]
    event.listen(database, "before_cursor_execute", listen)
    try:
        p001.claim(task.id, "secretario")
    finally:
        event.remove(database, "before_cursor_execute", listen)
    assert any("INSERT INTO audit_events" in s for s in statements)
    assert not [s for s in statements if "FROM audit_events" in s]
    assert p001.verify_audit(key) == []


def test_deleting_the_last_events_is_detected_by_the_case_head(p001: Engine) -> None:
    key = _case_with_history(p001)
    kept = _delete_last_events(p001, key, 2, rewind_head=False)
    [link] = p001.verify_audit(key)
    assert (link.business_key, link.seq, link.event_id) == (key, kept + 1, None)
    assert "eventos finales eliminados" in link.reason
    assert f"{key} evento #{kept + 1}: faltan los eventos" in str(link)


def test_deleting_the_last_events_and_rewinding_the_head_is_detected_by_the_checkpoint(
    audited: Engine,
) -> None:
    key = _case_with_history(audited)
    other = start(audited)
    sealed = audited.checkpoint_audit()
    assert sealed is not None and sealed.cases == 2
    before = _case_row_head(audited, key)
    kept = _delete_last_events(audited, key, 1, rewind_head=True)
    report = audited.audit_report()
    assert report.checkpoint.state == "verified"
    assert _reasons(report.broken) == [
        (
            key,
            kept + 1,
            f"la cadena retrocedió: el punto de control #{sealed.id} selló el evento "
            f"#{before} y ahora termina en el #{kept} (eventos finales eliminados y cabeza "
            "rebobinada)",
        )
    ]
    assert audited.verify_audit(other) == []


def test_without_a_checkpoint_a_rewound_head_cannot_be_told_and_verify_says_so(
    audited: Engine,
) -> None:
    key = _case_with_history(audited)
    _delete_last_events(audited, key, 1, rewind_head=True)
    report = audited.audit_report()
    assert report.broken == [] and report.checkpoint.state == "none"
    assert "no hay puntos de control" in str(report.checkpoint)


def test_deleting_every_event_of_a_case_is_detected(audited: Engine) -> None:
    key = _case_with_history(audited)
    case_id = _case_id(audited, key)
    with audited.unit_of_work() as session:
        session.execute(delete(AuditEvent).where(AuditEvent.case_id == case_id))
    [link] = audited.verify_audit(key)
    assert (link.seq, link.event_id) == (1, None) and "eventos finales eliminados" in link.reason
    with audited.unit_of_work() as session:  # the head reset as well
        session.execute(
            update(Case).where(Case.id == case_id).values(audit_seq=0, audit_head="0" * 64)
        )
    [link] = audited.verify_audit(key)
    assert "el caso no tiene eventos de auditoría" in link.reason


def test_deleting_a_whole_case_is_detected_and_named_by_the_checkpoint(audited: Engine) -> None:
    key = _case_with_history(audited)
    other = start(audited)
    sealed = audited.checkpoint_audit()
    assert sealed is not None
    events = _case_row_head(audited, key)
    case_id = _case_id(audited, key)
    with audited.unit_of_work() as session:
        # Rows that name a task go before the tasks (a notification names the task it is about).
        for model in (Attachment, Notification, Job, Task, Commitment, AuditEvent):
            session.execute(delete(model).where(model.case_id == case_id))  # type: ignore[attr-defined]
        session.execute(delete(Case).where(Case.id == case_id))
    expected = [
        (
            key,
            events,
            f"el caso fue eliminado (el punto de control #{sealed.id} lo selló con {events} eventos)",
        )
    ]
    assert _reasons(audited.verify_audit()) == expected
    assert _reasons(audited.verify_audit(key)) == expected  # named, not "no existe"
    assert audited.verify_audit(other) == []


def test_swapping_two_events_is_detected(p001: Engine) -> None:
    key = _case_with_history(p001)
    case_id = _case_id(p001, key)
    with p001.unit_of_work() as session:
        second, third = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.case_id == case_id, AuditEvent.seq.in_([2, 3]))
            .order_by(AuditEvent.seq)
        ).all()
        for event_id, seq in ((second.id, -1), (third.id, 2), (second.id, 3)):
            session.execute(update(AuditEvent).where(AuditEvent.id == event_id).values(seq=seq))
    [link] = p001.verify_audit(key)
    assert (link.seq, link.event_id) == (2, third.id)


def test_a_tampered_checkpoint_is_reported_and_its_heads_are_not_trusted(
    audited: Engine,
) -> None:
    key = _case_with_history(audited)
    sealed = audited.checkpoint_audit()
    assert sealed is not None
    with audited.unit_of_work() as session:
        checkpoint = session.get(AuditCheckpoint, sealed.id)
        assert checkpoint is not None
        checkpoint.heads = [[key, 99, "f" * 64]]  # forge a longer history
    report = audited.audit_report()
    assert report.checkpoint.state == "tampered" and not report.ok
    assert f"el punto de control #{sealed.id}" in str(report.checkpoint)
    assert "fue alterado" in str(report.checkpoint)
    assert report.broken == []
    wrong_key = Engine(audited.sessions, clock=audited.clock, audit_key=b"x" * 32)
    assert wrong_key.audit_report().checkpoint.state == "tampered"


def test_without_the_key_verify_says_the_checkpoint_could_not_be_checked(
    audited: Engine, p001: Engine
) -> None:
    key = _case_with_history(audited)
    audited.checkpoint_audit()
    assert audited.audit_report().checkpoint.state == "verified"
    report = p001.audit_report()  # the same database, no key
    assert report.checkpoint.state == "unchecked" and report.ok
    assert "no se pudo comprobar: falta la clave de auditoría" in str(report.checkpoint)
    _delete_last_events(p001, key, 1, rewind_head=True)
    assert [b.business_key for b in p001.audit_report().broken] == [key]  # still compared


def test_sealing_needs_the_key_and_writes_nothing_without_it(p001: Engine) -> None:
    _case_with_history(p001)
    with pytest.raises(Misconfigured, match="no hay clave de auditoría"):
        p001.checkpoint_audit()
    with p001.sessions() as session:
        assert session.scalars(select(AuditCheckpoint)).all() == []


def test_a_checkpoint_within_the_interval_is_not_sealed_again(
    audited: Engine, clock: ManualClock
) -> None:
    _case_with_history(audited)
    first = audited.checkpoint_audit(unless_within=timedelta(minutes=60))
    assert first is not None
    clock.advance(timedelta(minutes=59))
    assert audited.checkpoint_audit(unless_within=timedelta(minutes=60)) is None
    clock.advance(timedelta(minutes=2))
    again = audited.checkpoint_audit(unless_within=timedelta(minutes=60))
    assert again is not None and again.id > first.id


def test_the_audit_key_comes_from_the_environment_or_a_file(tmp_path: Path) -> None:
    assert load_audit_key({}) is None
    assert load_audit_key({"BUENGOBIERNO_AUDIT_KEY": "a" * 40}) == b"a" * 40
    path = tmp_path / "audit.key"
    path.write_text("b" * 64 + "\n")
    assert load_audit_key({"BUENGOBIERNO_AUDIT_KEY_FILE": str(path)}) == b"b" * 64
    with pytest.raises(Misconfigured, match="demasiado corta"):
        load_audit_key({"BUENGOBIERNO_AUDIT_KEY": "corta"})
    with pytest.raises(Misconfigured, match="no se pudo leer la clave de auditoría"):
        load_audit_key({"BUENGOBIERNO_AUDIT_KEY_FILE": str(tmp_path / "no-existe")})


def _case_row_head(engine: Engine, key: str) -> int:
    with engine.sessions() as session:
        return session.scalars(select(Case.audit_seq).where(Case.business_key == key)).one()
