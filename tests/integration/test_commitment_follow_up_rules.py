"""Issue 17, P005 and P006: reminders N business days before a commitment is due (Colombian
holidays excluded), partial progress that keeps the commitment open, a reprogrammed date that
must lie in the future, ORC verifying its own procedures' commitments, the partner's withdrawal
and the budget-availability (CDP) step of an alliance that commits funds."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from sqlalchemy import select

from engine import Engine, ManualClock, ValidationError, fire_due_timers
from engine.bpm.date_rules import date_rule_errors
from storage.models import Commitment, Job, Notification
from tests.conftest import BOGOTA
from tests.helpers import audit_actions, case_row, complete, open_elements, task_for

MEETING: dict[str, Any] = {
    "fecha_reunion": "2026-12-01",
    "asistentes": ["Ana Pérez"],
    "objetivo": "Seguimiento escolar",
    "orden_del_dia": ["Compromisos"],
    "desarrollo": "Se acordó un compromiso.",
    "compromisos": [
        {
            "descripcion": "Entregar el informe de vacunación",
            "responsable": "salud",
            "fecha_limite": "2026-12-10",  # Thursday; Tuesday 2026-12-08 is a holiday
        }
    ],
}
PARTNER = {
    "socio": "Agencia de cooperación del Norte",
    "tipo_socio": "agencia",
    "pais": "Noruega",
    "interes": "Gestión del riesgo",
}
APPROACH = {
    "fecha_acercamiento": "2026-12-02",
    "medio_acercamiento": "correo",
    "resultado_acercamiento": "Interés en un convenio",
}
SCOPE = {
    "instrumento": "convenio",
    "objeto_alianza": "Cooperación técnica en gestión del riesgo",
    "lineas_cooperacion": ["Gestión del riesgo"],
    "vigencia_meses": 24,
    "borrador_instrumento": "data:application/pdf;base64,JVBERi0xLjQK",
}


def _reminder_jobs(engine: Engine) -> list[datetime]:
    with engine.sessions() as session:
        return [
            job.due_at
            for job in session.scalars(select(Job).order_by(Job.due_at))
            if job.payload["element"] == "recordatorio_vencimiento"
        ]


def _subjects(engine: Engine, recipient: str) -> list[str]:
    """Reminder subjects without their "[business key] " prefix."""
    with engine.sessions() as session:
        return [
            subject.split("] ", 1)[-1]
            for subject in session.scalars(
                select(Notification.subject)
                .where(Notification.recipient == recipient)
                .where(Notification.subject.contains("Recordatorio"))
                .order_by(Notification.id)
            )
        ]


def _commitment(engine: Engine) -> Commitment:
    with engine.sessions() as session:
        row = session.scalars(select(Commitment)).one()
        session.expunge(row)
        return row


def _at(day: int, hour: int = 8, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=BOGOTA)


def test_the_reminder_goes_out_three_business_days_before_skipping_the_holiday(
    procedures: Engine, clock: ManualClock
) -> None:
    procedures.start("P005", "despacho", {**MEETING, "dias_aviso_compromisos": 3})
    # 12-10 minus three business days: 12-09, 12-07 (12-08 is a holiday), 12-04.
    assert [due.astimezone(BOGOTA) for due in _reminder_jobs(procedures)] == [_at(4)]

    clock.set(_at(4, 7, 59))
    assert fire_due_timers(procedures) == 0
    clock.set(_at(4))
    assert fire_due_timers(procedures) == 1
    assert _subjects(procedures, "salud") == [
        "Recordatorio: compromiso que vence el 10 de diciembre de 2026"
    ]


def test_without_an_advance_the_reminder_says_today_on_the_due_date_only(
    procedures: Engine, clock: ManualClock
) -> None:
    procedures.start("P005", "despacho", MEETING)
    assert [due.astimezone(BOGOTA) for due in _reminder_jobs(procedures)] == [_at(10)]
    clock.set(_at(10))
    assert fire_due_timers(procedures) == 1
    assert _subjects(procedures, "salud") == ["Recordatorio: compromiso que vence hoy"]


def test_partial_progress_keeps_the_commitment_open_and_sends_no_second_reminder(
    procedures: Engine, clock: ManualClock
) -> None:
    key = procedures.start("P005", "despacho", {**MEETING, "dias_aviso_compromisos": 3})
    clock.set(_at(4, 9))
    assert fire_due_timers(procedures) == 1
    partial = {"avance": "5 de 12 colegios", "avance_parcial": True, "porcentaje_avance": 40}
    complete(procedures, key, "reportar_avance", "salud", partial)

    assert open_elements(procedures, key) == ["reportar_avance"]
    row = _commitment(procedures)
    assert row.status == "en_progreso"
    assert row.history[-1]["progress"] == "5 de 12 colegios"
    assert row.history[-1]["percent"] == 40
    # The timers hang on the execution subprocess: a partial report does not re-arm them.
    assert fire_due_timers(procedures) == 0
    assert len(_subjects(procedures, "salud")) == 1
    assert _reminder_jobs(procedures) == []

    complete(procedures, key, "reportar_avance", "salud", {"avance": "Informe entregado"})
    assert open_elements(procedures, key) == ["verificar_compromiso"]


def test_a_partial_report_needs_its_percentage(procedures: Engine) -> None:
    key = procedures.start("P005", "despacho", MEETING)
    with pytest.raises(ValidationError) as refused:
        complete(
            procedures, key, "reportar_avance", "salud", {"avance": "x", "avance_parcial": True}
        )
    assert set(refused.value.field_errors) == {"porcentaje_avance"}
    assert _commitment(procedures).status == "pendiente"


@pytest.mark.parametrize("new_due", ["2026-12-04", "2026-12-03"])
def test_a_reprogrammed_due_date_that_is_not_in_the_future_is_a_field_error(
    procedures: Engine, clock: ManualClock, new_due: str
) -> None:
    key = procedures.start("P005", "despacho", MEETING)
    complete(procedures, key, "reportar_avance", "salud", {"avance": "Borrador"})
    clock.set(_at(4, 10))
    verdict = {
        "estado_compromiso": "reprogramado",
        "razon_reprogramacion": "Faltan datos",
        "nueva_fecha_limite": new_due,
    }
    with pytest.raises(ValidationError) as refused:
        complete(procedures, key, "verificar_compromiso", "despacho", verdict)
    assert refused.value.field_errors == {
        "nueva_fecha_limite": "debe ser posterior a hoy (2026-12-04)"
    }
    assert open_elements(procedures, key) == ["verificar_compromiso"]
    assert _commitment(procedures).due_date == date(2026, 12, 10)

    complete(
        procedures,
        key,
        "verificar_compromiso",
        "despacho",
        {**verdict, "nueva_fecha_limite": "2026-12-07"},
    )
    assert _commitment(procedures).due_date == date(2026, 12, 7)
    assert open_elements(procedures, key) == ["reportar_avance"]


def test_x_after_today_refuses_today_and_accepts_tomorrow() -> None:
    schema = {"properties": {"nueva": {"type": "string", "x-after": "today"}}}
    today = date(2026, 12, 4)
    assert date_rule_errors(schema, {"nueva": "2026-12-04"}, {}, today) == {
        "nueva": "debe ser posterior a hoy (2026-12-04)"
    }
    assert date_rule_errors(schema, {"nueva": "2026-12-05"}, {}, today) == {}


def _signed_alliance(engine: Engine, scope: dict[str, Any]) -> str:
    key = engine.start("P006", "orc", PARTNER)
    complete(engine, key, "acercamiento_socio", "orc", APPROACH)
    complete(engine, key, "definir_alcance", "orc", scope)
    return key


PLAN = {
    "resumen_plan_accion": "Misión técnica",
    "compromisos": [
        {
            "descripcion": "Organizar la misión",
            "responsable": "movilidad",
            "fecha_limite": "2027-03-31",
        }
    ],
}


def test_orc_verifies_the_commitments_of_its_alliances_and_despacho_those_of_p005(
    procedures: Engine,
) -> None:
    key = _signed_alliance(procedures, SCOPE)
    complete(procedures, key, "revision_juridica", "juridica", {"concepto_dagjp": "viable"})
    signed = {
        "decision_alcalde": "firmar",
        "fecha_firma": "2026-12-15",
        "instrumento_firmado": "data:application/pdf;base64,JVBERi0xLjQK",
    }
    complete(procedures, key, "firma_alcalde", "alcalde", signed)
    complete(procedures, key, "plan_accion", "orc", PLAN)
    complete(procedures, key, "reportar_avance", "movilidad", {"avance": "Misión realizada"})
    assert task_for(procedures, key, "verificar_compromiso").candidate_group == "orc"

    meeting = procedures.start("P005", "despacho", MEETING)
    complete(procedures, meeting, "reportar_avance", "salud", {"avance": "Informe entregado"})
    assert task_for(procedures, meeting, "verificar_compromiso").candidate_group == (
        "despacho_gobierno"
    )


def test_the_partner_withdrawing_ends_the_alliance_with_that_outcome(procedures: Engine) -> None:
    key = _signed_alliance(
        procedures, {"socio_desiste": True, "motivo_desistimiento": "La agencia cerró su oficina"}
    )
    case = case_row(procedures, key)
    assert case.status == "completed"
    assert case.outcome == "El socio desistió de la alianza"
    assert open_elements(procedures, key) == []
    assert "task_completed" in audit_actions(procedures, key)
    assert case.data["motivo_desistimiento"] == "La agencia cerró su oficina"


def test_the_budget_step_comes_only_when_the_instrument_commits_funds(procedures: Engine) -> None:
    without_funds = _signed_alliance(procedures, SCOPE)
    assert open_elements(procedures, without_funds) == ["revision_juridica"]

    with_funds = _signed_alliance(
        procedures, {**SCOPE, "compromete_recursos": True, "valor_recursos": 150000000}
    )
    cdp = task_for(procedures, with_funds, "disponibilidad_presupuestal")
    assert cdp.candidate_group == "hacienda"
    complete(
        procedures,
        with_funds,
        "disponibilidad_presupuestal",
        "hacienda",
        {
            "decision_hacienda_cdp": "expedido",
            "numero_cdp": "3500012345",
            "fecha_cdp": "2026-12-01",
            "valor_cdp": 150000000,
            "rubro_presupuestal": "Cooperación internacional",
        },
    )
    assert open_elements(procedures, with_funds) == ["revision_juridica"]
