"""The Oficina de Calidad page: chain status, compliance per policy, trail downloads."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import update

from engine import Engine
from storage.models import AuditEvent
from tests.web.conftest import login, start_p001


def test_the_auditor_sees_compliance_and_downloads_the_trail(
    client: FlaskClient, p001: Engine
) -> None:
    key = start_p001(p001)
    login(client, "calidad")
    page = client.get("/calidad").text
    assert "Todas las cadenas de eventos verifican" in page
    assert "Fichas técnicas de delegación" in page
    csv_response = client.get("/calidad/traza.csv")
    assert csv_response.status_code == 200 and key in csv_response.text
    assert "attachment" in csv_response.headers["Content-Disposition"]
    xes = client.get("/calidad/traza.xes")
    assert xes.status_code == 200 and b"<log" in xes.data and key.encode() in xes.data


def test_a_tampered_event_shows_on_the_quality_page(client: FlaskClient, p001: Engine) -> None:
    key = start_p001(p001)
    with p001.unit_of_work() as session:
        session.execute(update(AuditEvent).where(AuditEvent.seq == 1).values(actor="intruso"))
    login(client, "calidad")
    page = client.get("/calidad").text
    assert "La cadena está rota" in page and key in page
