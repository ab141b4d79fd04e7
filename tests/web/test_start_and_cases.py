"""Iniciar trámite, the case page and Mis casos."""

from __future__ import annotations

import io

from flask.testing import FlaskClient

from engine import Engine
from tests.helpers import case_row, open_elements, task_for
from tests.web.conftest import (
    INVITATION,
    PDF,
    PROPOSAL,
    draft_act_uploaded,
    login,
    post,
    start_p001,
)


def test_start_lists_only_what_the_users_groups_may_start(
    client: FlaskClient, p001: Engine
) -> None:
    login(client, "despacho")
    assert "Iniciar P001" in client.get("/iniciar").text
    login(client, "hacienda")
    page = client.get("/iniciar").text
    assert "Iniciar P001" not in page and "Ninguno de sus grupos inicia procedimientos" in page


def test_start_form_starts_the_case_and_shows_it(client: FlaskClient, p001: Engine) -> None:
    login(client, "despacho")
    form = client.get("/iniciar/P001").text
    assert 'name="instancia"' in form and 'type="date"' in form
    assert 'value="permanente"' in form  # tipo_delegacion's oneOf as options
    response = post(client, "/iniciar/P001", INVITATION)
    assert response.status_code == 303
    key = response.headers["Location"].rsplit("/", 1)[-1]
    assert key == "P001-2026-00001"
    assert open_elements(p001, key) == ["proponer_delegado"]
    assert "Inició el trámite P001-2026-00001" in client.get(response.headers["Location"]).text


def test_invalid_start_form_shows_errors_and_starts_nothing(
    client: FlaskClient, p001: Engine
) -> None:
    login(client, "despacho")
    response = post(client, "/iniciar/P001", {"instancia": "Junta", "fecha_sesion": "04/12/2026"})
    assert response.status_code == 422
    assert 'id="campo-asunto-error"' in response.text
    assert (
        'id="campo-fecha_sesion-error"' in response.text
        and "el formato no es válido" in response.text
    )
    assert 'value="Junta"' in response.text
    assert client.get("/casos").text.count("P001-2026-") == 0


def test_case_page_shows_header_tasks_timeline_and_diagram_marks(
    client: FlaskClient, p001: Engine
) -> None:
    key = start_p001(p001)
    p001.complete(task_for(p001, key, "proponer_delegado").id, "despacho", PROPOSAL)
    login(client, "despacho")
    page = client.get(f"/casos/{key}").text
    assert "Gestión de delegaciones del alcalde a instancias" in page
    assert "Profesional Despacho de Gobierno (despacho)" in page  # started by
    assert "Aprobar delegación" in page and "Secretario de Gobierno" in page  # current task
    assert "Completó la tarea «Proponer delegado»" in page  # timeline
    assert 'data-completed="inicio gw_merge_propuesta proponer_delegado"' in page
    assert 'data-active="aprobar_delegacion"' in page
    diagram = client.get(f"/casos/{key}/diagrama.bpmn")
    assert diagram.mimetype == "application/xml" and b'id="aprobar_delegacion"' in diagram.data


def test_case_page_marks_the_call_activity_holding_the_open_task_and_names_who_has_it(
    client: FlaskClient, p001: Engine
) -> None:
    """Issue 13, defect 8: a task open inside P003 is not on P001's diagram; the call activity
    that led there is what is active. "Quién la tiene" gives the person's name, and the lanes
    the organisms' names, not their codes."""
    key = draft_act_uploaded(p001)
    p001.claim(task_for(p001, key, "visto_bueno_organismo").id, "despacho")
    login(client, "despacho")
    page = client.get(f"/casos/{key}").text
    assert 'data-active="tramitar_acto_delegacion"' in page
    assert "<td>Profesional Despacho de Gobierno</td>" in page
    diagram = client.get(f"/casos/{key}/diagrama.bpmn").text
    assert 'name="Despacho de Gobierno"' in diagram and 'name="Secretario de Gobierno"' in diagram
    assert 'name="despacho_gobierno"' not in diagram
    assert 'name="delegado"' in diagram  # a lane that names no group keeps its name


def test_case_page_lists_attachments(client: FlaskClient, p001: Engine) -> None:
    key = draft_act_uploaded(p001)
    login(client, "despacho")
    page = client.get(f"/casos/{key}").text
    assert "decreto.pdf" in page and f"/casos/{key}/adjuntos/" in page


def test_mis_casos_lists_started_and_joined_cases_only(client: FlaskClient, p001: Engine) -> None:
    started = start_p001(p001)
    other = start_p001(p001, asunto="Otra sesión")
    p001.complete(task_for(p001, started, "proponer_delegado").id, "despacho", PROPOSAL)
    login(client, "secretario")
    assert "Aún no ha iniciado ni participado" in client.get("/casos").text
    p001.complete(
        task_for(p001, started, "aprobar_delegacion").id,
        "secretario",
        {"decision_secretario": "rechazar", "observaciones_secretario": "Asiste el Alcalde"},
    )
    page = client.get("/casos").text
    assert started in page and other not in page
    assert case_row(p001, started).status == "completed" and "Terminado" in page
    # Issue 13, defect 5: how it ended, in words, in the list and on the case page.
    assert "<td>Delegación rechazada</td>" in page
    case_page = client.get(f"/casos/{started}").text
    assert '<dd class="outcome">Delegación rechazada</dd>' in case_page
    assert "El trámite terminó: Delegación rechazada" in case_page


def test_start_form_accepts_a_file_upload(client: FlaskClient, p001: Engine) -> None:
    login(client, "despacho")
    response = post(
        client,
        "/iniciar/P001",
        {**INVITATION, "extra": (io.BytesIO(PDF), "x.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303  # a file for a field the form does not have is ignored


def test_error_summary_names_fields_by_their_titles_not_their_keys(
    client: FlaskClient, p001: Engine
) -> None:
    """Issue 13, defect 7: the summary said "fecha_sesion: este campo es obligatorio"."""
    login(client, "despacho")
    response = post(client, "/iniciar/P001", {"instancia": "Junta"})
    summary = response.text.split('id="resumen-errores"', 1)[1].split("</div>", 1)[0]
    assert '<a href="#campo-fecha_sesion">Fecha de la sesión: este campo es obligatorio</a>' in (
        summary
    )
    assert "fecha_sesion:" not in summary
