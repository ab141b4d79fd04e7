"""A case's trace as a page (HTML): the same document as the trace PDF, built from the same data
and template: the controlled-document header, every event with its hashes, every form sent, the
attachments with their SHA-256, whether the chain verifies and its head."""

from __future__ import annotations

import hashlib
import re

from flask.testing import FlaskClient
from sqlalchemy import select, update

from engine import Engine
from engine.commands.attachments import Upload
from storage.models import AuditEvent
from tests.helpers import complete, hold_session, task_for
from tests.web.conftest import PDF, PROPOSAL, login, start_p001
from tests.web.test_printed_documents import FICHA, _pdf_text, _squeezed


def _case_with_ficha_and_attachment(engine: Engine) -> str:
    key = start_p001(engine)
    complete(engine, key, "proponer_delegado", "despacho", PROPOSAL)
    complete(engine, key, "aprobar_delegacion", "secretario", {"decision_secretario": "aprobar"})
    hold_session(engine, key)
    engine.complete(
        task_for(engine, key, "diligenciar_ficha").id,
        "delegada",
        FICHA,
        {"acta_adjunta": Upload("acta sesión.pdf", PDF)},
    )
    return key


def _text(html: str) -> str:
    """The page's words on one line, as a reader sees them (tags dropped)."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_the_trace_page_is_the_controlled_document_with_every_event_form_and_attachment(
    client: FlaskClient, p001: Engine
) -> None:
    key = _case_with_ficha_and_attachment(p001)
    with p001.sessions() as session:
        hashes = session.execute(select(AuditEvent.seq, AuditEvent.hash)).all()
    login(client, "calidad")
    response = client.get(f"/casos/{key}/traza")
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = response.text
    text = _text(page)
    assert f"Traza de auditoría del caso {key}" in text
    assert "Código P001" in text and "Versión 1" in text and f"Caso {key}" in text
    assert "Gestión del Buen Gobierno · MEDE01.09" in text
    assert "La cadena de eventos del caso verifica" in text and "NO verifica" not in text
    assert "0" * 64 in page  # the first event's previous hash
    for _seq, event_hash in hashes:
        assert event_hash in page
    assert f"evento #{max(seq for seq, _ in hashes)}" in text  # the head of the chain
    assert "None" not in text  # an automatic step has no person's name: its actor alone
    assert "Lo acontecido en la sesión" in text  # the ficha, by its field titles
    assert "Instancia (junta, consejo o comité)" in text  # the start form
    assert "acta sesión.pdf" in text and hashlib.sha256(PDF).hexdigest() in page
    # One print stylesheet for the page and the PDF; the page links the PDF and its case.
    assert 'href="/static/print.css"' in page
    assert f'href="/casos/{key}/traza.pdf"' in page and f'href="/casos/{key}"' in page


def test_the_trace_page_and_the_trace_pdf_list_the_same_events(
    client: FlaskClient, p001: Engine
) -> None:
    key = _case_with_ficha_and_attachment(p001)
    login(client, "calidad")
    page = client.get(f"/casos/{key}/traza").text
    pdf = _squeezed(_pdf_text(client.get(f"/casos/{key}/traza.pdf").data))
    on_page = re.findall(r"\b[0-9a-f]{64}\b", page)
    assert len(on_page) > 10
    for value in on_page:
        assert value in pdf


def test_the_trace_page_of_a_tampered_case_says_its_chain_does_not_verify(
    client: FlaskClient, p001: Engine
) -> None:
    key = _case_with_ficha_and_attachment(p001)
    with p001.unit_of_work() as session:
        session.execute(update(AuditEvent).where(AuditEvent.seq == 2).values(actor="alguien.mas"))
    login(client, "calidad")
    text = _text(client.get(f"/casos/{key}/traza").text)
    assert "La cadena de eventos del caso NO verifica" in text
    assert "evento #2" in text and "su contenido fue modificado" in text


def test_only_the_quality_office_and_admins_see_the_trace_page_and_its_link(
    client: FlaskClient, p001: Engine
) -> None:
    key = start_p001(p001)
    login(client, "despacho")  # sees the case, is not an auditor
    assert client.get(f"/casos/{key}/traza").status_code == 403
    assert f'href="/casos/{key}/traza"' not in client.get(f"/casos/{key}").text
    for auditor in ("calidad", "admin"):
        login(client, auditor)
        assert f'href="/casos/{key}/traza"' in client.get(f"/casos/{key}").text
        assert client.get(f"/casos/{key}/traza").status_code == 200
    assert client.get("/casos/P001-2026-09999/traza").status_code == 404
