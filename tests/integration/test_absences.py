"""Issue 14, absences: a user away names a substitute; during the range (Bogotá dates) their
tasks and those offered to their groups also reach the substitute, marked, and audited."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from engine import Conflict, Engine, Forbidden, ManualClock, NotFound, ValidationError
from engine.authorization import load_actor, load_substituting_actor, with_substitutions
from engine.bpm.calendar import BOGOTA
from engine.commands.absences import cancel_absence, declare_absence
from engine.people.administration import deactivate_user, set_groups
from engine.read.comments import case_comments, task_comments
from engine.read.inbox import InboxFilter, inbox
from engine.read.mailbox import mailbox, unread_count
from storage.models import Absence, AuditEvent, Comment, DirectoryChange, Task, User
from tests.helpers import task_for
from tests.integration.test_p001_paths import PROPOSAL, start

TODAY = date(2026, 12, 1)  # tests.conftest.TESTS_START_AT
AWAY_FROM, AWAY_TO = date(2026, 12, 3), date(2026, 12, 4)
ABSENT_NAME = "Contratista Despacho de Gobierno"  # despacho2, of despacho_gobierno


def _on(clock: ManualClock, day: date) -> date:
    clock.set(datetime.combine(day, time(9), BOGOTA))
    return day


def _inbox(engine: Engine, username: str, scope: str, today: date) -> dict[int, str | None]:
    """Task id → its "En suplencia de" name, in `username`'s tab `scope` on `today`."""
    with engine.sessions() as session:
        actor = with_substitutions(session, load_actor(session, username), today)
        page = inbox(session, actor, InboxFilter(scope=scope), today)
    return {row.id: row.on_behalf_of for row in page.rows}


def _away(engine: Engine) -> int:
    """despacho2 is away on 3 and 4 December; juridica (DAGJP, not in their group) stands in."""
    return declare_absence(engine, "despacho2", "despacho2", "juridica", AWAY_FROM, AWAY_TO)


def _counts(engine: Engine) -> tuple[int, int]:
    with engine.sessions() as session:
        return (
            session.scalar(select(func.count()).select_from(Absence)) or 0,
            session.scalar(select(func.count()).select_from(DirectoryChange)) or 0,
        )


def test_the_substitute_sees_the_groups_task_marked_and_completes_it_during_the_range(
    p001: Engine, clock: ManualClock
) -> None:
    key = start(p001)
    task = task_for(p001, key, "proponer_delegado").id
    _away(p001)

    day = _on(clock, AWAY_FROM)
    assert _inbox(p001, "juridica", "grupos", day) == {task: ABSENT_NAME}
    p001.claim(task, "juridica")
    assert _inbox(p001, "juridica", "mias", day) == {task: None}  # taken: now theirs
    p001.complete(task, "juridica", PROPOSAL)

    with p001.sessions() as session:
        completed = session.get(Task, task)
        assert completed is not None and completed.completed_by == "juridica"
        payloads = {
            event.action: event.payload
            for event in session.scalars(select(AuditEvent).where(AuditEvent.action.like("task_%")))
            if event.payload.get("task") == task
        }
    assert payloads["task_claimed"]["on_behalf_of"] == "despacho2"


def test_a_task_assigned_to_the_absent_user_reaches_the_substitute_who_completes_it(
    p001: Engine, clock: ManualClock
) -> None:
    task = task_for(p001, start(p001), "proponer_delegado").id
    p001.claim(task, "despacho2")
    _away(p001)

    day = _on(clock, AWAY_TO)
    assert _inbox(p001, "juridica", "mias", day) == {task: ABSENT_NAME}
    assert _inbox(p001, "juridica", "grupos", day) == {}
    p001.complete(task, "juridica", PROPOSAL)

    with p001.sessions() as session:
        completed = session.get(Task, task)
        assert completed is not None
        assert (completed.assignee, completed.completed_by) == ("despacho2", "juridica")
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "task_completed")
        ).one()
    assert event.actor == "juridica" and event.payload["on_behalf_of"] == "despacho2"


@pytest.mark.parametrize("day", [AWAY_FROM - timedelta(days=1), AWAY_TO + timedelta(days=1)])
def test_before_and_after_the_range_the_substitute_neither_sees_nor_works_the_task(
    p001: Engine, clock: ManualClock, day: date
) -> None:
    task = task_for(p001, start(p001), "proponer_delegado").id
    _away(p001)

    _on(clock, day)
    assert _inbox(p001, "juridica", "grupos", day) == {}
    assert _inbox(p001, "juridica", "mias", day) == {}
    with pytest.raises(Forbidden):
        p001.claim(task, "juridica")
    with pytest.raises(Forbidden):
        p001.complete(task, "juridica", PROPOSAL)


