"""Concurrent commands: one winner, a clear Conflict for the loser, nothing half-written."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update

from engine import Conflict, Engine
from engine.audit.trail import append_at_head, read_head
from engine.authorization import load_actor
from engine.bpm.runtime import CaseRun
from storage.models import AuditEvent, Case
from tests.helpers import audit_actions, complete, open_elements, race, task_for
from tests.integration.test_p001_paths import PROPOSAL, start


def test_two_sessions_completing_the_same_task_one_wins_the_other_gets_conflict(
    p001: Engine,
) -> None:
    key = start(p001)
    complete(p001, key, "proponer_delegado", "despacho", PROPOSAL)
    task = task_for(p001, key, "aprobar_delegacion")

    outcomes = race(
        lambda: p001.complete(task.id, "secretario", {"decision_secretario": "aprobar"}),
        lambda: p001.complete(
            task.id,
            "secretario",
            {"decision_secretario": "rechazar", "observaciones_secretario": "No"},
        ),
    )

    assert sorted(type(o).__name__ for o in outcomes) == ["Conflict", "NoneType"]
    assert audit_actions(p001, key).count("task_completed") == 2  # the proposal and one approval
    winner_approved = outcomes[0] is None
    # An approved one-off delegation is communicated in writing first (Ley 489 de 1998).
    assert open_elements(p001, key) == (["comunicar_delegacion"] if winner_approved else [])
    assert p001.verify_audit(key) == []


def test_saving_over_a_version_changed_by_another_writer_is_a_conflict_and_writes_nothing(
    p001: Engine,
) -> None:
    key = start(p001)
    with p001.sessions() as session:
        events_before = session.scalar(select(func.count()).select_from(AuditEvent))
        version_before = session.scalars(select(Case.version).where(Case.business_key == key)).one()

    proposal_task = task_for(p001, key, "proponer_delegado")
    with (
        pytest.raises(Conflict, match="cambió mientras se procesaba"),
        p001.unit_of_work() as session,
    ):
        case = session.scalars(select(Case).where(Case.business_key == key)).one()
        run = CaseRun(session, case, load_actor(session, "despacho"), p001.clock, p001.services)
        spiff_task = run.ready_user_task(proposal_task.spiff_id)
        spiff_task.data.update(PROPOSAL)
        spiff_task.run()
        run.step()
        # Another writer commits a new version after we loaded the case.
        session.execute(
            update(Case).where(Case.id == case.id).values(version=Case.version + 1),
            execution_options={"synchronize_session": False},
        )
        run.save()

    with p001.sessions() as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == events_before
        assert (
            session.scalars(select(Case.version).where(Case.business_key == key)).one()
            == version_before
        )
    assert open_elements(p001, key) == ["proponer_delegado"]


def test_two_members_claiming_the_same_task_at_once_one_gets_it(p001: Engine) -> None:
    key = start(p001)
    task = task_for(p001, key, "proponer_delegado")
    outcomes = race(
        lambda: p001.claim(task.id, "despacho"), lambda: p001.claim(task.id, "despacho2")
    )
    assert sorted(type(o).__name__ for o in outcomes) == ["Conflict", "NoneType"]
    winner = "despacho" if outcomes[0] is None else "despacho2"
    assert task_for(p001, key, "proponer_delegado").assignee == winner
    assert audit_actions(p001, key).count("task_claimed") == 1


def test_an_event_appended_at_a_head_whose_case_moved_since_is_a_conflict_and_writes_nothing(
    p001: Engine,
) -> None:
    """A claim's event goes onto the head read in plain columns (`read_head`); another writer
    that moved the case in between makes the head's UPDATE match no row: a Conflict."""
    key = start(p001)
    task = task_for(p001, key, "proponer_delegado")
    actions_before = audit_actions(p001, key)
    with (
        pytest.raises(Conflict, match="cambió mientras se procesaba"),
        p001.unit_of_work() as session,
    ):
        head = read_head(session, task.case_id)
        session.execute(
            update(Case).where(Case.id == task.case_id).values(version=Case.version + 1),
            execution_options={"synchronize_session": False},
        )
        append_at_head(session, head, 1, at=p001.clock.now(), actor="despacho", action="x")
    assert audit_actions(p001, key) == actions_before
    assert p001.verify_audit(key) == []


def test_a_claim_and_a_completion_of_the_same_task_at_once_keep_one_chain(p001: Engine) -> None:
    key = start(p001)
    task = task_for(p001, key, "proponer_delegado")
    claimed, completed = race(
        lambda: p001.claim(task.id, "despacho"),
        lambda: p001.complete(task.id, "despacho", PROPOSAL),
    )
    assert completed is None or isinstance(completed, Conflict)
    assert claimed is None or isinstance(claimed, Conflict)
    actions = audit_actions(p001, key)
    assert actions.count("task_claimed") == (1 if claimed is None else 0)
    assert actions.count("task_completed") == (1 if completed is None else 0)
    assert p001.verify_audit(key) == []
