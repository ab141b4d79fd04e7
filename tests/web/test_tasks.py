"""The task page: instructions, context, the schema's form, validation, decisions, files, 409."""

from __future__ import annotations

import io
import re

from flask.testing import FlaskClient
from sqlalchemy import func, select

from engine import Engine
from storage.models import Attachment, AuditEvent
from tests.helpers import (
    audit_actions,
    case_row,
    follow_commitments,
    hold_session,
    open_elements,
    open_tasks,
    task_for,
)
from tests.web.conftest import FICHA_FIELDS, PDF, PROPOSAL, login, post, start_p001


def _approved_case(p001: Engine) -> str:
    key = start_p001(p001)
    p001.complete(task_for(p001, key, "proponer_delegado").id, "despacho", PROPOSAL)
    p001.complete(
        task_for(p001, key, "aprobar_delegacion").id,
        "secretario",
        {"decision_secretario": "aprobar"},
    )
    hold_session(p001, key)
    return key


def _audit_count(p001: Engine) -> int:
    with p001.sessions() as session:
        return session.scalar(select(func.count(AuditEvent.id))) or 0


def test_task_page_shows_instructions_form_and_case_context(
    client: FlaskClient, p001: Engine
) -> None:
    key = start_p001(p001)
    task = task_for(p001, key, "proponer_delegado")
    login(client, "despacho")
    page = client.get(f"/tareas/{task.id}").text
    assert "<strong>nivel directivo</strong>" in page  # instructionsForEndUser, emphasis kept
    assert 'for="campo-delegado"' in page and 'name="delegado"' in page
    assert '<textarea id="campo-justificacion"' in page  # ui:widget textarea
    assert "Junta Directiva de EMCALI" in page  # the start form, read-only
    assert "Puntual (una sesión)" in page  # its enum shown by title


def test_invalid_submission_shows_spanish_errors_keeps_input_and_changes_nothing(
    client: FlaskClient, p001: Engine
) -> None:
    key = start_p001(p001)
    task = task_for(p001, key, "proponer_delegado")
    login(client, "despacho")
    before = _audit_count(p001)
    response = post(client, f"/tareas/{task.id}", {"justificacion": "Conoce el sector"})
    assert response.status_code == 422
    page = response.text
    assert "El formulario tiene 2 errores; nada se guardó" in page
    assert 'id="campo-delegado-error"' in page and "este campo es obligatorio" in page
    assert re.search(r'id="campo-delegado"[^>]*aria-invalid="true"', page)
    assert re.search(r'aria-describedby="[^"]*campo-delegado-error', page)
    assert "Conoce el sector</textarea>" in page
    assert open_elements(p001, key) == ["proponer_delegado"]
    assert _audit_count(p001) == before


def test_valid_submission_completes_and_leaves_the_inbox(client: FlaskClient, p001: Engine) -> None:
    key = start_p001(p001)
    task = task_for(p001, key, "proponer_delegado")
    login(client, "despacho")
    response = post(client, f"/tareas/{task.id}", PROPOSAL)
    assert response.status_code == 303
    assert open_elements(p001, key) == ["aprobar_delegacion"]
    assert f'/tareas/{task.id}"' not in client.get("/?bandeja=grupos").text


def test_decision_is_offered_as_buttons_and_return_needs_observations(
    client: FlaskClient, p001: Engine
) -> None:
    key = start_p001(p001)
    p001.complete(task_for(p001, key, "proponer_delegado").id, "despacho", PROPOSAL)
    task = task_for(p001, key, "aprobar_delegacion")
    login(client, "secretario")
    page = client.get(f"/tareas/{task.id}").text
    for value, title in (("aprobar", "Aprobar"), ("devolver", "Devolver para ajuste")):
        assert re.search(
            rf'<button type="submit"[^>]*name="decision_secretario" value="{value}"[^>]*>{title}',
            page,
        )
    response = post(client, f"/tareas/{task.id}", {"decision_secretario": "devolver"})
    assert response.status_code == 422
    assert 'id="campo-observaciones_secretario-error"' in response.text
    assert post(client, f"/tareas/{task.id}", {"decision_secretario": "aprobar"}).status_code == 303
    assert open_elements(p001, key) == ["comunicar_delegacion"]


