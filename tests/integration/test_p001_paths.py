"""Every path of P001 (delegaciones del alcalde) end to end through the engine."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from engine import Engine
from engine.bpm.sandbox.pool import SandboxPool
from engine.commands.attachments import Upload
from storage.models import AuditEvent, Case, Commitment, Notification
from tests.helpers import (
    OFICIO,
    audit_actions,
    case_row,
    communicate_delegation,
    complete,
    follow_commitments,
    hold_session,
    open_elements,
    open_tasks,
    task_for,
)

INVITATION = {
    "instancia": "Junta Directiva de EMCALI",
    "asunto": "Sesión ordinaria de diciembre",
    "fecha_sesion": "2026-12-04",
    "lugar": "Edificio CAM",
    "tipo_delegacion": "puntual",
}
PROPOSAL = {"delegado": "delegada", "cargo_delegado": "Subsecretaria de Cultura"}
FICHA = {
    "encabezado": {
        "instancia": "Junta Directiva de EMCALI",
        "delegado": "delegada",
        "cargo_delegado": "Subsecretaria de Cultura",
        "documento_delegacion": "Oficio 202641730100021 del 2026-12-01",
    },
    "fecha_realizacion": "2026-12-04",
    "asistentes": [{"nombre": "Gerente de EMCALI", "entidad": "EMCALI EICE ESP"}],
    "resumen_sesion": "Se aprobó el presupuesto 2027.",
    "decisiones": [{"descripcion": "Aprobar presupuesto"}],
    "sentido_voto": "a_favor",
    "posicion_delegado": "La Administración apoyó el presupuesto.",
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


PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def test_one_session_delegation_approved_reaches_ficha_and_follows_commitments_in_p005(
    p001: Engine,
) -> None:
    key = start(p001)
    complete(p001, key, "proponer_delegado", "despacho", PROPOSAL)
    complete(p001, key, "aprobar_delegacion", "secretario", {"decision_secretario": "aprobar"})
    communicate_delegation(p001, key)
    confirmation = task_for(p001, key, "confirmar_sesion")
    assert (confirmation.assignee, confirmation.due_date) == ("delegada", date(2026, 12, 4))
    hold_session(p001, key)

    ficha = task_for(p001, key, "diligenciar_ficha")
    assert ficha.assignee == "delegada"
    assert ficha.candidate_group is None
    assert ficha.due_date == date(2026, 12, 10)  # 2026-12-08 is a holiday
    p001.complete(ficha.id, "delegada", FICHA)

    # P005 runs inside the case: one progress report per commitment, for its responsible.
    reports = open_tasks(p001, key)
    assert [(t.element_id, t.assignee, t.due_date) for t in reports] == [
        ("reportar_avance", "salud", date(2026, 12, 18)),
        ("reportar_avance", "movilidad", date(2027, 1, 15)),
    ]
    case = case_row(p001, key)
    assert case.status == "running"
    assert case.data["compromisos_registrados"]["registrados"] == 2  # P005's data, in the case
    with p001.sessions() as session:
        commitments = session.scalars(select(Commitment).order_by(Commitment.id)).all()
        recipients = set(session.scalars(select(Notification.recipient)))
    assert [(c.origin, c.responsible, c.status) for c in commitments] == [
        ("P001", "salud", "pendiente"),
        ("P001", "movilidad", "pendiente"),
    ]
    assert {"delegada", "salud", "movilidad"} <= recipients

    assert follow_commitments(p001, key) == ["salud", "movilidad"]
    assert open_elements(p001, key) == []
    case = case_row(p001, key)
    assert case.status == "completed"
    assert [c["estado"] for c in case.data["compromisos"]] == ["cumplido", "cumplido"]
    with p001.sessions() as session:
        statuses = session.scalars(select(Commitment.status).order_by(Commitment.id)).all()
    assert statuses == ["cumplido", "cumplido"]
    assert audit_actions(p001, key)[-1] == "case_completed"
    assert p001.verify_audit(key) == []


def test_a_delegation_case_sends_nothing_to_the_sandbox_process(
    p001: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its expressions and scripts, P005's normalisation before registering the commitments
    included (the ficha brings no `dias_aviso_compromisos`: its `except` sets 0), are plain."""
    sent: list[str] = []
    real_call = SandboxPool.call

    def counted(pool: SandboxPool, request: dict[str, Any]) -> dict[str, Any]:
        sent.append(request["source"])
        return real_call(pool, request)

    monkeypatch.setattr(SandboxPool, "call", counted)
    key = start(p001)
    complete(p001, key, "proponer_delegado", "despacho", PROPOSAL)
    complete(p001, key, "aprobar_delegacion", "secretario", {"decision_secretario": "aprobar"})
    communicate_delegation(p001, key)
    hold_session(p001, key)
    p001.complete(task_for(p001, key, "diligenciar_ficha").id, "delegada", FICHA)

    assert sent == []
    data = case_row(p001, key).data
    assert data["dias_aviso_compromisos"] == 0
    assert data["compromisos_registrados"]["registrados"] == 2


