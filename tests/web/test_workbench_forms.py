"""The workbench's form editor as an analyst uses it: a draft's forms listed with the tasks that
use them, the schema checked as typed (JSON errors with line and column, JSON Schema 2020-12,
what the renderer can show) with the officials' renderer as preview, saving a revision of the
draft (409 on a stale one), and a removed or broken form reported by the draft's linter."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from engine import Engine
from storage.models import Draft, WorkbenchEvent
from tests.conftest import BPMN
from tests.web.conftest import login, post

PROPOSAL = "P001.propuesta.schema.json"
PROPOSAL_UI = "P001.propuesta.uischema.json"
FORMS = BPMN.parent / "forms"


@pytest.fixture
def p001(p001_then_procedures: Engine) -> Engine:
    """Every procedure deployed, as `make run` does: P001 calls P003 and P005."""
    return p001_then_procedures


@pytest.fixture
def analyst(app: Flask) -> FlaskClient:
    client = app.test_client()
    login(client, "analista")
    return client


@pytest.fixture
def draft(p001: Engine) -> int:
    return p001.create_draft("P001", "analista").draft_id


def proposal() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((FORMS / PROPOSAL).read_text(encoding="utf-8"))
    return loaded


def proposal_ui() -> str:
    return (FORMS / PROPOSAL_UI).read_text(encoding="utf-8")


def with_field(schema: dict[str, Any], name: str, title: str) -> dict[str, Any]:
    return {
        **schema,
        "properties": {**schema["properties"], name: {"type": "string", "title": title}},
    }


def preview(client: FlaskClient, draft: int, schema: str, ui: str = "") -> str:
    response = post(
        client,
        f"/modelos/borradores/{draft}/formularios/{PROPOSAL}/vista-previa",
        {"esquema": schema, "ui": ui},
    )
    assert response.status_code == 200
    text: str = response.text
    return text


def save_form(
    client: FlaskClient, draft: int, revision: int, schema: str, ui: str = "", name: str = PROPOSAL
) -> Any:
    return post(
        client,
        f"/modelos/borradores/{draft}/formularios/{name}",
        {"esquema": schema, "ui": ui, "revision": str(revision)},
    )


def stored_forms(engine: Engine, draft: int) -> dict[str, Any]:
    with engine.sessions() as session:
        found = session.get(Draft, draft)
        assert found is not None
        return dict(found.forms)


def problems(client: FlaskClient, draft: int) -> list[dict[str, Any]]:
    report: list[dict[str, Any]] = client.get(f"/modelos/borradores/{draft}/problemas.json").json[
        "problems"
    ]
    return report


# -- the list and the editor --------------------------------------------------------------------


def test_the_forms_page_lists_each_form_with_the_tasks_that_use_it(
    analyst: FlaskClient, draft: int
) -> None:
    page = analyst.get(f"/modelos/borradores/{draft}/formularios").text
    row = page[page.index(f'<tr data-form="{PROPOSAL}">') :]
    row = row[: row.index("</tr>")]
    assert "Propuesta de delegado" in row
    assert "proponer_delegado" in row


def test_the_editor_opens_with_the_schema_and_the_preview_officials_see(
    analyst: FlaskClient, draft: int
) -> None:
    page = analyst.get(f"/modelos/borradores/{draft}/formularios/{PROPOSAL}").text
    assert "cargo_delegado" in page  # the schema's text, in the editor
    assert "Sin errores" in page
    # The task page's renderer: the field's label, required mark and help.
    assert 'id="campo-cargo_delegado"' in page
    assert "Cargo del delegado" in page


def test_the_editor_page_allows_only_its_own_nonced_styles(
    analyst: FlaskClient, draft: int
) -> None:
    """CodeMirror writes its stylesheet as a <style> element: the editor page's policy admits
    the one carrying this response's nonce (never 'unsafe-inline'), and scripts stay 'self'."""
    url = f"/modelos/borradores/{draft}/formularios/{PROPOSAL}"
    nonces = []
    for _ in range(2):
        response = analyst.get(url)
        policy = response.headers["Content-Security-Policy"]
        match = re.search(r"style-src 'self' 'nonce-([A-Za-z0-9_-]{16,})';", policy)
        assert match, policy
        assert f'<meta name="csp-nonce" nonce="{match[1]}">' in response.text
        assert "unsafe-inline" not in policy and "script-src 'self';" in policy
        nonces.append(match[1])
    assert nonces[0] != nonces[1]
    broken = post(analyst, url, {"esquema": "{", "ui": "", "revision": "1"})
    assert broken.status_code == 422
    assert "'nonce-" in broken.headers["Content-Security-Policy"]


