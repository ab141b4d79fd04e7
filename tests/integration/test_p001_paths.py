"""Every path of P001 (delegaciones del alcalde) end to end through the engine."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from engine import Engine
from storage.models import Commitment, Notification
from tests.helpers import audit_actions, case_row, complete, open_elements, task_for

INVITATION = {
    "instancia": "Junta Directiva de EMCALI",
    "asunto": "Sesión ordinaria de diciembre",
    "fecha_sesion": "2026-12-04",
    "lugar": "Edificio CAM",
    "tipo_delegacion": "puntual",
}
PROPOSAL = {"delegado": "delegada", "cargo_delegado": "Subsecretaria de Cultura"}
FICHA = {
    "fecha_realizacion": "2026-12-04",
    "resumen_sesion": "Se aprobó el presupuesto 2027.",
    "decisiones": [{"descripcion": "Aprobar presupuesto"}],
    "compromisos": [
        {"descripcion": "Enviar informe", "responsable": "salud", "fecha_limite": "2026-12-18"},
        {
            "descripcion": "Revisar tarifas",
            "responsable": "movilidad",
            "fecha_limite": "2027-01-15",
        },
    ],
}


def start(engine: Engine, **changes: str) -> str:
    return engine.start("P001", "despacho", {**INVITATION, **changes})


def test_one_session_delegation_approved_reaches_ficha_and_registers_commitments(
    p001: Engine,
) -> None:
    key = start(p001)
    complete(p001, key, "proponer_delegado", "despacho", PROPOSAL)
    complete(p001, key, "aprobar_delegacion", "secretario", {"decision_secretario": "aprobar"})

    ficha = task_for(p001, key, "diligenciar_ficha")
    assert ficha.assignee == "delegada"
    assert ficha.candidate_group is None
    assert ficha.due_date == date(2026, 12, 10)  # 2026-12-08 is a holiday
    p001.complete(ficha.id, "delegada", FICHA)

    assert open_elements(p001, key) == []
    assert case_row(p001, key).status == "completed"
    with p001.sessions() as session:
        commitments = session.scalars(select(Commitment).order_by(Commitment.id)).all()
        recipients = set(session.scalars(select(Notification.recipient)))
    assert [(c.responsible, c.status) for c in commitments] == [
        ("salud", "pendiente"),
        ("movilidad", "pendiente"),
    ]
    assert {"delegada", "salud", "movilidad"} <= recipients
    assert audit_actions(p001, key)[-1] == "case_completed"
    assert p001.verify_audit(key) == []


def test_standing_delegation_requires_the_administrative_act(p001: Engine) -> None:
    key = start(p001, tipo_delegacion="permanente")
    complete(p001, key, "proponer_delegado", "despacho", PROPOSAL)
    complete(p001, key, "aprobar_delegacion", "secretario", {"decision_secretario": "aprobar"})

    assert open_elements(p001, key) == ["tramitar_acto_delegacion"]
    complete(
        p001,
        key,
        "tramitar_acto_delegacion",
        "despacho2",
        {"numero_acto": "DECRETO 0412 de 2026", "fecha_acto": "2026-12-02"},
    )
    assert open_elements(p001, key) == ["diligenciar_ficha"]
    complete(p001, key, "diligenciar_ficha", "delegada", FICHA)
    assert case_row(p001, key).status == "completed"


def test_rejected_delegation_ends_without_ficha(p001: Engine) -> None:
    key = start(p001)
    complete(p001, key, "proponer_delegado", "despacho", PROPOSAL)
    complete(
        p001,
        key,
        "aprobar_delegacion",
        "secretario",
        {"decision_secretario": "rechazar", "observaciones_secretario": "El Alcalde asistirá"},
    )
    assert open_elements(p001, key) == []
    case = case_row(p001, key)
    assert case.status == "completed"
    assert case.data["decision_secretario"] == "rechazar"


def test_returned_proposal_goes_back_to_despacho_then_approved(p001: Engine) -> None:
    key = start(p001)
    complete(p001, key, "proponer_delegado", "despacho", PROPOSAL)
    complete(
        p001,
        key,
        "aprobar_delegacion",
        "secretario",
        {
            "decision_secretario": "devolver",
            "observaciones_secretario": "Proponer a alguien de Salud",
        },
    )
    assert open_elements(p001, key) == ["proponer_delegado"]
    complete(
        p001,
        key,
        "proponer_delegado",
        "despacho",
        {"delegado": "salud", "cargo_delegado": "Secretario de Salud"},
    )
    complete(p001, key, "aprobar_delegacion", "secretario", {"decision_secretario": "aprobar"})
    assert task_for(p001, key, "diligenciar_ficha").assignee == "salud"
    assert p001.verify_audit(key) == []


@pytest.mark.parametrize("decision", ["devolver", "rechazar"])
def test_return_or_reject_without_observations_is_refused(p001: Engine, decision: str) -> None:
    from engine import ValidationError

    key = start(p001)
    complete(p001, key, "proponer_delegado", "despacho", PROPOSAL)
    with pytest.raises(ValidationError) as error:
        complete(p001, key, "aprobar_delegacion", "secretario", {"decision_secretario": decision})
    assert "observaciones_secretario" in error.value.field_errors
    assert open_elements(p001, key) == ["aprobar_delegacion"]
