"""A case's persisted state does not grow with its history: completed steps live in our rows."""

from __future__ import annotations

from sqlalchemy import select

from engine import Engine
from storage.models import Case
from tests.helpers import complete, hold_session, task_for
from tests.integration.test_p001_paths import PROPOSAL, start

RETURN = {
    "decision_secretario": "devolver",
    "observaciones_secretario": "Otra propuesta, por favor",
}


def _state_size(engine: Engine, key: str) -> int:
    with engine.sessions() as session:
        return len(session.scalars(select(Case.state).where(Case.business_key == key)).one())


def _loop(engine: Engine, key: str, rounds: int) -> None:
    for _ in range(rounds):
        complete(engine, key, "proponer_delegado", "despacho", PROPOSAL)
        complete(engine, key, "aprobar_delegacion", "secretario", RETURN)


def test_state_size_is_the_same_after_5_and_after_260_returned_proposals(p001: Engine) -> None:
    """260 rounds = 520 completed tasks, a tree deeper than SpiffWorkflow's 1000-level iterator
    would reach without pruning (the ready task would be lost and the case stuck)."""
    key = start(p001)
    _loop(p001, key, 5)
    after_5 = _state_size(p001, key)
    _loop(p001, key, 255)
    after_260 = _state_size(p001, key)
    assert after_260 <= after_5 * 1.1, (after_5, after_260)
    # The case still runs correctly on the pruned tree.
    complete(p001, key, "proponer_delegado", "despacho", PROPOSAL)
    complete(p001, key, "aprobar_delegacion", "secretario", {"decision_secretario": "aprobar"})
    hold_session(p001, key)
    assert task_for(p001, key, "diligenciar_ficha").assignee == "delegada"
    assert p001.verify_audit(key) == []
