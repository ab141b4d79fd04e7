"""Issue 13 in the inbox: coordinators' bulk take, release and reassign, back to the same inbox page
with a message that sums it up (Post/Redirect/Get), and each official's own follow-up dates (set
on the task page, shown, sorted and filtered in the inbox)."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from engine import Engine
from tests.helpers import audit_actions, task_for
from tests.web.conftest import bearer, login, post, start_p001


def _proposals(engine: Engine, count: int) -> list[tuple[str, int]]:
    keys = [start_p001(engine) for _ in range(count)]
    return [(key, task_for(engine, key, "proponer_delegado").id) for key in keys]


def test_a_member_who_does_not_coordinate_gets_no_checkboxes_and_cannot_post_bulk(
    client: FlaskClient, p001: Engine
) -> None:
    ((key, task),) = _proposals(p001, 1)
    login(client, "despacho2")
    page = client.get("/?bandeja=grupos").text
    assert key in page and 'name="tarea"' not in page and "acciones-masivas" not in page
    assert "Seleccionar todas" not in page
    response = post(client, "/tareas/acciones", {"tarea": str(task), "accion": "tomar"})
    assert response.status_code == 403
    assert task_for(p001, key, "proponer_delegado").assignee is None


def _messages(html: str) -> list[str]:
    return [" ".join(m.split()) for m in re.findall(r'<p class="flash[^"]*">(.*?)</p>', html, re.S)]


def test_a_coordinator_checks_rows_by_their_labels_and_goes_back_to_the_same_page_with_a_summary(
    client: FlaskClient, p001: Engine
) -> None:
    (first_key, first), (taken_key, taken), (third_key, third) = _proposals(p001, 3)
    login(client, "despacho")
    page = client.get("/?bandeja=grupos").text
    for key, task in ((first_key, first), (taken_key, taken)):
        assert re.search(
            rf'<input type="checkbox" id="seleccionar-{task}" name="tarea" value="{task}"'
            r' form="acciones-masivas">\s*<label for="seleccionar-' + str(task) + r'">'
            rf'<span class="visually-hidden">Seleccionar Proponer delegado del caso {key}</span>',
            page,
        )
    assert '<option value="despacho2">' in page  # the person picker offers the group's members
    # "Seleccionar todas" heads the column: a checkbox select-all.js shows, never submitted.
    assert re.search(
        r'<span class="select-all" data-select-all hidden>\s*<input type="checkbox"'
        r' id="seleccionar-todas">\s*<label for="seleccionar-todas">Seleccionar todas</label>',
        page,
    )
    assert "select-all.js" in page
    p001.claim(taken, "despacho2")  # after the page was loaded
    back = "/?bandeja=grupos&procedimiento=P001&q=&orden=asc&pagina=1"

    response = post(
        client,
        "/tareas/acciones",
        {"tarea": [str(first), str(taken), str(third)], "accion": "tomar", "volver": back},
    )

    assert response.status_code == 303 and response.location == back
    shown = client.get(response.location).text
    assert _messages(shown) == [
        f"2 tareas tomadas; 1 no se pudo: Proponer delegado del caso {taken_key}"
        f" (la tarea {taken} ya fue reclamada por despacho2)."
    ]
    assert 'class="flash flash-error"' in shown  # a refusal is not a plain success
    assert _messages(client.get(back).text) == []  # shown once; reloading acts on nothing
    assert task_for(p001, first_key, "proponer_delegado").assignee == "despacho"
    assert task_for(p001, taken_key, "proponer_delegado").assignee == "despacho2"
    assert task_for(p001, third_key, "proponer_delegado").assignee == "despacho"


def test_refusals_beyond_five_are_counted_not_named(client: FlaskClient, p001: Engine) -> None:
    proposals = _proposals(p001, 7)
    for _, task in proposals:
        p001.claim(task, "despacho2")
    login(client, "despacho")
    response = post(
        client,
        "/tareas/acciones",
        {"tarea": [str(task) for _, task in proposals], "accion": "tomar"},
    )
    assert response.status_code == 303 and response.location == "/"
    (message,) = _messages(client.get("/").text)
    assert message.startswith("0 tareas tomadas; 7 no se pudieron: Proponer delegado del caso")
    assert message.endswith("; y 2 más.")
    assert [key for key, _ in proposals if key in message] == [key for key, _ in proposals[:5]]


def test_a_task_that_does_not_exist_is_named_by_its_number(
    client: FlaskClient, p001: Engine
) -> None:
    ((key, task),) = _proposals(p001, 1)
    login(client, "despacho")
    response = post(client, "/tareas/acciones", {"tarea": [str(task), "987654"], "accion": "tomar"})
    (message,) = _messages(client.get(response.location).text)
    assert message.startswith("1 tarea tomada; 1 no se pudo: tarea 987654 (")
    assert key not in message


def test_the_bulk_form_goes_back_only_to_the_inbox_whatever_it_is_told(
    client: FlaskClient, p001: Engine
) -> None:
    ((_, task),) = _proposals(p001, 1)
    login(client, "despacho")
    for volver, location in (
        ("//elsewhere.example/?bandeja=grupos", "/?bandeja=grupos"),
        ("https://elsewhere.example/", "/"),
        ("/\\elsewhere.example", "/"),
        ("/casos?bandeja=grupos", "/?bandeja=grupos"),
    ):
        refused = post(client, "/tareas/acciones", {"accion": "tomar", "volver": volver})
        assert (refused.status_code, refused.location) == (303, location), volver
    assert "Seleccione al menos una tarea." in client.get("/").text
    done = post(
        client,
        "/tareas/acciones",
        {"tarea": str(task), "accion": "tomar", "volver": "//elsewhere.example/?bandeja=mias"},
    )
    assert (done.status_code, done.location) == (303, "/?bandeja=mias")


def test_bulk_reassign_without_a_person_changes_nothing_and_says_why(
    client: FlaskClient, p001: Engine
) -> None:
    ((key, task),) = _proposals(p001, 1)
    login(client, "despacho")
    response = post(client, "/tareas/acciones", {"tarea": str(task), "accion": "reasignar"})
    assert response.status_code == 303
    assert "Elija a quién reasignar las tareas." in client.get(response.location).text
    assert task_for(p001, key, "proponer_delegado").assignee is None


def test_bulk_reassign_to_a_person_picked_from_the_directory(
    client: FlaskClient, p001: Engine
) -> None:
    (key, first), (_, second) = _proposals(p001, 2)
    login(client, "despacho")
    response = post(
        client,
        "/tareas/acciones",
        {
            "tarea": [str(first), str(second)],
            "accion": "reasignar",
            "usuario": "despacho2",
            "volver": "/?bandeja=grupos",
        },
    )
    assert (response.status_code, response.location) == (303, "/?bandeja=grupos")
    shown = client.get(response.location).text
    assert _messages(shown) == ["2 tareas reasignadas a despacho2."]
    assert 'class="flash flash-success"' in shown
    assert task_for(p001, key, "proponer_delegado").assignee == "despacho2"
    assert audit_actions(p001, key)[-1] == "task_reassigned"


def test_a_follow_up_date_in_the_past_is_a_field_error_on_the_task_page(
    client: FlaskClient, p001: Engine
) -> None:
    ((key, task),) = _proposals(p001, 1)
    login(client, "despacho2")
    response = post(client, f"/tareas/{task}/seguimiento", {"fecha": "2026-11-30"})
    assert response.status_code == 422
    assert 'aria-invalid="true" aria-describedby="seguimiento-error"' in response.text
    assert "Error: la fecha de seguimiento no puede ser anterior a hoy" in response.text
    assert "followup_set" not in audit_actions(p001, key)


def test_a_follow_up_date_shows_in_es_co_and_the_inbox_sorts_and_filters_by_it(
    client: FlaskClient, p001: Engine
) -> None:
    (later_key, later), (today_key, for_today), (none_key, _) = _proposals(p001, 3)
    login(client, "despacho2")
    assert post(client, f"/tareas/{later}/seguimiento", {"fecha": "2026-12-09"}).status_code == 303
    assert (
        post(client, f"/tareas/{for_today}/seguimiento", {"fecha": "2026-12-01"}).status_code == 303
    )
    assert "Le recordaremos esta tarea el" in client.get(f"/tareas/{later}").text
    assert "9 de diciembre de 2026" in client.get(f"/tareas/{later}").text

    page = client.get("/?bandeja=grupos&ordenar_por=seguimiento").text
    assert '<time datetime="2026-12-09">9 dic 2026</time>' in page
    assert page.index(today_key) < page.index(later_key) < page.index(none_key)
    due = client.get("/?bandeja=grupos&seguimiento=hoy").text
    assert today_key in due and later_key not in due and none_key not in due
    assert "1 tarea" in due
    api = client.get("/api/tareas?bandeja=grupos", headers=bearer(p001, "despacho2")).json
    assert {row["id"]: row["follow_up"] for row in api["tasks"]}[later] == "2026-12-09"

    assert (
        post(client, f"/tareas/{for_today}/seguimiento", {"_accion": "quitar"}).status_code == 303
    )
    assert today_key not in client.get("/?bandeja=grupos&seguimiento=hoy").text