# -- checking as typed ---------------------------------------------------------------------------


def test_the_preview_shows_a_new_field_as_it_is_typed(analyst: FlaskClient, draft: int) -> None:
    fragment = preview(
        analyst,
        draft,
        json.dumps(with_field(proposal(), "observaciones", "Observaciones del despacho")),
        proposal_ui(),
    )
    assert 'id="campo-observaciones"' in fragment
    assert "Observaciones del despacho" in fragment
    assert "Sin errores" in fragment


def test_a_json_syntax_error_names_its_line_and_column_in_spanish(
    analyst: FlaskClient, draft: int
) -> None:
    broken = '{\n  "type": "object",\n  "properties": {\n    "a": {"type": "string"}\n    "b": {}\n  }\n}'
    fragment = preview(analyst, draft, broken)
    assert "falta una coma entre dos elementos" in fragment
    assert "línea 5, columna 5" in fragment
    assert "La vista previa aparece cuando" in fragment


def test_a_syntax_error_carries_its_place_and_message_for_the_editor(
    analyst: FlaskClient, draft: int
) -> None:
    """The code editor marks the problem in line from these attributes (form-editor.js)."""
    broken = '{\n  "type": "object",\n  "properties": {\n    "a": {}\n    "b": {}\n  }\n}'
    fragment = preview(analyst, draft, "{}", broken)
    assert 'data-document="ui" data-line="5" data-column="5"' in fragment
    assert '<span class="problem-message">falta una coma entre dos elementos</span>' in fragment


def test_a_schema_that_breaks_the_metaschema_is_reported_where_it_breaks(
    analyst: FlaskClient, draft: int
) -> None:
    schema = proposal()
    schema["properties"]["cargo_delegado"]["type"] = "texto"
    fragment = preview(analyst, draft, json.dumps(schema))
    assert "properties › cargo_delegado › type" in fragment
    assert "tipo desconocido &#34;texto&#34;" in fragment or 'tipo desconocido "texto"' in fragment


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda s: s["properties"].pop("cargo_delegado"),
            "&#39;cargo_delegado&#39; es obligatorio",
        ),
        (
            lambda s: s["properties"].__setitem__("fecha.fin", {"type": "string"}),
            "el nombre de campo &#39;fecha.fin&#39; no es válido",
        ),
        (
            lambda s: s["properties"].__setitem__("lista", {"type": "array"}),
            "una lista necesita &#34;items&#34;",
        ),
        (
            lambda s: s["properties"].__setitem__("len", {"type": "string"}),
            "usa un nombre reservado",
        ),
        (
            lambda s: s["properties"]["delegado"].__setitem__("x-directory", "gente"),
            "declara x-directory inválido",
        ),
        (
            lambda s: s["properties"].__setitem__(
                "via",
                {
                    "type": "string",
                    "oneOf": [
                        {"const": "oficio", "x-unavailable-when": {"any": {"radicado": None}}}
                    ],
                },
            ),
            "falta &#34;reason&#34;",
        ),
    ],
)
def test_what_the_renderer_cannot_show_is_an_error_in_spanish(
    analyst: FlaskClient, draft: int, change: Any, message: str
) -> None:
    schema = proposal()
    change(schema)
    fragment = preview(analyst, draft, json.dumps(schema))
    assert message in fragment
    assert "errores: el borrador no se podrá desplegar" in fragment or (
        "1 error: el borrador no se podrá desplegar" in fragment
    )


def test_a_ui_schema_naming_a_missing_field_or_widget_is_an_error(
    analyst: FlaskClient, draft: int
) -> None:
    ui = json.dumps({"ui:order": ["delegado", "motivo"], "justificacion": {"ui:widget": "slider"}})
    fragment = preview(analyst, draft, json.dumps(proposal()), ui)
    assert "ui:order nombra el campo &#39;motivo&#39;" in fragment
    assert "el formulario no tiene el control &#39;slider&#39;" in fragment


def test_every_shipped_form_passes_the_editors_check(analyst: FlaskClient, draft: int) -> None:
    for path in sorted(FORMS.glob("*.schema.json")):
        ui = FORMS / path.name.replace(".schema.json", ".uischema.json")
        fragment = preview(
            analyst,
            draft,
            path.read_text(encoding="utf-8"),
            ui.read_text(encoding="utf-8") if ui.exists() else "",
        )
        assert "Sin errores" in fragment, path.name


