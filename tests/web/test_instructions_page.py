"""Defect 1 of issue 13: task pages and the API showed the instructions' template code
("Revise el proyecto de {{ tipo_acto }}…", a whole `{% if … %}` block). They show it rendered."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from engine import Engine
from engine.commands.attachments import Upload
from tests.conftest import BPMN
from tests.helpers import open_elements, task_for
from tests.web.conftest import PDF, bearer, login, make_app

FILING = {
    "tipo_acto": "decreto",
    "clase_acto": "general",
    "asunto": "Delegación de funciones <b>urgentes</b>",
    "organismo_productor": "secretaria_salud",
}


def _p003(engine: Engine) -> tuple[Flask, str]:
    engine.deploy([BPMN / "P003_actos_administrativos.bpmn"], "admin")
    key = engine.start("P003", "despacho", FILING, {"borrador": Upload("proyecto.pdf", PDF)})
    return make_app(engine), key


def test_visto_bueno_page_shows_the_act_it_is_about(engine: Engine) -> None:
    app, key = _p003(engine)
    client = app.test_client()
    login(client, "salud")
    page = client.get(f"/tareas/{task_for(engine, key, 'visto_bueno_organismo').id}").text
    assert (
        "Revise el proyecto de decreto "
        "<strong>Delegación de funciones &lt;b&gt;urgentes&lt;/b&gt;</strong>" in page
    )
    assert "{{" not in page and "{%" not in page


def test_adjustment_page_says_why_the_act_came_back(engine: Engine) -> None:
    app, key = _p003(engine)
    engine.complete(
        task_for(engine, key, "visto_bueno_organismo").id,
        "salud",
        {"visto_bueno_organismo": "negado", "observaciones_organismo": "Falta un considerando"},
    )
    engine.complete(
        task_for(engine, key, "visto_bueno_dagjp").id, "juridica", {"visto_bueno_dagjp": "otorgado"}
    )
    assert open_elements(engine, key) == ["corregir_acto"]
    client = app.test_client()
    login(client, "salud")  # the producing organism adjusts its act
    page = client.get(f"/tareas/{task_for(engine, key, 'corregir_acto').id}").text
    assert "<strong>Ajustar el proyecto de acto: faltan vistos buenos.</strong>" in page
    assert "Observaciones del organismo: Falta un considerando." in page
    assert "Observaciones del DAGJP" not in page  # DAGJP gave its visto bueno
    assert "{%" not in page and "{{" not in page


def test_api_gives_the_rendered_instructions_as_text_and_safe_html(engine: Engine) -> None:
    app, key = _p003(engine)
    client: FlaskClient = app.test_client()
    task = task_for(engine, key, "visto_bueno_organismo")
    body = client.get(f"/api/tareas/{task.id}", headers=bearer(engine, "salud")).json
    assert body is not None
    assert body["instructions"].startswith(
        "Revise el proyecto de decreto **Delegación de funciones <b>urgentes</b>**"
    )
    assert body["instructions_html"].startswith(
        "<p>Revise el proyecto de decreto <strong>Delegación de funciones &lt;b&gt;"
    )
