"""Issue 13: a coordinator's bulk actions (each task its own command) and each official's own
follow-up dates ("recordarme el…"), which the inbox sorts and filters by."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from engine import Conflict, Engine, Forbidden, ManualClock, ValidationError
from engine.authorization import load_actor
from engine.read.inbox import InboxFilter, inbox
from storage.models import Task
from tests.helpers import audit_actions, task_for
from tests.integration.test_p001_paths import PROPOSAL, start

TODAY = date(2026, 12, 1)  # tests.conftest.TESTS_START_AT


def _proposals(engine: Engine, count: int) -> list[int]:
    """The open "Proponer delegado" task (Despacho de Gobierno's group) of `count` new cases."""
    return [task_for(engine, start(engine), "proponer_delegado").id for _ in range(count)]


def _assignee(engine: Engine, task_id: int) -> str | None:
    with engine.sessions() as session:
        task = session.get(Task, task_id)
        assert task is not None
        return task.assignee


def _inbox_ids(engine: Engine, username: str, wanted: InboxFilter) -> list[int]:
    with engine.sessions() as session:
        return [row.id for row in inbox(session, load_actor(session, username), wanted, TODAY).rows]


def test_a_task_taken_meanwhile_is_refused_and_the_others_stay_taken(p001: Engine) -> None:
    first, taken, third = _proposals(p001, 3)
    p001.claim(taken, "despacho2")  # a colleague took it after the coordinator's page loaded

    report = p001.act_on_tasks("tomar", [first, taken, third], "despacho")

    assert [o.task_id for o in report.done] == [first, third]
    assert [o.task_id for o in report.refused] == [taken]
    assert "despacho2" in (report.refused[0].reason or "")
    assert report.refused[0].business_key and report.refused[0].task_name == "Proponer delegado"
    assert [_assignee(p001, t) for t in (first, taken, third)] == [
        "despacho",
        "despacho2",
        "despacho",
    ]


def test_a_completed_or_unknown_task_is_refused_without_undoing_the_others(p001: Engine) -> None:
    done_before, still_open = _proposals(p001, 2)
    p001.complete(done_before, "despacho2", PROPOSAL)

    report = p001.act_on_tasks("tomar", [done_before, 999_999, still_open], "despacho")

    reasons = {o.task_id: o.reason for o in report.refused}
    assert "ya fue completada" in (reasons[done_before] or "")
    assert "no existe" in (reasons[999_999] or "")
    assert [o.task_id for o in report.done] == [still_open]
    assert _assignee(p001, still_open) == "despacho"


def test_a_coordinator_releases_the_tasks_members_took_and_each_release_is_audited(
    p001: Engine,
) -> None:
    tasks = _proposals(p001, 2)
    for task in tasks:
        p001.claim(task, "despacho2")

    report = p001.act_on_tasks("liberar", tasks, "despacho")

    assert report.refused == [] and len(report.done) == 2
    assert [_assignee(p001, t) for t in tasks] == [None, None]
    key = report.done[0].business_key
    assert key is not None and audit_actions(p001, key)[-1] == "task_released"


def test_a_member_who_does_not_coordinate_still_cannot_release_a_colleagues_task(
    p001: Engine,
) -> None:
    (task,) = _proposals(p001, 1)
    p001.claim(task, "despacho")
    with pytest.raises(Forbidden):
        p001.unclaim(task, "despacho2")
    assert _assignee(p001, task) == "despacho"


def test_bulk_reassign_refuses_a_task_of_a_group_the_coordinator_does_not_lead(
    p001: Engine,
) -> None:
    own, other = _proposals(p001, 2)
    p001.complete(other, "despacho", PROPOSAL)
    approval = task_for(p001, _case_of(p001, other), "aprobar_delegacion").id  # secretario's group

    report = p001.act_on_tasks("reasignar", [own, approval], "despacho", "despacho2")

    assert [o.task_id for o in report.done] == [own]
    assert [o.task_id for o in report.refused] == [approval]
    assert "coordinador" in (report.refused[0].reason or "")
    assert _assignee(p001, own) == "despacho2" and _assignee(p001, approval) is None


def _case_of(engine: Engine, task_id: int) -> str:
    with engine.sessions() as session:
        task = session.get(Task, task_id)
        assert task is not None
        return task.case.business_key


def test_only_coordinators_act_in_bulk(p001: Engine) -> None:
    tasks = _proposals(p001, 1)
    with pytest.raises(Forbidden, match="coordinadores"):
        p001.act_on_tasks("tomar", tasks, "despacho2")
    assert _assignee(p001, tasks[0]) is None


def test_a_bulk_action_needs_tasks_a_known_action_and_for_reassigning_a_person(
    p001: Engine,
) -> None:
    tasks = _proposals(p001, 1)
    with pytest.raises(ValidationError) as nothing:
        p001.act_on_tasks("tomar", [], "despacho")
    assert "tareas" in nothing.value.field_errors
    with pytest.raises(ValidationError) as unknown:
        p001.act_on_tasks("borrar", tasks, "despacho")
    assert "accion" in unknown.value.field_errors
    with pytest.raises(ValidationError) as nobody:
        p001.act_on_tasks("reasignar", tasks, "despacho")
    assert "usuario" in nobody.value.field_errors


# -- follow-up dates --------------------------------------------------------------------------


def test_a_follow_up_date_is_personal_audited_and_shown_in_the_inbox(p001: Engine) -> None:
    (task,) = _proposals(p001, 1)
    p001.set_follow_up(task, "despacho2", date(2026, 12, 3))

    with p001.sessions() as session:
        mine = inbox(session, load_actor(session, "despacho2"), InboxFilter(scope="grupos"), TODAY)
        theirs = inbox(session, load_actor(session, "despacho"), InboxFilter(scope="grupos"), TODAY)
    assert [row.follow_up for row in mine.rows] == [date(2026, 12, 3)]
    assert [row.follow_up for row in theirs.rows] == [None]
    assert audit_actions(p001, _case_of(p001, task))[-1] == "followup_set"

    p001.set_follow_up(task, "despacho2", TODAY)
    assert _inbox_ids(p001, "despacho2", InboxFilter(scope="grupos", follow_up_due=True)) == [task]
    p001.set_follow_up(task, "despacho2", None)
    assert audit_actions(p001, _case_of(p001, task))[-1] == "followup_cleared"
    assert _inbox_ids(p001, "despacho2", InboxFilter(scope="grupos", follow_up_due=True)) == []


def test_a_follow_up_date_in_the_past_is_a_field_error_and_changes_nothing(p001: Engine) -> None:
    (task,) = _proposals(p001, 1)
    before = audit_actions(p001, _case_of(p001, task))
    with pytest.raises(ValidationError) as refused:
        p001.set_follow_up(task, "despacho2", TODAY - timedelta(days=1))
    assert "anterior a hoy" in refused.value.field_errors["seguimiento"]
    assert audit_actions(p001, _case_of(p001, task)) == before
    p001.set_follow_up(task, "despacho2", TODAY)  # today is allowed


def test_only_who_sees_an_open_task_sets_a_follow_up_on_it(p001: Engine) -> None:
    first, second = _proposals(p001, 2)
    with pytest.raises(Forbidden):
        p001.set_follow_up(first, "hacienda", TODAY)
    p001.complete(second, "despacho", PROPOSAL)
    with pytest.raises(Conflict):
        p001.set_follow_up(second, "despacho", TODAY)


def test_the_inbox_sorts_by_follow_up_date_and_filters_those_due_by_today(
    p001: Engine, clock: ManualClock
) -> None:
    later, none, sooner = _proposals(p001, 3)
    p001.set_follow_up(later, "despacho", date(2026, 12, 9))
    p001.set_follow_up(sooner, "despacho", date(2026, 12, 2))

    by_follow_up = _inbox_ids(p001, "despacho", InboxFilter(scope="grupos", sort="seguimiento"))
    assert by_follow_up == [sooner, later, none]  # tasks without a date last
    descending = _inbox_ids(
        p001, "despacho", InboxFilter(scope="grupos", sort="seguimiento", descending=True)
    )
    assert descending == [later, sooner, none]
    assert _inbox_ids(p001, "despacho", InboxFilter(scope="grupos", follow_up_due=True)) == []

    clock.advance(timedelta(days=1))  # 2026-12-02: the sooner one is for today
    with p001.sessions() as session:
        page = inbox(
            session,
            load_actor(session, "despacho"),
            InboxFilter(scope="grupos", follow_up_due=True),
            date(2026, 12, 2),
        )
    assert [row.id for row in page.rows] == [sooner] and page.total == 1