def _standing_delegation_act_drafted(engine: Engine) -> str:
    key = start(engine, tipo_delegacion="permanente")
    complete(engine, key, "proponer_delegado", "despacho", PROPOSAL)
    complete(engine, key, "aprobar_delegacion", "secretario", {"decision_secretario": "aprobar"})
    assert open_elements(engine, key) == ["proyectar_acto_delegacion"]
    engine.complete(
        task_for(engine, key, "proyectar_acto_delegacion").id,
        "despacho2",
        {"tipo_acto": "decreto"},
        {"borrador": Upload("decreto.pdf", PDF)},
    )
    return key


def test_standing_delegation_requires_the_administrative_act_through_p003(p001: Engine) -> None:
    key = _standing_delegation_act_drafted(p001)

    # P003 inside the case: both vistos buenos, Despacho de Gobierno as the producing organism.
    assert {t.element_id: t.candidate_group for t in open_tasks(p001, key)} == {
        "visto_bueno_organismo": "despacho_gobierno",
        "visto_bueno_dagjp": "dagjp",
    }
    assert case_row(p001, key).data["organismo_productor"] == "despacho_gobierno"
    complete(p001, key, "visto_bueno_organismo", "despacho", {"visto_bueno_organismo": "otorgado"})
    complete(p001, key, "visto_bueno_dagjp", "juridica", {"visto_bueno_dagjp": "otorgado"})
    complete(p001, key, "revisar_acto", "despacho2", {"decision_revision": "aprobar"})
    complete(
        p001, key, "visto_bueno_secretario", "secretario", {"decision_secretario_acto": "otorgar"}
    )
    assert open_elements(p001, key) == ["firmar_acto"]
    complete(
        p001,
        key,
        "firmar_acto",
        "alcalde",
        {"decision_alcalde": "firmar", "fecha_firma": "2026-12-02"},
    )
    data = case_row(p001, key).data
    assert data["numeracion"] == {"numero": "DECRETO 0001 de 2026", "consecutivo": 1, "anio": 2026}
    assert data["decision_secretario"] == "aprobar"  # P003's visto bueno did not overwrite it
    complete(
        p001,
        key,
        "publicar_acto",
        "despacho",
        {
            "fecha_publicacion": "2026-12-03",
            "medio": "boletin_oficial",
            "acto_publicado": "data:application/pdf;base64,JVBERi0xLjQK",
        },
    )

    # Back in P001: the delegate is notified and files the ficha; P005 follows its commitment.
    assert open_elements(p001, key) == ["confirmar_sesion"]
    assert case_row(p001, key).data["notificacion_delegado"]["enviada"] is True
    hold_session(p001, key)
    one_commitment = {**FICHA, "compromisos": FICHA["compromisos"][:1]}
    complete(p001, key, "diligenciar_ficha", "delegada", one_commitment)
    assert follow_commitments(p001, key, status="incumplido") == ["salud"]
    case = case_row(p001, key)
    assert case.status == "completed" and case.outcome == "Delegación cumplida"
    assert case.data["numeracion"]["numero"] == "DECRETO 0001 de 2026"
    assert p001.verify_audit(key) == []


