"""Issue 17, P002: a Concejo citation (Constitución art. 313-11; Ley 136 de 1994 art. 38) is no
invitation: the Secretario can neither decline nor delegate it; the answer to its written
cuestionario is due a number of business days before the debate; a postponement is asked of
the Concejo, which grants it (new date) or denies it (he attends)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from engine import Engine, ValidationError
from tests.conftest import BPMN
from tests.helpers import complete, open_elements, task_for
from tests.web.conftest import bearer, make_app

CITATION = {
    "tipo_actividad": "citacion_concejo",
    "nombre_actividad": "Debate de control político sobre seguridad",
    "solicitante": "Concejo Distrital de Santiago de Cali",
    "fecha_evento": "2026-12-10",
    "fecha_citacion": "2026-11-24",
    "cuestionario": "1. ¿Cuántos homicidios hubo en el oriente en 2026?",
    "dias_respuesta_cuestionario": 2,
}
SCREENING = {"recomendacion_tamizaje": "aceptar", "organismo_responsable": "secretaria_salud"}


def _cited(engine: Engine, **changes: Any) -> str:
    engine.deploy([BPMN / "P002_actividades_secretario.bpmn"], "admin")
    key = engine.start("P002", "despacho", {**CITATION, **changes})
    complete(engine, key, "tamizar_solicitud", "despacho", SCREENING)
    return key


def _instructions(engine: Engine, key: str, element: str, user: str) -> str:
    client = make_app(engine).test_client()
    task = task_for(engine, key, element)
    body = client.get(f"/api/tareas/{task.id}", headers=bearer(engine, user)).json
    assert body is not None
    return str(body["instructions"])


def test_a_citation_goes_to_the_secretario_without_the_invitation_choices(engine: Engine) -> None:
    key = _cited(engine)
    assert open_elements(engine, key) == ["decidir_citacion"]
    task = task_for(engine, key, "decidir_citacion").id
    for refused in (
        {"decision_citacion": "declinar"},
        {"decision_citacion": "delegar"},
        {"decision_secretario": "delegar", "delegado": "delegada"},
    ):
        with pytest.raises(ValidationError):
            engine.complete(task, "secretario", refused)
    assert open_elements(engine, key) == ["decidir_citacion"]


def test_an_invitation_still_offers_accept_delegate_or_decline(engine: Engine) -> None:
    key = _cited(engine, tipo_actividad="evento")
    assert open_elements(engine, key) == ["decidir_asistencia"]


def test_a_citation_without_its_written_cuestionario_is_refused(engine: Engine) -> None:
    engine.deploy([BPMN / "P002_actividades_secretario.bpmn"], "admin")
    data = {key: value for key, value in CITATION.items() if key != "cuestionario"}
    with pytest.raises(ValidationError) as refused:
        engine.start("P002", "despacho", data)
    assert "cuestionario" in refused.value.field_errors


def test_the_answer_is_due_its_business_days_before_the_debate(engine: Engine) -> None:
    key = _cited(engine)
    complete(engine, key, "decidir_citacion", "secretario", {"decision_citacion": "asistir"})
    answer = task_for(engine, key, "responder_cuestionario")
    # Debate Thursday 10 December 2026; Tuesday 8 is a holiday: two business days before is Monday 7.
    assert answer.due_date == date(2026, 12, 7)
    assert answer.candidate_group == "secretaria_salud"


def test_a_citation_received_late_warns_the_secretario(engine: Engine) -> None:
    key = _cited(engine, fecha_citacion="2026-12-04")
    text = _instructions(engine, key, "decidir_citacion", "secretario")
    # 4 December to 10 December: Monday 7 and Wednesday 9 are full business days (8 is a holiday).
    assert "con 2 días hábiles de anticipación; la ley exige al menos 5" in text


def test_a_citation_received_in_time_carries_no_warning(engine: Engine) -> None:
    key = _cited(engine)
    assert "la ley exige al menos 5" not in _instructions(
        engine, key, "decidir_citacion", "secretario"
    )


def test_a_granted_postponement_moves_the_debate_and_the_answers_term(engine: Engine) -> None:
    key = _cited(engine)
    complete(engine, key, "decidir_citacion", "secretario",
             {"decision_citacion": "solicitar_aplazamiento", "motivo_aplazamiento": "Consejo de seguridad"})  # fmt: skip
    assert task_for(engine, key, "gestionar_aplazamiento").due_date == date(2026, 12, 9)
    complete(engine, key, "gestionar_aplazamiento", "despacho",
             {"decision_concejo_aplazamiento": "concedido", "nueva_fecha_citacion": "2026-12-17"})  # fmt: skip
    assert "nueva fecha del debate es el 2026-12-17" in _instructions(
        engine, key, "decidir_citacion", "secretario"
    )
    complete(engine, key, "decidir_citacion", "secretario", {"decision_citacion": "asistir"})
    assert task_for(engine, key, "responder_cuestionario").due_date == date(2026, 12, 15)


def test_a_denied_postponement_leaves_the_secretario_to_attend(engine: Engine) -> None:
    key = _cited(engine)
    complete(engine, key, "decidir_citacion", "secretario",
             {"decision_citacion": "solicitar_aplazamiento", "motivo_aplazamiento": "Agenda"})  # fmt: skip
    complete(
        engine,
        key,
        "gestionar_aplazamiento",
        "despacho",
        {"decision_concejo_aplazamiento": "negado"},
    )
    assert open_elements(engine, key) == ["responder_cuestionario"]
    assert task_for(engine, key, "responder_cuestionario").due_date == date(2026, 12, 7)
