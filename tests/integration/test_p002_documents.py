"""Issue 17, P002: a document an organism submits for the Secretario's visto bueno (the process's
circular: "se gestiona su visto bueno"). Despacho de Gobierno reviews it, the Secretario grants
the visto bueno or returns it; every return goes back to the organism, which adjusts it (back to
the review) or desists; granted, the Mayor's office is told when it goes to his signature and the
organism is told the outcome. Decrees and resolutions do not come this way: they follow P003.
And the meeting record's attendees and agenda are lists, as in P005's."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from engine import Engine, ValidationError
from storage.models import Notification
from tests.conftest import BPMN
from tests.helpers import case_row, complete, open_elements, task_for
from tests.web.conftest import bearer, make_app

PDF = "data:application/pdf;base64,JVBERi0xLjQK"
DOCUMENT = {
    "tipo_actividad": "visto_bueno_documento",
    "nombre_actividad": "Oficio al Ministerio de Salud sobre la red hospitalaria",
    "organismo_solicitante": "secretaria_salud",
    "tipo_documento": "oficio",
    "documento_visto_bueno": PDF,
    "requiere_firma_alcalde": True,
}
APPROVE = {"decision_revision_documento": "aprobar"}
GRANT = {"decision_visto_bueno_documento": "otorgar"}
ADJUSTED = {
    "decision_correccion_documento": "ajustado",
    "documento_ajustado": PDF,
    "descripcion_ajustes_documento": "Se agregaron las cifras de 2026",
}


def _submitted(engine: Engine, **changes: Any) -> str:
    engine.deploy([BPMN / "P002_actividades_secretario.bpmn"], "admin")
    return engine.start("P002", "despacho", {**DOCUMENT, **changes})


def _instructions(engine: Engine, key: str, element: str, user: str) -> str:
    client = make_app(engine).test_client()
    task = task_for(engine, key, element)
    body = client.get(f"/api/tareas/{task.id}", headers=bearer(engine, user)).json
    assert body is not None
    return str(body["instructions"])


def _notices(engine: Engine, key: str) -> list[tuple[str, str, str]]:
    case_id = case_row(engine, key).id
    with engine.sessions() as session:
        return [
            (n.recipient, n.recipient_kind, n.body)
            for n in session.scalars(
                select(Notification)
                .where(
                    Notification.case_id == case_id,
                    Notification.subject.like("%] Visto bueno del Secretario%")
                    | Notification.subject.like("%] Documento para firma del Alcalde%"),
                )
                .order_by(Notification.id)
            )
        ]


def test_a_document_skips_the_screening_and_goes_to_despachos_review(engine: Engine) -> None:
    key = _submitted(engine)
    assert open_elements(engine, key) == ["revisar_documento"]
    review = task_for(engine, key, "revisar_documento")
    # Tuesday 1 December 2026 + 3 business days (Tuesday 8 is a holiday): Friday 4.
    assert (review.candidate_group, review.due_date) == ("despacho_gobierno", date(2026, 12, 4))
    complete(engine, key, "revisar_documento", "despacho", APPROVE)
    granting = task_for(engine, key, "visto_bueno_documento")
    assert (granting.candidate_group, granting.due_date) == (
        "secretario_gobierno",
        date(2026, 12, 4),
    )


def test_a_document_without_its_organism_type_file_or_signature_answer_is_refused(
    engine: Engine,
) -> None:
    engine.deploy([BPMN / "P002_actividades_secretario.bpmn"], "admin")
    bare = {"tipo_actividad": "visto_bueno_documento", "nombre_actividad": "Oficio"}
    with pytest.raises(ValidationError) as refused:
        engine.start("P002", "despacho", bare)
    errors = refused.value.field_errors
    for field in ("organismo_solicitante", "tipo_documento", "documento_visto_bueno", "requiere_firma_alcalde"):  # fmt: skip
        assert errors[field] == "este campo es obligatorio"
    # A document has no event date nor an outside requester; a request for his presence does.
    assert "fecha_evento" not in errors and "solicitante" not in errors
    with pytest.raises(ValidationError) as refused:
        engine.start("P002", "despacho", {"tipo_actividad": "evento", "nombre_actividad": "Foro"})
    assert {"fecha_evento", "solicitante"} <= set(refused.value.field_errors)


def test_a_decree_is_not_a_document_for_this_path_it_follows_p003(engine: Engine) -> None:
    engine.deploy([BPMN / "P002_actividades_secretario.bpmn"], "admin")
    with pytest.raises(ValidationError) as refused:
        engine.start("P002", "despacho", {**DOCUMENT, "tipo_documento": "decreto"})
    assert refused.value.field_errors == {
        "tipo_documento": "el valor no está entre las opciones permitidas"
    }


def test_a_return_goes_to_the_organism_with_the_latest_reason_and_back_to_the_review(
    engine: Engine,
) -> None:
    key = _submitted(engine, requiere_firma_alcalde=False)
    returned = {"decision_revision_documento": "devolver", "observaciones_revision_documento": ""}
    with pytest.raises(ValidationError) as refused:
        complete(engine, key, "revisar_documento", "despacho", returned)
    assert refused.value.field_errors == {
        "observaciones_revision_documento": "no puede estar vacío"
    }
    returned["observaciones_revision_documento"] = "Faltan las cifras de 2026"
    complete(engine, key, "revisar_documento", "despacho", returned)
    correction = task_for(engine, key, "corregir_documento")
    # 1 December + 10 business days (8 December is a holiday): 16 December.
    assert (correction.candidate_group, correction.due_date) == (
        "secretaria_salud",
        date(2026, 12, 16),
    )
    assert "Devuelto por Despacho de Gobierno:** Faltan las cifras de 2026" in _instructions(
        engine, key, "corregir_documento", "salud"
    )
    with pytest.raises(ValidationError) as refused:
        complete(engine, key, "corregir_documento", "salud",
                 {k: v for k, v in ADJUSTED.items() if k != "documento_ajustado"})  # fmt: skip
    assert refused.value.field_errors == {"documento_ajustado": "este campo es obligatorio"}
    complete(engine, key, "corregir_documento", "salud", ADJUSTED)
    assert open_elements(engine, key) == ["revisar_documento"]
    assert "El organismo lo **ajustó**: Se agregaron las cifras de 2026" in _instructions(
        engine, key, "revisar_documento", "despacho"
    )
    complete(engine, key, "revisar_documento", "despacho", APPROVE)
    complete(engine, key, "visto_bueno_documento", "secretario",
             {"decision_visto_bueno_documento": "devolver",
              "observaciones_visto_bueno_documento": "Suavizar el tono"})  # fmt: skip
    assert "Devuelto por el Secretario de Gobierno:** Suavizar el tono" in _instructions(
        engine, key, "corregir_documento", "salud"
    )
    complete(engine, key, "corregir_documento", "salud", ADJUSTED)
    complete(engine, key, "revisar_documento", "despacho", APPROVE)
    complete(engine, key, "visto_bueno_documento", "secretario", GRANT)
    case = case_row(engine, key)
    assert (case.status, case.outcome) == ("completed", "Visto bueno otorgado")
    assert _notices(engine, key) == [
        ("secretaria_salud", "group",
         "El Secretario de Gobierno otorgó su visto bueno al documento "
         "Oficio al Ministerio de Salud sobre la red hospitalaria."),
    ]  # fmt: skip


def test_a_document_for_the_mayors_signature_is_announced_to_his_office(engine: Engine) -> None:
    key = _submitted(engine)
    complete(engine, key, "revisar_documento", "despacho", APPROVE)
    complete(engine, key, "visto_bueno_documento", "secretario", GRANT)
    case = case_row(engine, key)
    assert case.outcome == "Visto bueno otorgado · Pasa a firma del Alcalde"
    [(office, kind, _), (organism, _, told)] = _notices(engine, key)
    assert (office, kind, organism) == ("despacho_alcalde", "group", "secretaria_salud")
    assert told.endswith("; pasa a firma del Alcalde.")


def test_the_organism_may_desist_and_the_case_ends_without_visto_bueno(engine: Engine) -> None:
    key = _submitted(engine)
    complete(engine, key, "revisar_documento", "despacho",
             {"decision_revision_documento": "devolver",
              "observaciones_revision_documento": "No es competencia del Secretario"})  # fmt: skip
    complete(engine, key, "corregir_documento", "salud",
             {"decision_correccion_documento": "desistir",
              "descripcion_ajustes_documento": "Lo firma la Secretaria de Salud"})  # fmt: skip
    case = case_row(engine, key)
    assert (case.status, case.outcome) == ("completed", "Desistido")
    assert _notices(engine, key) == []


# -- the meeting record's lists ---------------------------------------------------------------

SCREENING = {"recomendacion_tamizaje": "aceptar", "organismo_responsable": "secretaria_salud"}
MINUTES = {
    "fecha_reunion": "2026-12-03",
    "objetivo": "Plan de seguridad del oriente",
    "desarrollo": "Se presentó el plan.",
}


def _at_the_meeting(engine: Engine) -> str:
    engine.deploy([BPMN / "P002_actividades_secretario.bpmn"], "admin")
    key = engine.start("P002", "despacho", {
        "tipo_actividad": "reunion", "nombre_actividad": "Mesa de seguridad",
        "solicitante": "Policía Metropolitana", "fecha_evento": "2026-12-03",
    })  # fmt: skip
    complete(engine, key, "tamizar_solicitud", "despacho", SCREENING)
    complete(engine, key, "decidir_asistencia", "secretario", {"decision_secretario": "aceptar"})
    complete(engine, key, "agendar_actividad", "despacho",
             {"fecha_agendada": "2026-12-03", "hora_agendada": "09:00", "lugar_agendado": "CAM"})  # fmt: skip
    complete(engine, key, "preparar_insumos", "salud", {"resumen_insumos": "Cifras"})
    return key


@pytest.mark.parametrize(
    ("attendees", "agenda", "errors"),
    [
        ("Ana; Luis", "1. Cifras", {"asistentes": "el tipo de dato no es válido",
                                    "orden_del_dia": "el tipo de dato no es válido"}),
        ([], [], {"asistentes": "debe tener al menos un elemento",
                  "orden_del_dia": "debe tener al menos un elemento"}),
        ([""], ["Cifras", ""], {"asistentes.0": "no puede estar vacío",
                                "orden_del_dia.1": "no puede estar vacío"}),
        ([{"cargo": "Comandante"}], ["Cifras"], {"asistentes.0.nombre": "este campo es obligatorio"}),
    ],
)  # fmt: skip
def test_the_minutes_refuse_attendees_and_agenda_that_are_not_lists_of_names_and_topics(
    engine: Engine, attendees: Any, agenda: Any, errors: dict[str, str]
) -> None:
    key = _at_the_meeting(engine)
    with pytest.raises(ValidationError) as refused:
        complete(engine, key, "registrar_reunion", "despacho",
                 {**MINUTES, "asistentes": attendees, "orden_del_dia": agenda})  # fmt: skip
    assert refused.value.field_errors == errors
    assert open_elements(engine, key) == ["registrar_reunion"]


def test_the_minutes_keep_attendees_as_names_or_details_and_the_agenda_in_order(
    engine: Engine,
) -> None:
    key = _at_the_meeting(engine)
    attendees = ["Secretario de Gobierno", {"nombre": "Ana Pérez", "cargo": "Comandante",
                                            "organismo": "Policía Nacional"}]  # fmt: skip
    complete(engine, key, "registrar_reunion", "despacho",
             {**MINUTES, "asistentes": attendees, "orden_del_dia": ["Cifras", "Plan"]})  # fmt: skip
    data = case_row(engine, key).data
    assert (data["asistentes"], data["orden_del_dia"]) == (attendees, ["Cifras", "Plan"])
    # No commitments, and no list of them (the web form leaves an empty list out): P005 ends at once.
    assert "compromisos" not in case_row(engine, key).data or data["compromisos"] == []
    assert case_row(engine, key).status == "completed"
