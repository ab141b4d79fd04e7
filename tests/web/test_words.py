"""Issue 13, defect 7: officials read their words, not the model's (jargon, codes, ISO dates)."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from engine import Engine
from engine.read.case_timeline import PERSON_ACTIONS, SYSTEM_EVENTS
from engine.read.wording import for_officials
from tests.helpers import communicate_delegation, task_for
from tests.web.conftest import PROPOSAL, login, start_p001
from web.filters import ACTIONS, number_text


def test_the_analysts_assumptions_are_not_shown_to_officials() -> None:
    documentation = (
        "El organismo radica el proyecto. Supuesto: el inicio está en el carril de Despacho.\n\n"
        "Segundo párrafo. Supuestos (la circular no lo precisa): días hábiles."
    )
    assert for_officials(documentation) == "El organismo radica el proyecto.\n\nSegundo párrafo."


def test_the_start_page_describes_procedures_without_modelling_assumptions(
    client: FlaskClient, procedures: Engine
) -> None:
    login(client, "despacho")
    page = client.get("/iniciar").text
    assert "El organismo productor radica el proyecto de acto" in page
    assert "Supuesto" not in page and "carril" not in page


def test_the_case_page_names_steps_not_gateways_and_credits_automatic_steps_to_the_system(
    client: FlaskClient, p001: Engine
) -> None:
    key = start_p001(p001)
    p001.complete(task_for(p001, key, "proponer_delegado").id, "despacho", PROPOSAL)
    login(client, "despacho")
    page = client.get(f"/casos/{key}").text
    caption = re.search(r'<figcaption id="diagrama-texto">(.*?)</figcaption>', page, re.S)
    assert caption and "gw_" not in caption.group(1) and "Proponer delegado" in caption.group(1)
    timeline = page[page.index('class="timeline"') :]
    # The person's action, credited to the person; the gateway folded and credited to no one.
    assert re.search(
        r"Profesional Despacho de Gobierno</span>:\s*<span class=\"what\">Completó", timeline
    )
    folded = re.search(r"<details>(.*?)</details>", timeline, re.S)
    assert folded and re.search(r"\d+ pasos? automáticos?</summary>", folded.group(1))
    assert "Sistema" in folded.group(1) and "Profesional Despacho" not in folded.group(1)


def test_every_event_an_official_sees_is_named_in_spanish() -> None:
    for action in PERSON_ACTIONS | SYSTEM_EVENTS | {"element_completed", "task_created"}:
        assert action in ACTIONS, action
    assert str(ACTIONS["timer_fired"]) == "Se cumplió el plazo"


def test_group_tasks_name_the_organism_and_offer_tomar(client: FlaskClient, p001: Engine) -> None:
    start_p001(p001)
    login(client, "despacho2")
    page = client.get("/?bandeja=grupos").text
    assert "Sin tomar · Despacho de Gobierno" in page and "despacho_gobierno)" not in page
    assert ">Tomar<" in page and "Reclamar" not in page


def test_the_mailbox_writes_due_dates_in_words(client: FlaskClient, p001: Engine) -> None:
    key = start_p001(p001)
    p001.complete(task_for(p001, key, "proponer_delegado").id, "despacho", PROPOSAL)
    approval = task_for(p001, key, "aprobar_delegacion").id
    p001.complete(approval, "secretario", {"decision_secretario": "aprobar"})
    communicate_delegation(p001, key)
    login(client, "delegada")
    page = client.get("/buzon").text
    assert "Vence el" in page
    assert not re.search(r"Vence el \d{4}-\d{2}-\d{2}", page)
    assert re.search(r"Vence el \d{1,2} de [a-z]+ de \d{4}", page)


def test_money_has_thousands_separators_and_its_currency(app: Flask) -> None:
    with app.test_request_context():
        assert number_text(150000000, "Valor total (COP)") == "150.000.000 COP"
        assert number_text(1234.5, "Artículos") == "1.234,5"


def test_the_mailbox_names_the_organism_a_notice_went_to(client: FlaskClient, p001: Engine) -> None:
    start_p001(p001)
    login(client, "despacho")
    page = client.get("/buzon").text
    assert "para Despacho de Gobierno" in page and "para despacho_gobierno" not in page
