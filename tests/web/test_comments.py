"""The comments sections of the case page and the task page: who reads, who writes, field errors."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import func, select

from engine import Engine
from engine.read.comments import MAX_COMMENT_LENGTH
from storage.models import Comment
from tests.helpers import task_for
from tests.web.conftest import login, post, start_p001


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
