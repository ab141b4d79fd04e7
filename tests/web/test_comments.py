"""The comments sections of the case page and the task page: who reads, who writes, field errors."""

from __future__ import annotations

from datetime import datetime, time

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from engine import Engine, ManualClock
from engine.bpm.calendar import BOGOTA
from engine.commands.absences import declare_absence
from engine.read.comments import MAX_COMMENT_LENGTH
from storage.models import AuditEvent, Comment
from tests.helpers import task_for
from tests.integration.test_absences import ABSENT_NAME, AWAY_FROM, AWAY_TO
from tests.web.conftest import PROPOSAL, bearer, csrf_token, login, post, start_p001


def _comments(engine: Engine) -> int:
    with engine.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(Comment)) or 0)


def test_an_official_posts_on_the_case_page_and_reads_it_there(
    client: FlaskClient, p001: Engine
) -> None:
    key = start_p001(p001)
    login(client, "despacho")
    response = post(client, f"/casos/{key}/comentarios", {"texto": "Invitación recibida."})
    assert response.status_code == 303
    assert response.headers["Location"].startswith(f"/casos/{key}#comentario-")
    page = client.get(f"/casos/{key}").text
    assert "Invitación recibida." in page
    assert "1 dic 2026" in page  # es-CO date, not ISO
    assert "Comentó el caso" in page  # and the timeline says so


def test_a_comment_on_a_task_shows_on_the_task_and_on_the_case_with_the_task_named(
    client: FlaskClient, p001: Engine
) -> None:
    key = start_p001(p001)
    task = task_for(p001, key, "proponer_delegado")
    login(client, "despacho2")
    response = post(client, f"/tareas/{task.id}/comentarios", {"texto": "Yo propongo."})
    assert response.status_code == 303
    assert "Yo propongo." in client.get(f"/tareas/{task.id}").text
    case_page = client.get(f"/casos/{key}").text
    assert "Yo propongo." in case_page
    assert f'sobre la tarea <a href="/tareas/{task.id}">Proponer delegado</a>' in case_page


def test_an_empty_or_too_long_comment_comes_back_with_the_field_error(
    client: FlaskClient, p001: Engine
) -> None:
    key = start_p001(p001)
    login(client, "despacho")
    empty = post(client, f"/casos/{key}/comentarios", {"texto": "   "})
    assert empty.status_code == 422
    assert "Error: escriba el comentario" in empty.text
    assert 'aria-invalid="true"' in empty.text
    long_text = "a" * (MAX_COMMENT_LENGTH + 1)
    too_long = post(client, f"/casos/{key}/comentarios", {"texto": long_text})
    assert too_long.status_code == 422
    assert f"el máximo es {MAX_COMMENT_LENGTH}" in too_long.text
    assert f">{long_text}</textarea>" in too_long.text  # what was typed is kept
    assert _comments(p001) == 0


def test_an_unknown_mention_on_the_task_page_is_a_field_error(
    client: FlaskClient, p001: Engine
) -> None:
    task = task_for(p001, start_p001(p001), "proponer_delegado")
    login(client, "despacho")
    response = post(client, f"/tareas/{task.id}/comentarios", {"texto": "Pregunta a @tesoreria"})
    assert response.status_code == 422
    assert "@tesoreria no es un usuario activo del directorio" in response.text
    assert ">Pregunta a @tesoreria</textarea>" in response.text
    assert _comments(p001) == 0


def test_the_quality_office_reads_comments_without_a_form_and_cannot_post(
    client: FlaskClient, p001: Engine
) -> None:
    key = start_p001(p001)
    p001.comment("despacho", "Nota para el expediente", business_key=key)
    login(client, "calidad")
    page = client.get(f"/casos/{key}").text
    assert "Nota para el expediente" in page
    assert 'name="texto"' not in page
    assert "Solo quienes trabajan en el caso pueden comentar" in page
    assert post(client, f"/casos/{key}/comentarios", {"texto": "Hola"}).status_code == 403
    assert _comments(p001) == 1


def test_an_outsider_neither_reads_nor_posts(client: FlaskClient, p001: Engine) -> None:
    key = start_p001(p001)
    p001.comment("despacho", "Nota reservada", business_key=key)
    login(client, "hacienda")
    assert client.get(f"/casos/{key}").status_code == 403
    assert post(client, f"/casos/{key}/comentarios", {"texto": "Hola"}).status_code == 403
    assert "Nota reservada" not in client.get("/buzon").text


