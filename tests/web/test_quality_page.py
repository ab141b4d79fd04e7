"""The Oficina de Calidad page: chain status, compliance per policy, trail downloads."""

from __future__ import annotations

from datetime import datetime

from flask.testing import FlaskClient
from sqlalchemy import delete, select, update

from engine import Engine, ManualClock
from engine.bpm.calendar import BOGOTA
from storage.models import AuditEvent, Case
from tests.helpers import complete, hold_session
from tests.integration.test_p001_paths import FICHA
from tests.web.conftest import PROPOSAL, login, make_app, start_p001


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


def _ficha_task(engine: Engine) -> str:
    key = start_p001(engine)
    complete(engine, key, "proponer_delegado", "despacho", PROPOSAL)
    complete(engine, key, "aprobar_delegacion", "secretario", {"decision_secretario": "aprobar"})
    hold_session(engine, key)
    return key


def _two_fichas_one_missing(engine: Engine) -> tuple[str, str]:
    sent, missing = _ficha_task(engine), _ficha_task(engine)
    complete(engine, sent, "diligenciar_ficha", "delegada",
             {**FICHA, "resumen_sesion": "Sesión", "compromisos": []})  # fmt: skip
    assert isinstance(engine.clock, ManualClock)
    engine.clock.set(datetime(2026, 12, 14, 9, 0, tzinfo=BOGOTA))
    return sent, missing


def test_each_indicator_is_defined_on_the_page_with_a_decimal_comma(
    client: FlaskClient, p001: Engine
) -> None:
    _two_fichas_one_missing(p001)
    login(client, "calidad")
    page = client.get("/calidad").text
    assert "Numerador" in page and "Denominador" in page and "Pendiente" in page
    assert "50,0 %" in page and "50.0" not in page
    assert "No enviadas y vencidas" in page


def test_a_figure_drills_down_to_its_cases_and_downloads_them(
    client: FlaskClient, p001: Engine
) -> None:
    sent, missing = _two_fichas_one_missing(p001)
    login(client, "calidad")
    page = client.get("/calidad/politica/3?grupo=faltantes").text
    assert missing in page and sent not in page
    assert f'href="/casos/{missing}"' in page
    download = client.get("/calidad/politica/3.csv?grupo=faltantes")
    assert download.status_code == 200
    text = download.data.decode("utf-8")
    assert text.startswith("\ufeffPolítica,Grupo,Resultado,Caso")
    assert missing in text and sent not in text
    assert client.get("/calidad/politica/3?grupo=inventado").status_code == 404


def test_a_period_filters_the_figures_and_a_bad_date_is_refused_in_spanish(
    client: FlaskClient, p001: Engine
) -> None:
    sent, missing = _two_fichas_one_missing(p001)
    login(client, "calidad")
    later = client.get("/calidad/politica/3?desde=2027-01-01").text
    assert sent not in later and missing not in later
    refused = client.get("/calidad?desde=ayer")
    assert refused.status_code == 422
    assert "la fecha debe tener la forma AAAA-MM-DD" in refused.text
