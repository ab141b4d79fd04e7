"""Issue 13, defect 6: "Casos" finds every case the user may read (its own, its groups', the
organism the case names; the quality office and administrators all) by business key, radicado
or text, filtered by procedure, state, organism, period and outcome."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from engine import Engine
from tests.helpers import task_for
from tests.web.conftest import PROPOSAL, login, start_p001

BILL = {
    "titulo": "Estacionamiento regulado",
    "objeto": "Regular",
    "tipo_iniciativa": "concurrente",
    "exposicion_de_motivos": "data:application/pdf;base64,JVBERi0xLjQK",
    "articulado": "data:application/pdf;base64,JVBERi0xLjUK",
    "organismo_formulador": "secretaria_movilidad",
    "impacto_fiscal": False,
    "metas_plan_desarrollo": "2.1.4",
}


def _keys(html: str) -> set[str]:
    return set(re.findall(r'href="/casos/(P\d{3}-\d{4}-\d{5})"', html))


def test_the_formulating_organism_reads_its_own_bill(
    client: FlaskClient, procedures: Engine
) -> None:
    key = procedures.start("P004", "despacho", BILL)
    login(client, "movilidad")
    assert client.get(f"/casos/{key}").status_code == 200
    assert key in _keys(client.get("/casos/buscar").text)
    login(client, "cultura")  # another organism: neither named nor in a task
    assert client.get(f"/casos/{key}").status_code == 403
    assert key not in _keys(client.get("/casos/buscar").text)


def test_the_quality_office_finds_every_case_and_an_outsider_none(
    client: FlaskClient, p001: Engine
) -> None:
    key = start_p001(p001)
    login(client, "calidad")
    assert key in _keys(client.get("/casos/buscar").text)
    login(client, "hacienda")
    page = client.get("/casos/buscar").text
    assert key not in _keys(page) and "Ningún caso que usted pueda consultar" in page


def test_search_by_key_and_text_and_filter_by_state_organism_period_and_outcome(
    client: FlaskClient, p001: Engine
) -> None:
    rejected = start_p001(p001, asunto="Sesión de enero")
    running = start_p001(p001, asunto="Sesión extraordinaria de EMCALI")
    p001.complete(task_for(p001, rejected, "proponer_delegado").id, "despacho", PROPOSAL)
    p001.complete(
        task_for(p001, rejected, "aprobar_delegacion").id,
        "secretario",
        {"decision_secretario": "rechazar", "observaciones_secretario": "Asiste el Alcalde"},
    )
    login(client, "despacho")

    def found(query: str) -> set[str]:
        return _keys(client.get(f"/casos/buscar?{query}").text)

    assert found("") == {rejected, running}
    assert found(f"q={running}") == {running}
    assert found("q=extraordinaria") == {running}
    assert found("estado=completed") == {rejected}
    assert found("estado=running&procedimiento=P001") == {running}
    assert found("resultado=Delegación rechazada") == {rejected}
    assert found("q=rechazada") == {rejected}  # the outcome is searchable text
    assert found("organismo=despacho_gobierno") == {rejected, running}
    assert found("organismo=secretaria_salud") == set()
    assert found("desde=2026-12-01&hasta=2026-12-01") == {rejected, running}
    assert found("desde=2026-12-02") == set()
    assert found("desde=no-es-fecha") == {rejected, running}  # an unreadable date filters nothing
    page = client.get("/casos/buscar").text
    assert '<option value="Delegación rechazada"' in page  # the outcome filter offers it
