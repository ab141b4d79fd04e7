"""Policy 3 timers of P001, fired by the engine's clock: reminder and escalation exactly once;
and P005's commitment timers, which run inside the P001 case once the ficha is filed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from engine import Engine, ManualClock, fire_due_timers
from storage.models import Job, Notification
from tests.conftest import BOGOTA
from tests.helpers import (
    audit_actions,
    case_row,
    complete,
    follow_commitments,
    hold_session,
    open_elements,
    open_tasks,
    task_for,
)
from tests.integration.test_p001_paths import FICHA, PROPOSAL, start


def _approved_case(engine: Engine) -> str:
    key = start(engine)  # session on Friday 2026-12-04; ficha due Thursday 2026-12-10
    complete(engine, key, "proponer_delegado", "despacho", PROPOSAL)
    complete(engine, key, "aprobar_delegacion", "secretario", {"decision_secretario": "aprobar"})
    hold_session(engine, key)  # held that day, reported at 17:00
    return key


def _jobs(engine: Engine) -> list[tuple[str, datetime]]:
    with engine.sessions() as session:
        return [
            (job.payload["element"], job.due_at)
            for job in session.scalars(select(Job).order_by(Job.due_at))
        ]


def _reminders(engine: Engine, about: str = "ficha") -> int:
    with engine.sessions() as session:
        query = (
            select(func.count())
            .select_from(Notification)
            .where(Notification.subject.contains("Recordatorio"))
            .where(Notification.subject.contains(about))
        )
        return int(session.scalar(query) or 0)


# P005 sets two timers per commitment: a reminder on its due date, an escalation the next day.
COMMITMENT_TIMERS = ["escalamiento_vencido", "recordatorio_vencimiento"] * 2


def test_reminder_fires_once_one_business_day_before_and_escalation_the_day_after(
    p001: Engine, clock: ManualClock
) -> None:
    key = _approved_case(p001)
    assert [element for element, _ in _jobs(p001)] == ["recordatorio_ficha", "vencimiento_ficha"]

    clock.set(datetime(2026, 12, 9, 7, 59, tzinfo=BOGOTA))  # 2026-12-08 is a holiday
    assert fire_due_timers(p001) == 0
    assert _reminders(p001) == 0

    clock.set(datetime(2026, 12, 9, 8, 0, tzinfo=BOGOTA))
    assert fire_due_timers(p001) == 1
    assert fire_due_timers(p001) == 0
    assert _reminders(p001) == 1
    assert open_elements(p001, key) == ["diligenciar_ficha"]

    clock.set(datetime(2026, 12, 11, 8, 30, tzinfo=BOGOTA))
    assert fire_due_timers(p001) == 1
    assert fire_due_timers(p001) == 0
    assert sorted(open_elements(p001, key)) == ["atender_escalamiento", "diligenciar_ficha"]
    assert task_for(p001, key, "atender_escalamiento").candidate_group == "secretario_gobierno"
    assert audit_actions(p001, key).count("timer_fired") == 2

    complete(
        p001,
        key,
        "atender_escalamiento",
        "secretario",
        {"accion_escalamiento": "Llamada a la delegada"},
    )
    complete(p001, key, "diligenciar_ficha", "delegada", FICHA)
    assert sorted(element for element, _ in _jobs(p001)) == sorted(COMMITMENT_TIMERS)
    follow_commitments(p001, key)
    assert case_row(p001, key).status == "completed"
    assert _jobs(p001) == []
    assert _reminders(p001) == 1
    assert p001.verify_audit(key) == []


def test_a_ficha_filed_on_time_cancels_its_timers(p001: Engine, clock: ManualClock) -> None:
    key = _approved_case(p001)
    complete(p001, key, "diligenciar_ficha", "delegada", FICHA)
    # Only the commitments' timers are left (the earliest due 2026-12-18, salud's due date).
    assert sorted(element for element, _ in _jobs(p001)) == sorted(COMMITMENT_TIMERS)
    clock.set(datetime(2026, 12, 14, 9, 0, tzinfo=BOGOTA))
    assert fire_due_timers(p001) == 0
    assert _reminders(p001) == 0
    follow_commitments(p001, key)
    assert _jobs(p001) == []
    assert case_row(p001, key).status == "completed"


def test_commitment_timers_of_the_called_p005_fire_inside_the_p001_case(
    p001: Engine, clock: ManualClock
) -> None:
    key = _approved_case(p001)
    complete(p001, key, "diligenciar_ficha", "delegada", FICHA)
    salud_due = datetime(2026, 12, 18, 8, 0, tzinfo=BOGOTA)  # salud's commitment is due 12-18
    assert [(element, due) for element, due in _jobs(p001) if due <= salud_due] == [
        ("recordatorio_vencimiento", salud_due)
    ]

    clock.set(datetime(2026, 12, 18, 9, 0, tzinfo=BOGOTA))
    assert fire_due_timers(p001) == 1
    assert _reminders(p001, about="compromiso") == 1
    clock.set(datetime(2026, 12, 21, 9, 0, tzinfo=BOGOTA))  # next business day: escalation
    assert fire_due_timers(p001) == 1
    assert fire_due_timers(p001) == 0
    assert _reminders(p001, about="compromiso") == 1
    with p001.sessions() as session:
        escalations = session.scalars(
            select(Notification.recipient).where(Notification.subject.contains("vencido"))
        ).all()
    assert escalations == ["despacho_gobierno"]
    assert [(t.element_id, t.assignee) for t in open_tasks(p001, key)] == [
        ("reportar_avance", "salud"),
        ("reportar_avance", "movilidad"),
    ]
    assert audit_actions(p001, key).count("timer_fired") == 2
    follow_commitments(p001, key)
    assert case_row(p001, key).status == "completed"
    assert _jobs(p001) == []
    assert p001.verify_audit(key) == []


def test_a_cancelled_case_removes_its_timer_jobs(p001: Engine, clock: ManualClock) -> None:
    key = _approved_case(p001)
    p001.cancel(key, "despacho", "La junta se disolvió")
    assert _jobs(p001) == []


def test_elements_of_the_called_process_are_not_marked_on_the_callers_diagram(
    p001: Engine, clock: ManualClock
) -> None:
    """P005's `fin_recordatorio` (its commitment reminder) shares its id with P001's ficha
    reminder end: the case page must not show P001's reminder as passed when only P005's ran."""
    from engine.authorization import load_actor
    from engine.read.case_views import case_detail
    from storage.models import AuditEvent

    key = _approved_case(p001)
    complete(p001, key, "diligenciar_ficha", "delegada", FICHA)  # on time: no ficha reminder
    clock.set(datetime(2026, 12, 18, 9, 0, tzinfo=BOGOTA))
    assert fire_due_timers(p001) == 1  # salud's commitment reminder, inside P005
    with p001.sessions() as session:
        detail = case_detail(session, load_actor(session, "despacho"), key)
        reminder_ends = session.scalars(
            select(AuditEvent.payload).where(AuditEvent.element_id == "fin_recordatorio")
        ).all()
    assert [payload.get("process") for payload in reminder_ends] == ["P005"]
    assert "fin_recordatorio" not in detail.completed_elements
    assert {"diligenciar_ficha", "inicio"} <= set(detail.completed_elements)
