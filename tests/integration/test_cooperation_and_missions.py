"""Issue 17, P007 and P008: what happens after a cooperation project is approved (the convenio,
the incorporation of the resources into the budget), the Mayor's agenda and the host organisms of
a diplomatic mission, and the directory-backed fields of both fichas."""

from __future__ import annotations

from typing import Any

import pytest

from engine import Engine, Forbidden, ValidationError
from tests.helpers import case_row, complete, open_elements, open_tasks, task_for

PERFIL: dict[str, Any] = {
    "titulo": "Salud mental comunitaria",
    "organismo_solicitante": "secretaria_salud",
    "persona_contacto": "salud",
    "problema": "Trastornos de ansiedad sin atención",
    "objetivo_general": "Fortalecer la atención primaria en salud mental",
    "objetivos_especificos": ["Formar 200 agentes comunitarios"],
    "poblacion_beneficiaria": "12.000 habitantes",
    "ubicacion": ["comuna_14", "corregimiento_la_buitrera"],
    "indicadores": [
        {"indicador": "Agentes formados", "unidad_medida": "personas", "linea_base": 0, "meta": 200}
    ],
    "fecha_inicio_prevista": "2027-07-01",
    "duracion_meses": 18,
    "cronograma": [
        {
            "actividad": "Formación",
            "fecha_inicio_actividad": "2027-07-01",
            "fecha_fin_actividad": "2028-03-31",
        }
    ],
    "valor_total": 850000000,
    "contrapartida": 150000000,
    "tipo_cooperacion": "financiera",
    "monto_solicitado": 175000,
    "moneda_solicitud": "USD",
    "fuente_cooperacion": "Agencia de cooperación",
}
CONVENIO = {
    "resultado_convenio": "suscrito",
    "numero_convenio": "CV-2027-014",
    "fecha_suscripcion": "2027-05-20",
    "firmante_convenio": "alcalde",
    "valor_convenio": 175000,
    "moneda_convenio": "USD",
}
INCORPORADO = {
    "resultado_incorporacion": "incorporado",
    "acto_incorporacion": "Decreto 0456 de 2027",
    "fecha_incorporacion": "2027-06-15",
    "valor_incorporado": 700000000,
}


def approved_project(engine: Engine, **changes: Any) -> str:
    key = engine.start("P007", "orc", {**PERFIL, **changes})
    complete(engine, key, "revisar_perfil", "orc", {"decision_revision": "listo"})
    complete(
        engine,
        key,
        "presentar_proyecto",
        "orc",
        {"fecha_presentacion": "2027-01-20", "fuente": "Agencia de cooperación"},
    )
    complete(
        engine,
        key,
        "registrar_resultado",
        "orc",
        {
            "resultado": "aprobado",
            "fecha_resultado": "2027-04-30",
            "monto": 175000,
            "moneda": "USD",
        },
    )
    return key


def test_an_approved_project_goes_to_the_requesting_organism_to_sign_the_convenio(
    procedures: Engine,
) -> None:
    key = approved_project(procedures)
    task = task_for(procedures, key, "suscribir_convenio")
    assert (task.candidate_group, task.due_date is not None) == ("secretaria_salud", True)


def test_financial_cooperation_is_incorporated_into_the_budget_by_hacienda(
    procedures: Engine,
) -> None:
    key = approved_project(procedures)
    complete(procedures, key, "suscribir_convenio", "salud", CONVENIO)
    assert task_for(procedures, key, "incorporar_recursos").candidate_group == "hacienda"
    complete(procedures, key, "incorporar_recursos", "hacienda", INCORPORADO)
    case = case_row(procedures, key)
    assert (case.status, case.outcome) == (
        "completed",
        "Aprobado · Convenio CV-2027-014 · Recursos incorporados",
    )


