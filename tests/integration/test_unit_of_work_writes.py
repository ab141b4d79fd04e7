"""The hot path's hand-written statements keep the guarantees the ORM gave: the actor is read
fresh by every command, and the case is saved only at the version it was read."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select, update

from engine import Conflict, Engine, Forbidden, NotFound
from engine.authorization import SYSTEM
from engine.bpm.runtime import CaseRun
from storage.models import Case, Group, Membership, User
from tests.helpers import audit_actions, case_row, task_for
from tests.integration.test_p001_paths import start


def _set_active(engine: Engine, username: str, active: bool) -> None:
    with engine.sessions() as session, session.begin():
        session.execute(update(User).where(User.username == username).values(active=active))


def test_a_deactivated_user_is_refused_by_the_next_command(p001: Engine) -> None:
    key = start(p001)
    task = task_for(p001, key, "proponer_delegado")
    p001.claim(task.id, "despacho")
    _set_active(p001, "despacho", False)
    with pytest.raises(NotFound, match="inactivo"):
        p001.unclaim(task.id, "despacho")
    _set_active(p001, "despacho", True)
    p001.unclaim(task.id, "despacho")


def test_a_changed_membership_counts_from_the_next_command(p001: Engine) -> None:
    key = start(p001)
    task = task_for(p001, key, "proponer_delegado")
    with p001.sessions() as session, session.begin():
        user_id = session.scalars(select(User.id).where(User.username == "despacho")).one()
        group_id = session.scalars(select(Group.id).where(Group.code == task.candidate_group)).one()
        session.execute(
            delete(Membership).where(Membership.user_id == user_id, Membership.group_id == group_id)
        )
    with pytest.raises(Forbidden):
        p001.claim(task.id, "despacho")
    with p001.sessions() as session, session.begin():
        session.add(Membership(user_id=user_id, group_id=group_id))
    p001.claim(task.id, "despacho")


def test_a_case_saved_over_a_version_written_meanwhile_is_a_conflict(p001: Engine) -> None:
    key = start(p001)
    before = case_row(p001, key)
    with pytest.raises(Conflict, match="el caso cambió"), p001.unit_of_work() as session:
        case = session.get(Case, before.id)
        assert case is not None
        run = CaseRun(
            session, case, SYSTEM, p001.clock, p001.services,
            definitions=p001.definitions, locked=True,
        )  # fmt: skip
        run.record("case_cancelled", payload={"reason": "prueba"})
        # Another writer's version, as a command that lost the race on PostgreSQL meets it.
        session.execute(
            update(Case)
            .where(Case.id == case.id)
            .values(version=Case.version + 1)
            .execution_options(synchronize_session=False)
        )
        run.save()
    after = case_row(p001, key)
    assert (after.version, after.state, after.audit_seq) == (
        before.version,
        before.state,
        before.audit_seq,
    )
    assert "case_cancelled" not in audit_actions(p001, key)