def test_a_cancelled_absence_stops_the_substitution(p001: Engine, clock: ManualClock) -> None:
    task = task_for(p001, start(p001), "proponer_delegado").id
    p001.claim(task, "despacho2")
    absence = _away(p001)
    day = _on(clock, AWAY_FROM)
    assert task in _inbox(p001, "juridica", "mias", day)

    cancel_absence(p001, "despacho2", absence)

    assert _inbox(p001, "juridica", "mias", day) == {}
    with pytest.raises(Forbidden):
        p001.complete(task, "juridica", PROPOSAL)
    with pytest.raises(Conflict):
        cancel_absence(p001, "despacho2", absence)


@pytest.mark.parametrize(
    ("substitute", "starts_on", "ends_on", "field"),
    [
        ("despacho2", AWAY_FROM, AWAY_TO, "suplente"),  # oneself
        ("cultura", AWAY_FROM, AWAY_TO, "suplente"),  # deactivated below
        ("nadie", AWAY_FROM, AWAY_TO, "suplente"),  # not in the directory
        ("juridica", AWAY_TO, AWAY_FROM, "hasta"),  # ends before it starts
        ("juridica", TODAY - timedelta(days=1), AWAY_TO, "desde"),  # in the past
    ],
)
def test_a_refused_absence_changes_nothing(
    engine: Engine, substitute: str, starts_on: date, ends_on: date, field: str
) -> None:
    deactivate_user(engine, "admin", "cultura")
    before = _counts(engine)

    with pytest.raises(ValidationError) as refused:
        declare_absence(engine, "despacho2", "despacho2", substitute, starts_on, ends_on)

    assert field in refused.value.field_errors
    assert _counts(engine) == before


def test_an_overlapping_absence_is_refused(engine: Engine) -> None:
    _away(engine)
    before = _counts(engine)
    with pytest.raises(ValidationError) as refused:
        declare_absence(engine, "despacho2", "despacho2", "orc", AWAY_TO, AWAY_TO)
    assert "desde" in refused.value.field_errors
    assert _counts(engine) == before


def test_only_the_user_or_an_administrator_declares_and_cancels_an_absence(
    engine: Engine,
) -> None:
    before = _counts(engine)
    with pytest.raises(Forbidden):
        declare_absence(engine, "despacho", "despacho2", "juridica", AWAY_FROM, AWAY_TO)
    assert _counts(engine) == before

    absence = declare_absence(engine, "admin", "despacho2", "juridica", AWAY_FROM, AWAY_TO)
    with pytest.raises(Forbidden):
        cancel_absence(engine, "juridica", absence)
    cancel_absence(engine, "admin", absence)


def test_declaring_and_cancelling_are_audited_in_the_directory_trail(engine: Engine) -> None:
    absence = declare_absence(
        engine, "admin", "despacho2", "juridica", AWAY_FROM, AWAY_TO, "Vacaciones"
    )
    cancel_absence(engine, "despacho2", absence)

    with engine.sessions() as session:
        changes = list(
            session.scalars(
                select(DirectoryChange)
                .where(DirectoryChange.action.like("absence_%"))
                .order_by(DirectoryChange.id)
            )
        )
    declared, cancelled = changes
    assert (declared.actor, declared.action, declared.subject) == (
        "admin",
        "absence_declared",
        "usuario:despacho2",
    )
    assert declared.before is None
    assert declared.after == {
        "ausencia": absence,
        "suplente": "juridica",
        "desde": "2026-12-03",
        "hasta": "2026-12-04",
        "motivo": "Vacaciones",
        "cancelada": False,
    }
    assert (cancelled.actor, cancelled.action) == ("despacho2", "absence_cancelled")
    assert cancelled.before == declared.after
    assert cancelled.after == {**declared.after, "cancelada": True}


def test_the_cli_task_list_includes_the_absent_users_tasks(
    p001: Engine, clock: ManualClock
) -> None:
    task = task_for(p001, start(p001), "proponer_delegado").id
    p001.claim(task, "despacho2")
    _away(p001)
    assert task not in [t.id for t in p001.tasks("juridica")]
    _on(clock, AWAY_FROM)
    assert task in [t.id for t in p001.tasks("juridica")]