def test_resources_not_incorporated_say_why_and_show_in_the_outcome(procedures: Engine) -> None:
    key = approved_project(procedures, tipo_cooperacion="mixta")
    complete(procedures, key, "suscribir_convenio", "salud", CONVENIO)
    refused = {"resultado_incorporacion": "no_incorporado"}
    with pytest.raises(ValidationError):
        complete(procedures, key, "incorporar_recursos", "hacienda", refused)
    complete(
        procedures,
        key,
        "incorporar_recursos",
        "hacienda",
        {**refused, "motivo_no_incorporacion": "La fuente no ha girado los recursos"},
    )
    assert case_row(procedures, key).outcome == (
        "Aprobado · Convenio CV-2027-014 · Recursos sin incorporar"
    )


def test_technical_cooperation_has_no_budget_incorporation(procedures: Engine) -> None:
    key = approved_project(procedures, tipo_cooperacion="tecnica")
    complete(procedures, key, "suscribir_convenio", "salud", CONVENIO)
    case = case_row(procedures, key)
    assert (case.status, case.outcome, open_elements(procedures, key)) == (
        "completed",
        "Aprobado · Convenio CV-2027-014",
        [],
    )


def test_a_convenio_not_signed_ends_the_case_with_its_reason(procedures: Engine) -> None:
    key = approved_project(procedures)
    complete(
        procedures,
        key,
        "suscribir_convenio",
        "salud",
        {"resultado_convenio": "no_suscrito", "motivo_no_suscripcion": "Contrapartida imposible"},
    )
    case = case_row(procedures, key)
    assert (case.outcome, case.data["motivo_no_suscripcion"]) == (
        "Aprobado · Convenio no suscrito",
        "Contrapartida imposible",
    )


def test_the_contact_person_of_the_profile_must_be_in_the_directory(procedures: Engine) -> None:
    with pytest.raises(ValidationError, match="persona_contacto"):
        procedures.start("P007", "orc", {**PERFIL, "persona_contacto": "Dra. Pérez"})


def test_the_location_is_a_comuna_or_corregimiento_of_cali(procedures: Engine) -> None:
    with pytest.raises(ValidationError, match="ubicacion"):
        procedures.start("P007", "orc", {**PERFIL, "ubicacion": ["Barrio San Antonio"]})


VISITA: dict[str, Any] = {
    "pais": "Japón",
    "delegacion": "Misión de cooperación de Japón",
    "nivel_delegacion": "organismo_internacional",
    "jefe_delegacion": "Representante residente",
    "miembros_delegacion": [
        {"nombre_miembro": "Hiroshi Tanaka", "cargo_miembro": "Representante residente"}
    ],
    "nota_verbal_numero": "NV-2027-015",
    "nota_verbal_fecha": "2026-11-25",
    "fecha_llegada": "2027-02-08",
    "fecha_salida": "2027-02-10",
    "objetivos": "Cooperación técnica",
    "idioma_delegacion": "japonés",
    "contacto_delegacion": "Ana María Ruiz",
    "contacto_correo": "ruiz@jica.go.jp",
    "reuniones_solicitadas": [{"organismo": "despacho_alcalde", "tema": "Saludo protocolario"}],
}


def received_visit(engine: Engine, **changes: Any) -> str:
    key = engine.start("P008", "orc", {**VISITA, **changes})
    complete(engine, key, "decidir_recepcion", "orc", {"decision_orc": "recibir"})
    return key


def agenda(*hosts: str) -> dict[str, Any]:
    return {
        "agenda": [
            {"fecha": "2027-02-08", "actividad": f"Reunión {n}", "organismo_anfitrion": host}
            for n, host in enumerate(hosts)
        ]
    }


def test_a_mission_that_asks_for_the_mayor_is_first_put_to_the_mayors_office(
    procedures: Engine,
) -> None:
    key = received_visit(procedures)
    task = task_for(procedures, key, "consultar_agenda_alcalde")
    assert task.candidate_group == "despacho_alcalde"
    # A representative of the Mayor is a person of the directory, not a typed name.
    with pytest.raises(ValidationError, match="representante_alcalde"):
        complete(
            procedures,
            key,
            "consultar_agenda_alcalde",
            "alcalde",
            {"respuesta_agenda_alcalde": "delega", "representante_alcalde": "El secretario"},
        )
    complete(
        procedures,
        key,
        "consultar_agenda_alcalde",
        "alcalde",
        {"respuesta_agenda_alcalde": "delega", "representante_alcalde": "secretario"},
    )
    assert open_elements(procedures, key) == ["coordinar_agenda"]
    assert case_row(procedures, key).data["representante_alcalde"] == "secretario"


