"""An official comments on a task mentioning a colleague, who finds the notice in the Buzón and
reads the comment on the case page; an empty comment is refused in place."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer, axe_violations, screenshot, sign_in, sign_out
from tests.helpers import task_for
from tests.web.conftest import start_p001


def test_a_comment_with_a_mention_reaches_the_mentioned_colleague(
    page: Page, live_server: LiveServer
) -> None:
    key = start_p001(live_server.engine, asunto="Sesión para comentar")
    task = task_for(live_server.engine, key, "proponer_delegado")
    sign_in(page, live_server.url, "despacho")
    page.goto(f"{live_server.url}/tareas/{task.id}")
    comments = page.get_by_role("region", name="Comentarios")
    comments.get_by_role("button", name="Publicar comentario").click()
    expect(page.locator("#comentario-texto-error")).to_have_text("⚠ Error: escriba el comentario")
    expect(page.locator("#comentario-texto")).to_have_attribute("aria-invalid", "true")
    assert axe_violations(page) == []

    page.get_by_label("Nuevo comentario").fill("@despacho2 ¿puede confirmar el cargo del delegado?")
    page.get_by_role("button", name="Publicar comentario").click()
    expect(page.locator(".flashes")).to_contain_text("Su comentario quedó publicado")
    expect(comments.get_by_role("listitem")).to_contain_text(
        "¿puede confirmar el cargo del delegado?"
    )
    screenshot(page, "20-comentario-en-tarea")
    assert axe_violations(page) == []
    sign_out(page)

    sign_in(page, live_server.url, "despacho2")
    page.get_by_role("link", name="Buzón").first.click()
    notice = page.get_by_role("article").filter(has_text="le mencionó en un comentario").first
    expect(notice).to_contain_text("¿puede confirmar el cargo del delegado?")
    expect(notice).to_contain_text("Proponer delegado")
    screenshot(page, "21-buzon-mencion")
    assert axe_violations(page) == []
    notice.get_by_role("link", name=f"Ver el caso {key}").click()
    case_comments = page.get_by_role("region", name="Comentarios")
    expect(case_comments).to_contain_text("¿puede confirmar el cargo del delegado?")
    expect(case_comments.get_by_role("link", name="Proponer delegado")).to_be_visible()
    assert axe_violations(page) == []
