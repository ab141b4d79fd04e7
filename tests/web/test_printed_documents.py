"""Printed documents downloaded as PDF: a form as sent, the case summary and the quality
office's trace, each under the controlled-document header (code, version, date, business key).

The PDFs are read back with pypdf, as a reader would: what is asserted is text on the pages.
"""

from __future__ import annotations

import io
from datetime import datetime

from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import select, update

from engine import Engine, ManualClock
from engine.bpm.calendar import BOGOTA
from storage.models import AuditEvent
from tests.helpers import complete, hold_session
from tests.integration.test_p001_paths import FICHA as P001_FICHA
from tests.web.conftest import PROPOSAL, login, start_p001

FICHA = {
    **P001_FICHA,
    "fecha_realizacion": "2026-12-04",
    "asistentes": [{"nombre": "Gerente de EMCALI"}, {"nombre": "Junta directiva"}],
    "resumen_sesion": "Se aprobó el presupuesto de inversión.",
    "decisiones": [{"descripcion": "Aprobar el plan de inversiones 2027"}],
    "compromisos": [],
}


def _case_with_ficha(engine: Engine) -> str:
    key = start_p001(engine)
    complete(engine, key, "proponer_delegado", "despacho", PROPOSAL)
    complete(engine, key, "aprobar_delegacion", "secretario", {"decision_secretario": "aprobar"})
    hold_session(engine, key)
    complete(engine, key, "diligenciar_ficha", "delegada", FICHA)
    assert isinstance(engine.clock, ManualClock)
    engine.clock.set(datetime(2026, 12, 9, 10, 30, tzinfo=BOGOTA))
    return key


def _pdf_text(data: bytes) -> str:
    """The document's text on one line: a long value (a hash) may wrap inside its cell."""
    assert data.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def _squeezed(text: str) -> str:
    return "".join(text.split())


def test_a_ficha_downloads_as_a_pdf_with_the_controlled_header_and_its_field_titles(
    client: FlaskClient, p001: Engine
) -> None:
    key = _case_with_ficha(p001)
    login(client, "despacho")
    response = client.get(f"/casos/{key}/formularios/P001.F001.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert f"{key}-P001.F001.pdf" in response.headers["Content-Disposition"]
    text = _pdf_text(response.data)
    assert "Ficha técnica de delegación" in text
    assert "Código P001.F001" in text and "Versión 1" in text and f"Caso {key}" in text
    assert "9 dic 2026" in text  # generated on the engine's clock, in es-CO
    assert "Página 1 de 1" in text
    for title in (
        "Fecha de realización",
        "Asistentes",
        "Lo acontecido en la sesión",
        "Decisiones",
        "Sentido del voto del delegado",
        "Acto u oficio de delegación",
    ):
        assert title in text
    assert "4 de diciembre de 2026" in text  # the form's date as officials read it
    assert "Aprobar el plan de inversiones 2027" in text
    assert "fecha_realizacion" not in text and "resumen_sesion" not in text


def test_the_case_summary_pdf_carries_the_case_and_every_form_sent(
    client: FlaskClient, p001: Engine
) -> None:
    key = _case_with_ficha(p001)
    login(client, "delegada")
    response = client.get(f"/casos/{key}/resumen.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = _pdf_text(response.data)
    assert f"Resumen del caso {key}" in text and "Código P001" in text
    assert "Sesión ordinaria de diciembre" in text  # the subject
    assert "Instancia (junta, consejo o comité)" in text  # the start form, by its titles
    assert "Lo acontecido en la sesión" in text  # the ficha
    assert "Completó la tarea «Proponer delegado»" in text  # the timeline


def test_the_case_page_links_its_printed_documents(client: FlaskClient, p001: Engine) -> None:
    key = _case_with_ficha(p001)
    login(client, "despacho")
    page = client.get(f"/casos/{key}").text
    assert f'href="/casos/{key}/resumen.pdf"' in page
    assert f'href="/casos/{key}/formularios/P001.F001.pdf"' in page
    assert f'href="/casos/{key}/traza.pdf"' not in page  # the trace is the quality office's
    login(client, "calidad")
    assert f'href="/casos/{key}/traza.pdf"' in client.get(f"/casos/{key}").text


def test_the_trace_pdf_lists_every_event_hash_and_says_the_chain_verifies(
    client: FlaskClient, p001: Engine
) -> None:
    key = _case_with_ficha(p001)
    with p001.sessions() as session:
        hashes = session.execute(select(AuditEvent.seq, AuditEvent.hash)).all()
    login(client, "calidad")
    response = client.get(f"/casos/{key}/traza.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = _pdf_text(response.data)
    assert f"Traza de auditoría del caso {key}" in text
    assert "La cadena de eventos del caso verifica" in text and "NO verifica" not in text
    squeezed = _squeezed(text)
    assert "0" * 64 in squeezed  # the first event's previous hash
    assert len(hashes) > 5
    for _seq, event_hash in hashes:
        assert event_hash in squeezed
    assert f"evento #{max(seq for seq, _ in hashes)}" in text  # the head of the chain


def test_the_trace_of_a_tampered_case_says_its_chain_does_not_verify(
    client: FlaskClient, p001: Engine
) -> None:
    key = _case_with_ficha(p001)
    with p001.unit_of_work() as session:
        session.execute(update(AuditEvent).where(AuditEvent.seq == 2).values(actor="alguien.mas"))
    login(client, "calidad")
    text = _pdf_text(client.get(f"/casos/{key}/traza.pdf").data)
    assert "La cadena de eventos del caso NO verifica" in text
    assert "evento #2" in text and "su contenido fue modificado" in text


def test_who_may_not_see_a_case_gets_403_and_a_missing_document_404(
    client: FlaskClient, p001: Engine
) -> None:
    key = _case_with_ficha(p001)
    login(client, "hacienda")  # not in the case, not in its groups
    assert client.get(f"/casos/{key}/resumen.pdf").status_code == 403
    assert client.get(f"/casos/{key}/formularios/P001.F001.pdf").status_code == 403
    login(client, "despacho")
    assert client.get(f"/casos/{key}/traza.pdf").status_code == 403  # sees the case, not an auditor
    assert client.get("/casos/P001-2026-09999/resumen.pdf").status_code == 404
    assert client.get(f"/casos/{key}/formularios/P001.escalamiento.pdf").status_code == 404
    login(client, "calidad")
    assert client.get("/casos/P001-2026-09999/traza.pdf").status_code == 404