def test_the_ficha_starts_with_the_delegation_header_the_case_already_knows(
    client: FlaskClient, p001: Engine
) -> None:
    key = _approved_case(p001)
    task = task_for(p001, key, "diligenciar_ficha")
    login(client, "delegada")
    page = client.get(f"/tareas/{task.id}").text
    assert re.search(r'name="encabezado.instancia"[^>]*value="Junta Directiva de EMCALI"', page)
    assert re.search(r'<option value="delegada"[^>]*selected', page)
    assert re.search(r'name="encabezado.cargo_delegado"[^>]*value="Subsecretaria de Cultura"', page)
    assert re.search(
        r'name="encabezado.documento_delegacion"[^>]*value="Oficio 202641730100021 del 2026-12-01"',
        page,
    )
    assert 'name="asistentes.0.nombre"' in page and 'name="sentido_voto"' in page


def test_add_row_re_renders_without_completing(client: FlaskClient, p001: Engine) -> None:
    key = _approved_case(p001)
    task = task_for(p001, key, "diligenciar_ficha")
    login(client, "delegada")
    page = client.get(f"/tareas/{task.id}").text
    assert 'name="compromisos.0.descripcion"' in page
    assert 'name="compromisos.1.descripcion"' not in page
    response = post(
        client,
        f"/tareas/{task.id}",
        {
            "compromisos.0.descripcion": "Enviar informe",
            "_filas.compromisos": "1",
            "_accion": "agregar:compromisos",
        },
    )
    assert response.status_code == 200
    assert 'name="compromisos.1.descripcion"' in response.text
    assert "Enviar informe</textarea>" in response.text
    assert open_elements(p001, key) == ["diligenciar_ficha"]


