"""The inbox: two tabs, claim and release, filters, search, order, pages, overdue in words."""

from __future__ import annotations

import re
from datetime import timedelta

from flask.testing import FlaskClient

from engine import Engine, ManualClock
from tests.helpers import communicate_delegation, hold_session, task_for
from tests.web.conftest import PROPOSAL, login, make_app, post, start_p001


def _task_links(html: str) -> list[str]:
    return re.findall(r'href="/tareas/(\d+)"', html)


def test_group_task_is_offered_under_de_mis_grupos_not_mis_tareas(
    client: FlaskClient, p001: Engine
) -> None:
    key = start_p001(p001)
    task = task_for(p001, key, "proponer_delegado")
    login(client, "despacho2")
    mine = client.get("/?bandeja=mias").text
    groups = client.get("/?bandeja=grupos").text
    assert str(task.id) not in _task_links(mine)
    assert str(task.id) in _task_links(groups)
    for column in ("Procedimiento", "Radicado", "Tarea", "Asunto del caso", "Asignación"):
        assert column in groups
    assert key in groups and "Sesión ordinaria de diciembre" in groups
    assert "Sin tomar" in groups


def test_claim_moves_the_task_to_mis_tareas_and_release_gives_it_back(
    client: FlaskClient, p001: Engine
) -> None:
    key = start_p001(p001)
    task = task_for(p001, key, "proponer_delegado")
    login(client, "despacho2")
    assert post(client, f"/tareas/{task.id}/reclamar").status_code == 303
    assert str(task.id) in _task_links(client.get("/?bandeja=mias").text)
    assert task_for(p001, key, "proponer_delegado").assignee == "despacho2"

    assert post(client, f"/tareas/{task.id}/liberar").status_code == 303
    assert task_for(p001, key, "proponer_delegado").assignee is None
    assert str(task.id) in _task_links(client.get("/?bandeja=grupos").text)


def test_a_colleague_sees_the_claimed_task_as_claimed_and_cannot_claim_it(
    client: FlaskClient, p001: Engine
) -> None:
    key = start_p001(p001)
    task = task_for(p001, key, "proponer_delegado")
    p001.claim(task.id, "despacho2")
    login(client, "despacho")
    assert "Tomada por despacho2" in client.get("/?bandeja=grupos").text
    assert post(client, f"/tareas/{task.id}/reclamar").status_code == 409  # already claimed


def test_search_by_business_key_and_text_and_filter_by_state(
    client: FlaskClient, p001: Engine
) -> None:
    first = start_p001(p001, asunto="Consejo de Política Social")
    second = start_p001(p001, asunto="Junta de Metro Cali")
    p001.claim(task_for(p001, second, "proponer_delegado").id, "despacho2")
    login(client, "despacho")

    by_key = client.get(f"/?bandeja=grupos&q={first}").text
    assert first in by_key and second not in by_key
    by_text = client.get("/?bandeja=grupos&q=metro").text
    assert second in by_text and first not in by_text
    unclaimed = client.get("/?bandeja=grupos&estado=sin_reclamar").text
    assert first in unclaimed and second not in unclaimed
    claimed = client.get("/?bandeja=grupos&estado=reclamadas").text
    assert second in claimed and first not in claimed
    assert "0 tareas" in client.get("/?bandeja=grupos&procedimiento=P003").text


def test_pages_and_order_by_due_date(p001: Engine) -> None:
    client = make_app(p001, PER_PAGE=2).test_client()
    keys = [start_p001(p001, fecha_sesion=f"2026-12-0{day}") for day in (2, 3, 4)]
    for key in keys:
        p001.complete(task_for(p001, key, "proponer_delegado").id, "despacho", PROPOSAL)
        p001.complete(
            task_for(p001, key, "aprobar_delegacion").id,
            "secretario",
            {"decision_secretario": "aprobar"},
        )
        communicate_delegation(p001, key)
    login(client, "delegada")
    first_page = client.get("/?bandeja=mias").text
    assert "3 tareas" in first_page and "Página 1 de 2" in first_page
    assert keys[0] in first_page and keys[1] in first_page and keys[2] not in first_page
    assert keys[2] in client.get("/?bandeja=mias&pagina=2").text
    newest_first = client.get("/?bandeja=mias&orden=desc").text
    assert newest_first.index(keys[2]) < newest_first.index(keys[1])


def test_overdue_task_is_marked_in_words_not_by_colour_alone(
    client: FlaskClient, p001: Engine, clock: ManualClock
) -> None:
    key = start_p001(p001)
    p001.complete(task_for(p001, key, "proponer_delegado").id, "despacho", PROPOSAL)
    p001.complete(
        task_for(p001, key, "aprobar_delegacion").id,
        "secretario",
        {"decision_secretario": "aprobar"},
    )
    hold_session(p001, key)  # the ficha is due 2026-12-10; today is 2026-12-04
    login(client, "delegada")
    assert "Faltan 3 días hábiles" in client.get("/").text
    clock.advance(timedelta(days=11))  # 2026-12-15: 3 business days after the due date
    page = client.get("/").text
    assert "Vencida hace 3 días hábiles" in page
    assert key in client.get("/?estado=vencidas").text


def test_inbox_search_form_works_with_htmx_and_without(client: FlaskClient, p001: Engine) -> None:
    start_p001(p001)
    login(client, "despacho")
    page = client.get("/?bandeja=grupos").text
    assert 'method="get"' in page and 'hx-get="/"' in page
    assert 'id="resultados"' in page


def test_inbox_opens_the_groups_tab_when_only_the_groups_have_work(
    client: FlaskClient, p001: Engine
) -> None:
    """Issue 13, defect 10: "Mis tareas" looked empty while the work was in "De mis grupos"."""
    start_p001(p001)  # "Proponer delegado" is offered to despacho_gobierno, nobody holds it
    login(client, "despacho2")
    page = client.get("/").text
    assert 'aria-current="page">De mis grupos' in page
    assert "Proponer delegado" in page
    assert "No tiene tareas asignadas: estas son las tareas de sus grupos." in page
    asked = client.get("/?bandeja=mias").text  # a tab asked for by name stays that tab
    assert 'aria-current="page">Mis tareas' in asked and "Proponer delegado" not in asked
