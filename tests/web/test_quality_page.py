"""The Oficina de Calidad page: chain status, compliance per policy, trail downloads."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import delete, select, update

from engine import Engine
from storage.models import AuditEvent, Case
from tests.web.conftest import login, make_app, start_p001


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


def test_the_quality_page_shows_the_checkpoint_and_a_truncated_chain(
    client: FlaskClient, p001: Engine
) -> None:
    key = start_p001(p001)
    login(client, "calidad")
    assert "no hay puntos de control" in client.get("/calidad").text
    keyed = Engine(p001.sessions, clock=p001.clock, audit_key=b"k" * 32)
    sealed = keyed.checkpoint_audit()
    assert sealed is not None
    # This app's engine has no key: the checkpoint shows as not checked, never as fine.
    assert "no se pudo comprobar: falta la clave de auditoría" in client.get("/calidad").text
    keyed_client = make_app(keyed).test_client()
    login(keyed_client, "calidad")
    page = keyed_client.get("/calidad").text
    assert f"punto de control #{sealed.id}" in page and "verificado" in page
    with p001.unit_of_work() as session:
        last = session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
        assert last is not None
        session.execute(delete(AuditEvent).where(AuditEvent.id == last.id))
        session.execute(update(Case).values(audit_seq=last.seq - 1, audit_head=last.prev_hash))
    page = keyed_client.get("/calidad").text
    assert "La cadena está rota" in page and key in page and "la cadena retrocedió" in page