def test_a_comment_is_shown_as_text_never_as_markup(client: FlaskClient, p001: Engine) -> None:
    key = start_p001(p001)
    p001.comment("despacho", "<script>alert(1)</script>", business_key=key)
    login(client, "despacho")
    page = client.get(f"/casos/{key}").text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_the_mentioned_user_finds_the_notice_in_the_buzon(
    client: FlaskClient, p001: Engine
) -> None:
    key = start_p001(p001)
    login(client, "despacho")
    post(client, f"/casos/{key}/comentarios", {"texto": "@despacho2 por favor revise."})
    login(client, "despacho2")
    mailbox = client.get("/buzon").text
    assert "le mencionó en un comentario" in mailbox
    assert "por favor revise." in mailbox
    assert f"/casos/{key}" in mailbox


def _proposal_done(engine: Engine) -> tuple[str, int, int]:
    """A case whose proposal the despacho made: the Secretario's approval is open."""
    key = start_p001(engine)
    proposal = task_for(engine, key, "proponer_delegado").id
    engine.complete(proposal, "despacho", PROPOSAL)
    return key, proposal, task_for(engine, key, "aprobar_delegacion").id


def test_who_cannot_see_the_task_cannot_comment_on_it_with_the_form(
    client: FlaskClient, p001: Engine
) -> None:
    _key, proposal, approval = _proposal_done(p001)
    login(client, "secretario")
    refused = post(client, f"/tareas/{proposal}/comentarios", {"texto": "Falta la hoja de vida."})
    assert refused.status_code == 403
    assert "no puede comentar la tarea «Proponer delegado»" in refused.text
    assert _comments(p001) == 0
    accepted = post(client, f"/tareas/{approval}/comentarios", {"texto": "En revisión."})
    assert accepted.status_code == 303
    assert _comments(p001) == 1


def _away(engine: Engine, clock: ManualClock) -> None:
    """despacho2 is away (juridica stands in), and today is the first day."""
    declare_absence(engine, "despacho2", "despacho2", "juridica", AWAY_FROM, AWAY_TO)
    clock.set(datetime.combine(AWAY_FROM, time(9), BOGOTA))


def test_the_substitute_comments_with_the_form_and_reads_the_absent_user_s_mentions(
    client: FlaskClient, p001: Engine, clock: ManualClock
) -> None:
    key = start_p001(p001)
    _away(p001, clock)
    p001.comment("despacho", "@despacho2 ¿revisa la propuesta?", business_key=key)
    login(client, "juridica")
    page = client.get(f"/casos/{key}").text
    assert 'name="texto"' in page
    response = post(client, f"/casos/{key}/comentarios", {"texto": "La reviso yo."})
    assert response.status_code == 303
    mailbox = client.get("/buzon").text
    assert "¿revisa la propuesta?" in mailbox
    assert f"En suplencia de {ABSENT_NAME}" in mailbox
    assert _comments(p001) == 2


# -- the JSON API ---------------------------------------------------------------------------


def test_the_api_lists_a_case_s_and_a_task_s_comments(client: FlaskClient, p001: Engine) -> None:
    key = start_p001(p001)
    task = task_for(p001, key, "proponer_delegado").id
    p001.comment("despacho", "Sobre el caso.", business_key=key)
    p001.comment("despacho2", "Sobre la tarea, @despacho.", task_id=task)
    headers = bearer(p001, "despacho")

    on_case = client.get(f"/api/casos/{key}/comentarios", headers=headers)
    assert on_case.status_code == 200
    assert (on_case.json["case"], on_case.json["may_write"], on_case.json["closed"]) == (
        key,
        True,
        False,
    )
    assert [(c["author"], c["text"], c["task"]) for c in on_case.json["comments"]] == [
        ("despacho", "Sobre el caso.", None),
        ("despacho2", "Sobre la tarea, @despacho.", task),
    ]
    second = on_case.json["comments"][1]
    assert (second["task_name"], second["mentions"]) == ("Proponer delegado", ["despacho"])
    assert second["author_name"] == "Contratista Despacho de Gobierno"
    assert datetime.fromisoformat(second["created_at"]).tzinfo is not None

    on_task = client.get(f"/api/tareas/{task}/comentarios", headers=headers).json
    assert (on_task["task"], [c["text"] for c in on_task["comments"]]) == (
        task,
        ["Sobre la tarea, @despacho."],
    )
    outsider = client.get(f"/api/casos/{key}/comentarios", headers=bearer(p001, "hacienda"))
    assert outsider.status_code == 403 and outsider.is_json
    missing = client.get("/api/casos/P001-2026-99999/comentarios", headers=headers)
    assert missing.status_code == 404 and missing.is_json