def test_the_signed_in_actor_s_one_statement_gives_the_same_substitutions(
    engine: Engine,
) -> None:
    """The web app loads the actor and whom they substitute in one statement on every request
    (`load_substituting_actor`); it says what `load_actor` and `with_substitutions` say, on
    every day of the ranges and around them, with an absentee in two groups, a cancelled
    absence and a deactivated absentee."""
    set_groups(engine, "admin", "delegada", ("secretaria_cultura", "orc"))
    _away(engine)
    declare_absence(engine, "delegada", "delegada", "juridica", AWAY_TO, AWAY_TO + timedelta(2))
    cancelled = declare_absence(engine, "hacienda", "hacienda", "juridica", TODAY, AWAY_TO)
    cancel_absence(engine, "hacienda", cancelled)
    declare_absence(engine, "movilidad", "movilidad", "juridica", TODAY, AWAY_FROM)
    deactivate_user(engine, "admin", "movilidad")
    seen = []
    with engine.sessions() as session:
        for offset in range(7):
            day = TODAY + timedelta(offset)
            actor, generation = load_substituting_actor(session, "juridica", day)
            assert actor == with_substitutions(session, load_actor(session, "juridica"), day)
            seen.append([(a.username, sorted(a.groups)) for a in actor.stands_in_for])
        assert (
            generation
            == session.scalars(
                select(User.session_generation).where(User.username == "juridica")
            ).one()
        )
        with pytest.raises(NotFound):
            load_substituting_actor(session, "movilidad", TODAY)
    both = [("delegada", ["orc", "secretaria_cultura"]), ("despacho2", ["despacho_gobierno"])]
    assert seen == [[], [], [both[1]], both, [both[0]], [both[0]], []]


def test_the_substitute_comments_where_the_absent_user_could_during_the_range(
    p001: Engine, clock: ManualClock
) -> None:
    """juridica (DAGJP) has nothing to do with the case; standing in for despacho2, whose
    group holds its open task, she comments on the case and on the task, audited as such."""
    key = start(p001)
    task = task_for(p001, key, "proponer_delegado").id
    _away(p001)
    with pytest.raises(Forbidden):
        p001.comment("juridica", "Antes de la ausencia", business_key=key)

    day = _on(clock, AWAY_FROM)
    p001.comment("juridica", "Reviso la propuesta mientras tanto.", business_key=key)
    p001.comment("juridica", "Propuesta en revisión.", task_id=task)

    with p001.sessions() as session:
        events = list(
            session.scalars(
                select(AuditEvent)
                .where(AuditEvent.action.in_(("case_commented", "task_commented")))
                .order_by(AuditEvent.seq)
            )
        )
        substitute = with_substitutions(session, load_actor(session, "juridica"), day)
        assert case_comments(session, substitute, key).may_write is True
        assert task_comments(session, substitute, task).may_write is True
    assert [(e.actor, e.payload.get("on_behalf_of")) for e in events] == [
        ("juridica", "despacho2"),
        ("juridica", "despacho2"),
    ]
    assert p001.verify_audit(key) == []

    _on(clock, AWAY_TO + timedelta(days=1))
    with pytest.raises(Forbidden):
        p001.comment("juridica", "Después de la ausencia", task_id=task)
    with p001.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Comment)) == 2


def test_a_member_s_own_comment_is_not_marked_as_a_substitution(
    p001: Engine, clock: ManualClock
) -> None:
    """despacho substitutes despacho2 but works on the case on his own right: no note."""
    key = start(p001)
    declare_absence(p001, "despacho2", "despacho2", "despacho", AWAY_FROM, AWAY_TO)
    _on(clock, AWAY_FROM)
    p001.comment("despacho", "Por mi cuenta.", business_key=key)
    with p001.sessions() as session:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "case_commented")
        ).one()
    assert "on_behalf_of" not in event.payload


def _substitute_mailbox(engine: Engine, day: date) -> list[tuple[str, str | None]]:
    """juridica's Buzón on `day`: each notice's body and whom it reached her for."""
    with engine.sessions() as session:
        actor = with_substitutions(session, load_actor(session, "juridica"), day)
        return [(m.body, m.on_behalf_of) for m in mailbox(session, actor)]


def test_the_substitute_receives_the_absent_user_s_notices_while_the_absence_lasts(
    p001: Engine, clock: ManualClock
) -> None:
    """A mention of despacho2 during the range reaches juridica's Buzón too, marked with
    despacho2's name; an earlier one stays despacho2's; once the range is over, or the
    absence cancelled, the substitute no longer reads them."""
    key = start(p001)
    absence = _away(p001)
    p001.comment("despacho", "@despacho2 antes de la ausencia.", business_key=key)

    day = _on(clock, AWAY_FROM)
    assert _substitute_mailbox(p001, day) == []
    p001.comment("despacho", "@despacho2 durante la ausencia.", business_key=key)

    [(body, on_behalf_of)] = _substitute_mailbox(p001, day)
    assert "durante la ausencia." in body and on_behalf_of == ABSENT_NAME
    with p001.sessions() as session:
        substitute = with_substitutions(session, load_actor(session, "juridica"), day)
        assert unread_count(session, substitute) == 1
        # despacho2 keeps both, as their own.
        own = mailbox(session, load_actor(session, "despacho2"))
        assert [m.on_behalf_of for m in own if "ausencia" in m.body] == [None, None]
    assert _substitute_mailbox(p001, _on(clock, AWAY_TO + timedelta(days=1))) == []
    _on(clock, AWAY_FROM)
    cancel_absence(p001, "despacho2", absence)
    assert _substitute_mailbox(p001, AWAY_FROM) == []