def test_ficha_with_two_commitments_and_an_attachment_is_stored(
    client: FlaskClient, p001: Engine
) -> None:
    key = _approved_case(p001)
    task = task_for(p001, key, "diligenciar_ficha")
    login(client, "delegada")
    response = post(
        client,
        f"/tareas/{task.id}",
        {
            **FICHA_FIELDS,
            "fecha_realizacion": "2026-12-04",
            "resumen_sesion": "Se aprobó el presupuesto.",
            "compromisos.0.descripcion": "Enviar informe",
            "compromisos.0.responsable": "salud",
            "compromisos.0.fecha_limite": "2026-12-18",
            "compromisos.1.descripcion": "Revisar tarifas",
            "compromisos.1.responsable": "movilidad",
            "compromisos.1.fecha_limite": "2027-01-15",
            "compromisos.2.descripcion": "",
            "acta_adjunta": (io.BytesIO(PDF), "acta sesión.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 303, response.text
    # The commitments go to P005 inside the case: each responsible finds a report in the inbox.
    assert [(t.element_id, t.assignee) for t in open_tasks(p001, key)] == [
        ("reportar_avance", "salud"),
        ("reportar_avance", "movilidad"),
    ]
    login(client, "salud")
    inbox = client.get("/?bandeja=mias").text
    assert key in inbox and "Reportar avance: " in inbox
    with p001.sessions() as session:
        attachment = session.scalars(select(Attachment)).one()
    assert (attachment.filename, attachment.content, attachment.uploaded_by) == (
        "acta sesión.pdf",
        PDF,
        "delegada",
    )
    ficha = case_row(p001, key).data
    assert ficha["acta_adjunta"] == f"adjunto:{attachment.sha256}/acta sesión.pdf"
    assert ficha["asistentes"] == [{"nombre": "Gerente de EMCALI", "entidad": "EMCALI EICE ESP"}]
    assert ficha["encabezado"]["documento_delegacion"] == "Oficio 202641730100021 del 2026-12-01"
    assert [c["responsable"] for c in ficha["compromisos"]] == ["salud", "movilidad"]
    download = client.get(f"/casos/{key}/adjuntos/{attachment.id}")
    assert download.data == PDF and download.headers["Content-Disposition"].startswith("attachment")
    follow_commitments(p001, key)
    assert case_row(p001, key).status == "completed"


def test_attachment_of_a_refused_type_is_a_field_error_and_nothing_is_stored(
    client: FlaskClient, p001: Engine
) -> None:
    key = _approved_case(p001)
    task = task_for(p001, key, "diligenciar_ficha")
    login(client, "delegada")
    response = post(
        client,
        f"/tareas/{task.id}",
        {
            "fecha_realizacion": "2026-12-04",
            "resumen_sesion": "Resumen",
            "acta_adjunta": (io.BytesIO(b"MZ\x90\x00binary"), "acta.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert 'id="campo-acta_adjunta-error"' in response.text
    assert "no corresponde a un archivo .pdf" in response.text
    assert "Resumen</textarea>" in response.text
    with p001.sessions() as session:
        assert session.scalar(select(func.count(Attachment.id))) == 0
    assert open_elements(p001, key) == ["diligenciar_ficha"]


def test_stale_submission_gets_a_clear_409(client: FlaskClient, p001: Engine) -> None:
    key = start_p001(p001)
    task = task_for(p001, key, "proponer_delegado")
    login(client, "despacho2")
    page = client.get(f"/tareas/{task.id}")
    assert page.status_code == 200
    p001.complete(task.id, "despacho", PROPOSAL)  # a colleague was faster
    response = post(client, f"/tareas/{task.id}", PROPOSAL)
    assert response.status_code == 409
    assert "La información cambió" in response.text
    assert "ya fue completada por despacho" in response.text
    assert "Traceback" not in response.text
    assert audit_actions(p001, key).count("task_completed") == 1


def test_group_coordinator_reassigns_and_a_plain_member_cannot(
    client: FlaskClient, p001: Engine
) -> None:
    key = start_p001(p001)
    task = task_for(p001, key, "proponer_delegado")
    login(client, "despacho2")
    assert 'id="reasignar-a"' not in client.get(f"/tareas/{task.id}").text
    assert post(client, f"/tareas/{task.id}/reasignar", {"usuario": "despacho2"}).status_code == 403

    login(client, "despacho")
    assert 'id="reasignar-a"' in client.get(f"/tareas/{task.id}").text
    response = post(client, f"/tareas/{task.id}/reasignar", {"usuario": "despacho2"})
    assert response.status_code == 303
    assert task_for(p001, key, "proponer_delegado").assignee == "despacho2"


def test_task_of_a_cancelled_case_says_so_and_refuses_submissions(
    client: FlaskClient, p001: Engine
) -> None:
    key = start_p001(p001)
    task = task_for(p001, key, "proponer_delegado")
    p001.cancel(key, "despacho", "La sesión fue aplazada")
    login(client, "despacho")
    assert "Esta tarea fue cancelada" in client.get(f"/tareas/{task.id}").text
    response = post(client, f"/tareas/{task.id}", PROPOSAL)
    assert response.status_code == 409 and "fue cancelada" in response.text


def test_earlier_forms_show_dates_in_words(client: FlaskClient, p001: Engine) -> None:
    """Issue 13, defect 7: the case's earlier forms showed ISO dates ("2026-12-04")."""
    key = start_p001(p001)
    login(client, "despacho")
    page = client.get(f"/tareas/{task_for(p001, key, 'proponer_delegado').id}").text
    assert '<time datetime="2026-12-04">4 de diciembre de 2026</time>' in page