def test_the_api_adds_a_comment_on_a_case_and_on_a_task(client: FlaskClient, p001: Engine) -> None:
    key = start_p001(p001)
    task = task_for(p001, key, "proponer_delegado").id
    headers = bearer(p001, "despacho")
    on_case = client.post(
        f"/api/casos/{key}/comentarios", json={"texto": "Por la API."}, headers=headers
    )
    assert on_case.status_code == 201
    assert on_case.json == {"ok": True, "id": on_case.json["id"], "case": key}
    on_task = client.post(
        f"/api/tareas/{task}/comentarios", json={"texto": "@despacho2 mire."}, headers=headers
    )
    assert on_task.status_code == 201 and on_task.json["task"] == task
    with p001.sessions() as session:
        stored = session.scalars(select(Comment).order_by(Comment.id)).all()
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.action.like("%_commented"))
        ).all()
    assert [(c.id, c.task_id, c.body) for c in stored] == [
        (on_case.json["id"], None, "Por la API."),
        (on_task.json["id"], task, "@despacho2 mire."),
    ]
    assert sorted(actions) == ["case_commented", "task_commented"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"texto": "   "}, "escriba el comentario"),
        ({"texto": "a" * (MAX_COMMENT_LENGTH + 1)}, f"el máximo es {MAX_COMMENT_LENGTH}"),
        ({"texto": "Para @tesoreria"}, "@tesoreria no es un usuario activo del directorio"),
        ({}, "envíe un objeto JSON con el comentario como texto en «texto»"),
        ({"texto": 42}, "envíe un objeto JSON con el comentario como texto en «texto»"),
        (["texto"], "envíe un objeto JSON con el comentario como texto en «texto»"),
    ],
)
def test_a_refused_api_comment_is_a_422_with_the_field_error(
    client: FlaskClient, p001: Engine, body: object, message: str
) -> None:
    key = start_p001(p001)
    task = task_for(p001, key, "proponer_delegado").id
    headers = bearer(p001, "despacho")
    for url in (f"/api/casos/{key}/comentarios", f"/api/tareas/{task}/comentarios"):
        response = client.post(url, json=body, headers=headers)
        assert response.status_code == 422 and response.is_json
        assert message in response.json["field_errors"]["texto"]
    assert _comments(p001) == 0


def test_the_api_refuses_a_comment_from_who_may_not_write_there(
    client: FlaskClient, p001: Engine
) -> None:
    key, proposal, _approval = _proposal_done(p001)
    for username, url in [
        ("calidad", f"/api/casos/{key}/comentarios"),  # reads, does not write
        ("hacienda", f"/api/casos/{key}/comentarios"),  # does not even read
        ("secretario", f"/api/tareas/{proposal}/comentarios"),  # not his task
    ]:
        response = client.post(url, json={"texto": "Hola"}, headers=bearer(p001, username))
        assert response.status_code == 403 and response.is_json, username
        assert "no puede" in response.json["message"]
    assert _comments(p001) == 0


def test_the_api_comment_with_a_session_cookie_needs_the_csrf_header_and_json(
    client: FlaskClient, p001: Engine
) -> None:
    key = start_p001(p001)
    login(client, "despacho")
    missing = client.post(f"/api/casos/{key}/comentarios", json={"texto": "Hola"})
    assert missing.status_code == 400 and "CSRF" in missing.json["message"]
    headers = {"X-CSRFToken": csrf_token(client)}
    as_form = client.post(f"/api/casos/{key}/comentarios", data={"texto": "Hola"}, headers=headers)
    assert as_form.status_code == 415 and as_form.is_json
    assert _comments(p001) == 0
    sent = client.post(f"/api/casos/{key}/comentarios", json={"texto": "Hola"}, headers=headers)
    assert sent.status_code == 201
    assert _comments(p001) == 1
