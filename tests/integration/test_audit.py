"""The audit trail is hash-chained per case: tampering with any row is detected and named."""

from __future__ import annotations

from sqlalchemy import delete, select, update

from engine import Engine
from storage.models import AuditEvent
from tests.helpers import complete
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