def test_a_withdrawn_act_ends_the_standing_delegation_without_notifying_the_delegate(
    p001: Engine,
) -> None:
    key = _standing_delegation_act_drafted(p001)
    complete(p001, key, "visto_bueno_organismo", "despacho", {"visto_bueno_organismo": "otorgado"})
    complete(
        p001,
        key,
        "visto_bueno_dagjp",
        "juridica",
        {"visto_bueno_dagjp": "negado", "observaciones_dagjp": "Falta la competencia"},
    )
    assert task_for(p001, key, "corregir_acto").candidate_group == "despacho_gobierno"
    complete(
        p001,
        key,
        "corregir_acto",
        "despacho",
        {"decision_correccion": "desistir", "descripcion_ajustes": "Ya no se requiere"},
    )
    case = case_row(p001, key)
    assert (case.status, open_elements(p001, key)) == ("completed", [])
    assert case.data["numeracion"] is None
    assert "notificacion_delegado" not in case.data
    with p001.sessions() as session:
        assert "delegada" not in set(session.scalars(select(Notification.recipient)))


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
    communicate_delegation(p001, key)
    assert task_for(p001, key, "confirmar_sesion").assignee == "salud"
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


def _delegation_notified(engine: Engine) -> str:
    key = start(engine)
    complete(engine, key, "proponer_delegado", "despacho", PROPOSAL)
    complete(engine, key, "aprobar_delegacion", "secretario", {"decision_secretario": "aprobar"})
    communicate_delegation(engine, key)
    return key


def test_a_session_cannot_be_reported_held_before_it_happens(p001: Engine) -> None:
    from engine import ValidationError

    key = _delegation_notified(p001)  # the clock is at 2026-12-01
    with pytest.raises(ValidationError) as refused:
        complete(
            p001,
            key,
            "confirmar_sesion",
            "delegada",
            {"novedad_sesion": "realizada", "fecha_realizacion": "2026-12-04"},
        )
    assert "fecha_realizacion" in refused.value.field_errors
    assert open_elements(p001, key) == ["confirmar_sesion"]


def test_the_ficha_term_counts_from_the_day_the_session_was_actually_held(p001: Engine) -> None:
    key = _delegation_notified(p001)  # planned for Friday 2026-12-04
    hold_session(p001, key, day="2026-12-07")

    ficha = task_for(p001, key, "diligenciar_ficha")
    assert ficha.due_date == date(
        2026, 12, 11
    )  # 3 business days from the 7th; the 8th is a holiday


def test_a_postponed_session_notifies_the_new_date_again(p001: Engine) -> None:
    key = _delegation_notified(p001)
    complete(
        p001,
        key,
        "confirmar_sesion",
        "delegada",
        {
            "novedad_sesion": "aplazada",
            "nueva_fecha_sesion": "2026-12-11",
            "motivo_novedad": "Quórum",
        },
    )
    confirmation = task_for(p001, key, "confirmar_sesion")
    assert confirmation.due_date == date(2026, 12, 11)
    assert case_row(p001, key).data["fecha_sesion"] == "2026-12-11"
    assert _delegation_messages(p001) == [
        "Usted representará al Alcalde en Junta Directiva de EMCALI el 2026-12-04"
        " (Oficio 202641730100021 del 2026-12-01)",
        "Usted representará al Alcalde en Junta Directiva de EMCALI el 2026-12-11"
        " (Oficio 202641730100021 del 2026-12-01)",
    ]


def _delegation_messages(engine: Engine) -> list[str]:
    with engine.sessions() as session:
        return list(
            session.scalars(
                select(Notification.body)
                .where(Notification.subject.contains("Delegación: "))
                .order_by(Notification.id)
            )
        )


def test_an_absent_delegate_is_replaced_and_the_new_delegate_reports(p001: Engine) -> None:
    key = _delegation_notified(p001)
    complete(
        p001,
        key,
        "confirmar_sesion",
        "delegada",
        {"novedad_sesion": "no_asiste", "motivo_novedad": "Incapacidad"},
    )
    assert task_for(p001, key, "atender_inasistencia").candidate_group == "despacho_gobierno"
    complete(
        p001,
        key,
        "atender_inasistencia",
        "despacho",
        {"decision_inasistencia": "reasignar", "delegado": "salud", "cargo_delegado": "Secretario"},
    )
    # The reassignment is written too: a new oficio for the new delegate, then the notice.
    assert open_elements(p001, key) == ["comunicar_delegacion"]
    complete(
        p001,
        key,
        "comunicar_delegacion",
        "despacho",
        {**OFICIO, "numero_oficio": "202641730100030"},
    )
    assert task_for(p001, key, "confirmar_sesion").assignee == "salud"
    assert _delegation_messages(p001)[-1].endswith("(Oficio 202641730100030 del 2026-12-01)")