# -- saving --------------------------------------------------------------------------------------


def test_saving_a_form_writes_a_revision_of_the_draft_and_is_audited(
    analyst: FlaskClient, p001: Engine, draft: int
) -> None:
    schema = with_field(proposal(), "observaciones", "Observaciones")
    response = save_form(analyst, draft, 1, json.dumps(schema), proposal_ui())
    assert response.status_code == 303
    page = analyst.get(response.headers["Location"]).text
    assert "Formulario guardado: revisión 2 del borrador." in page
    forms = stored_forms(p001, draft)
    assert forms[PROPOSAL]["properties"]["observaciones"] == {
        "type": "string",
        "title": "Observaciones",
    }
    assert forms[PROPOSAL_UI] == json.loads(proposal_ui())
    with p001.sessions() as session:
        event = session.scalars(
            select(WorkbenchEvent).where(WorkbenchEvent.action == "draft_form_saved")
        ).one()
    assert (event.actor, event.payload["form"], event.payload["revision"]) == (
        "analista",
        PROPOSAL,
        2,
    )
    comparison = analyst.get(f"/modelos/comparar?antes=P001:1&despues=borrador:{draft}").text
    assert "observaciones" in comparison


def test_a_save_on_a_stale_revision_is_409_and_keeps_the_analysts_text(
    analyst: FlaskClient, p001: Engine, draft: int
) -> None:
    first = with_field(proposal(), "primero", "Primero")
    assert save_form(analyst, draft, 1, json.dumps(first)).status_code == 303
    mine = json.dumps(with_field(proposal(), "mio", "Mío del segundo analista"))
    response = save_form(analyst, draft, 1, mine)
    assert response.status_code == 409
    assert "ya va en la revisión 2" in response.text
    assert "Mío del segundo analista" in response.text  # still in the editor
    assert f"revision:{draft}:1" in response.text  # what changed since
    assert "mio" not in stored_forms(p001, draft)[PROPOSAL]["properties"]


def test_text_that_is_not_json_is_not_saved(analyst: FlaskClient, p001: Engine, draft: int) -> None:
    response = save_form(analyst, draft, 1, '{"type": "object",')
    assert response.status_code == 422
    assert "No se guardó" in response.text
    assert stored_forms(p001, draft)[PROPOSAL] == proposal()


def test_a_new_form_is_created_by_saving_it(analyst: FlaskClient, p001: Engine, draft: int) -> None:
    opened = analyst.get(f"/modelos/borradores/{draft}/formularios/nuevo?nombre=P001.revision")
    assert opened.status_code == 303
    assert opened.headers["Location"].endswith("/formularios/P001.revision.schema.json")
    assert "Formulario nuevo" in analyst.get(opened.headers["Location"]).text
    schema = {"title": "Revisión", "type": "object", "properties": {"nota": {"type": "string"}}}
    assert save_form(analyst, draft, 1, json.dumps(schema), name="P001.revision.schema.json")
    assert stored_forms(p001, draft)["P001.revision.schema.json"] == schema


# -- the draft's linter --------------------------------------------------------------------------


def test_a_broken_form_a_task_uses_is_a_lint_problem_on_that_task(
    analyst: FlaskClient, draft: int
) -> None:
    schema = proposal()
    schema["properties"]["lista"] = {"type": "array"}
    assert save_form(analyst, draft, 1, json.dumps(schema), proposal_ui()).status_code == 303
    found = problems(analyst, draft)
    assert [p["element"] for p in found] == ["proponer_delegado"], found
    assert "una lista necesita" in found[0]["message"]


def test_a_removed_form_a_task_uses_is_a_lint_problem_on_that_task(
    analyst: FlaskClient, p001: Engine, draft: int
) -> None:
    response = post(
        analyst, f"/modelos/borradores/{draft}/formularios/{PROPOSAL}/quitar", {"revision": "1"}
    )
    assert response.status_code == 303
    assert PROPOSAL not in stored_forms(p001, draft)
    assert PROPOSAL_UI not in stored_forms(p001, draft)
    found = problems(analyst, draft)
    assert {p["element"] for p in found} == {"proponer_delegado"}
    assert any(f"el formulario '{PROPOSAL}' no existe" in p["message"] for p in found)
    listed = analyst.get(f"/modelos/borradores/{draft}/formularios").text
    assert "Falta: el diagrama lo nombra" in listed