def test_a_mission_that_does_not_ask_for_the_mayor_skips_his_office(procedures: Engine) -> None:
    key = received_visit(
        procedures,
        reuniones_solicitadas=[{"organismo": "secretaria_salud", "tema": "Salud pública"}],
    )
    assert open_elements(procedures, key) == ["coordinar_agenda"]


def test_each_host_organism_gets_one_task_and_the_visit_waits_for_all(procedures: Engine) -> None:
    key = received_visit(procedures, reuniones_solicitadas=[])
    hosts = ("secretaria_movilidad", "secretaria_salud", "secretaria_movilidad", "orc")
    complete(procedures, key, "coordinar_agenda", "orc", agenda(*hosts, "despacho_alcalde"))
    host_tasks = [t for t in open_tasks(procedures, key) if t.element_id.startswith("preparar")]
    assert sorted(t.candidate_group or "" for t in host_tasks) == [
        "secretaria_movilidad",
        "secretaria_salud",
    ]
    protocolo = {"nivel_recepcion": "orc", "plan_protocolo": "Saludo"}
    complete(procedures, key, "gestionar_protocolo", "orc", protocolo)
    complete(
        procedures, key, "gestionar_logistica", "orc", {"transporte": "Van", "espacios": "CAM"}
    )
    salud = next(t for t in host_tasks if t.candidate_group == "secretaria_salud")
    procedures.complete(
        salud.id, "salud", {"confirmacion_anfitrion": "no_participa", "motivo_anfitrion": "Agenda"}
    )
    assert "realizar_visita" not in open_elements(procedures, key)
    movilidad = next(t for t in host_tasks if t.candidate_group == "secretaria_movilidad")
    procedures.complete(
        movilidad.id,
        "movilidad",
        {
            "confirmacion_anfitrion": "confirma",
            "participante_anfitrion": "movilidad",
            "insumos_anfitrion": "Cifras del MIO",
        },
    )
    assert open_elements(procedures, key) == ["realizar_visita"]
    answers = case_row(procedures, key).data["participacion_anfitriones"]
    assert sorted(answers, key=lambda a: a["organismo"]) == [
        {
            "organismo": "secretaria_movilidad",
            "confirmacion": "confirma",
            "participante": "movilidad",
            "insumos": "Cifras del MIO",
        },
        {"organismo": "secretaria_salud", "confirmacion": "no_participa", "motivo": "Agenda"},
    ]


def test_another_organism_cannot_answer_for_a_host(procedures: Engine) -> None:
    key = received_visit(procedures, reuniones_solicitadas=[])
    complete(procedures, key, "coordinar_agenda", "orc", agenda("secretaria_movilidad"))
    with pytest.raises(Forbidden):
        complete(
            procedures,
            key,
            "preparar_participacion_anfitrion",
            "salud",
            {"confirmacion_anfitrion": "no_participa", "motivo_anfitrion": "No es nuestro tema"},
        )


@pytest.mark.parametrize(
    "changes",
    [
        {"reuniones_solicitadas": [{"organismo": "Secretaría de Movilidad", "tema": "MIO"}]},
        {"miembros_delegacion": []},
        {"nota_verbal_numero": ""},
    ],
    ids=["typed_organism", "no_members", "no_nota_verbal"],
)
def test_the_visit_ficha_refuses_incomplete_or_typed_data(
    procedures: Engine, changes: dict[str, Any]
) -> None:
    with pytest.raises(ValidationError):
        procedures.start("P008", "orc", {**VISITA, **changes})


def test_a_host_organism_of_the_agenda_must_be_in_the_directory(procedures: Engine) -> None:
    key = received_visit(procedures, reuniones_solicitadas=[])
    with pytest.raises(ValidationError, match="organismo_anfitrion"):
        complete(procedures, key, "coordinar_agenda", "orc", agenda("Secretaría de Salud"))