def test_a_one_off_delegation_is_communicated_in_writing_before_the_delegate_is_notified(
    p001: Engine,
) -> None:
    from engine import ValidationError

    key = start(p001)
    complete(p001, key, "proponer_delegado", "despacho", PROPOSAL)
    complete(p001, key, "aprobar_delegacion", "secretario", {"decision_secretario": "aprobar"})
    oficio = task_for(p001, key, "comunicar_delegacion")
    assert (oficio.candidate_group, oficio.due_date) == ("despacho_gobierno", date(2026, 12, 4))
    assert _delegation_messages(p001) == []  # nobody is notified before the oficio exists

    without_file = {k: v for k, v in OFICIO.items() if k != "oficio_delegacion"}
    with pytest.raises(ValidationError) as refused:
        complete(p001, key, "comunicar_delegacion", "despacho", without_file)
    assert "oficio_delegacion" in refused.value.field_errors
    with pytest.raises(ValidationError) as refused:  # the clock is at 2026-12-01
        complete(
            p001, key, "comunicar_delegacion", "despacho", {**OFICIO, "fecha_oficio": "2026-12-02"}
        )
    assert "fecha_oficio" in refused.value.field_errors

    communicate_delegation(p001, key)
    assert open_elements(p001, key) == ["confirmar_sesion"]
    assert (
        case_row(p001, key).data["documento_delegacion"] == "Oficio 202641730100021 del 2026-12-01"
    )
    assert _delegation_messages(p001) == [
        "Usted representará al Alcalde en Junta Directiva de EMCALI el 2026-12-04"
        " (Oficio 202641730100021 del 2026-12-01)"
    ]
    with p001.sessions() as session:
        completed = session.scalars(
            select(AuditEvent)
            .join(Case, Case.id == AuditEvent.case_id)
            .where(Case.business_key == key, AuditEvent.element_id == "comunicar_delegacion")
            .where(AuditEvent.action == "task_completed")
        ).one()
    assert completed.actor == "despacho"
    assert completed.payload["data"]["numero_oficio"] == "202641730100021"
    assert p001.verify_audit(key) == []


def test_the_ficha_records_the_delegates_vote_and_a_next_session_after_the_session(
    p001: Engine,
) -> None:
    from engine import ValidationError

    key = _delegation_notified(p001)
    hold_session(p001, key)
    ficha = task_for(p001, key, "diligenciar_ficha")
    incomplete = {k: v for k, v in FICHA.items() if k not in ("asistentes", "sentido_voto")}
    with pytest.raises(ValidationError) as refused:
        p001.complete(ficha.id, "delegada", {**incomplete, "posicion_delegado": ""})
    assert {"asistentes", "sentido_voto", "posicion_delegado"} <= set(refused.value.field_errors)
    with pytest.raises(ValidationError) as refused:
        p001.complete(ficha.id, "delegada", {**FICHA, "asistentes": []})
    assert "asistentes" in refused.value.field_errors
    with pytest.raises(ValidationError) as refused:
        p001.complete(ficha.id, "delegada", {**FICHA, "proxima_sesion": "2026-12-04"})
    assert refused.value.field_errors == {
        "proxima_sesion": "debe ser posterior a «Fecha de realización» (2026-12-04)"
    }

    p001.complete(
        ficha.id,
        "delegada",
        {**FICHA, "alertas_alcalde": "Aporte extraordinario", "proxima_sesion": "2026-12-05"},
    )
    data = case_row(p001, key).data
    assert data["sentido_voto"] == "a_favor"
    assert data["encabezado"]["documento_delegacion"] == "Oficio 202641730100021 del 2026-12-01"
    assert (data["proxima_sesion"], data["alertas_alcalde"]) == (
        "2026-12-05",
        "Aporte extraordinario",
    )
