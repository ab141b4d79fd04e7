"""Issue 17: P004's convocation form does not offer "Continuar el trámite" when the legal
(DAGJP) or fiscal (Hacienda) concept is desfavorable (policy 4); the option is shown disabled
with why, and picking it anyway, from the page or the JSON API, is refused with that reason.
With only a technical objection the leader may still continue alone."""

from __future__ import annotations

from typing import Any

import lxml.html
import pytest
from flask import Flask, render_template_string
from flask.testing import FlaskClient

from engine import Engine
from handlers.viability import VETO_REASON
from tests.helpers import complete, open_elements, task_for
from tests.web.conftest import bearer, login, post
from web.schema_form import build_fields, decision_field

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
CONCEPT_GROUPS = {"tecnico": "planeacion", "financiero": "hacienda", "juridico": "juridica"}
CONTINUE_ALONE = {
    "convocar_comite": "no",
    "decision_sin_comite": "continuar",
    "justificacion_convocatoria": "El reparo se resuelve en el articulado",
}
MESSAGE = f"la opción «Continuar el trámite» no está disponible en este caso: {VETO_REASON}"


def _bill_with_unfavourable(engine: Engine, against: str) -> tuple[str, int]:
    """A bill at the leader's convocation decision, `against` the desfavorable concept."""
    key = engine.start("P004", "despacho", BILL)
    complete(engine, key, "verificar_completitud", "despacho", {"decision_completitud": "completo"})
    for concept, group in CONCEPT_GROUPS.items():
        data: dict[str, Any] = {f"concepto_{concept}": "favorable"}
        if concept == against:
            data = {f"concepto_{concept}": "desfavorable", f"razones_concepto_{concept}": "Reparo"}
        complete(engine, key, f"concepto_{concept}", group, data)
    return key, task_for(engine, key, "decidir_convocatoria").id


def _radio(page: str, value: str) -> Any:
    document = lxml.html.fromstring(page)
    (radio,) = document.xpath(f'//input[@name="decision_sin_comite"][@value="{value}"]')
    return radio


def test_with_a_legal_veto_the_page_shows_continue_disabled_with_why_and_refuses_it(
    client: FlaskClient, procedures: Engine
) -> None:
    key, task_id = _bill_with_unfavourable(procedures, against="juridico")
    login(client, "despacho")
    page = client.get(f"/tareas/{task_id}").text
    continuar = _radio(page, "continuar")
    assert continuar.get("disabled") is not None
    reason = lxml.html.fromstring(page).get_element_by_id(continuar.get("aria-describedby"))
    assert reason.text_content() == f"No disponible en este caso: {VETO_REASON}"
    assert _radio(page, "archivar").get("disabled") is None  # archiving stays open

    refused = post(client, f"/tareas/{task_id}", CONTINUE_ALONE)
    assert refused.status_code == 422
    assert MESSAGE in refused.text
    assert _radio(refused.text, "continuar").get("checked") is None
    assert open_elements(procedures, key) == ["decidir_convocatoria"]


@pytest.mark.parametrize("against", ["juridico", "financiero"])
def test_the_json_api_lists_the_option_as_unavailable_and_refuses_it(
    client: FlaskClient, procedures: Engine, against: str
) -> None:
    key, task_id = _bill_with_unfavourable(procedures, against=against)
    headers = bearer(procedures, "despacho")
    shown = client.get(f"/api/tareas/{task_id}", headers=headers)
    assert shown.json["unavailable"] == {"decision_sin_comite": {"continuar": VETO_REASON}}
    response = client.post(f"/api/tareas/{task_id}/completar", json=CONTINUE_ALONE, headers=headers)
    assert response.status_code == 422
    assert response.json["field_errors"] == {"decision_sin_comite": MESSAGE}
    assert open_elements(procedures, key) == ["decidir_convocatoria"]


def test_with_only_a_technical_objection_continue_is_offered_and_accepted(
    client: FlaskClient, procedures: Engine
) -> None:
    key, task_id = _bill_with_unfavourable(procedures, against="tecnico")
    login(client, "despacho")
    page = client.get(f"/tareas/{task_id}").text
    continuar = _radio(page, "continuar")
    assert continuar.get("disabled") is None and continuar.get("aria-describedby") is None
    assert "No disponible en este caso" not in page
    shown = client.get(f"/api/tareas/{task_id}", headers=bearer(procedures, "despacho"))
    assert shown.json["unavailable"] == {}
    assert post(client, f"/tareas/{task_id}", CONTINUE_ALONE).status_code == 303
    assert "decidir_convocatoria" not in open_elements(procedures, key)


RENDERED: dict[str, Any] = {
    "type": "object",
    "required": ["decision_final"],
    "properties": {
        "decision_final": {
            "type": "string",
            "oneOf": [
                {"const": "aprobar", "title": "Aprobar"},
                {"const": "cerrar", "title": "Cerrar"},
            ],
        },
        "via": {
            "type": "string",
            "oneOf": [
                {"const": v, "title": v.title()} for v in ("correo", "oficio", "web", "otro")
            ],
        },
        "filas": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "estado": {
                        "type": "string",
                        "oneOf": [{"const": "abierto"}, {"const": "cerrado"}],
                    }
                },
            },
        },
    },
}


def test_a_select_option_a_decision_button_and_a_row_radio_are_disabled_with_why(
    app: Flask,
) -> None:
    unavailable = {
        "decision_final": {"cerrar": "quedan compromisos"},
        "via": {"oficio": "sin radicado"},
        "filas.#.estado": {"cerrado": "falta el acta"},
    }
    data = {"via": "oficio", "filas": [{"estado": "cerrado"}, {"estado": "abierto"}]}
    with app.test_request_context():
        fields = build_fields(RENDERED, {}, data, unavailable=unavailable)
        html = render_template_string(
            '{% import "_form.html" as forms %}{{ forms.form_fields(fields) }}'
            "{{ forms.decision_buttons(decision) }}",
            fields=fields,
            decision=decision_field(fields),
        )
    document = lxml.html.fromstring(html)
    (cerrar,) = document.xpath('//button[@name="decision_final"][@value="cerrar"]')
    (aprobar,) = document.xpath('//button[@name="decision_final"][@value="aprobar"]')
    assert cerrar.get("disabled") is not None and aprobar.get("disabled") is None
    why = document.get_element_by_id(cerrar.get("aria-describedby")).text_content()
    assert why == "«Cerrar» no está disponible en este caso: quedan compromisos"
    (oficio,) = document.xpath('//select[@name="via"]/option[@value="oficio"]')
    assert oficio.get("disabled") is not None and oficio.get("selected") is None
    assert oficio.text_content() == "Oficio (no disponible en este caso: sin radicado)"
    assert document.xpath('//select[@name="via"]/option[@value="web"]')[0].get("disabled") is None
    for row in ("0", "1"):
        (closed,) = document.xpath(f'//input[@name="filas.{row}.estado"][@value="cerrado"]')
        assert closed.get("disabled") is not None and closed.get("checked") is None
    (still_open,) = document.xpath('//input[@name="filas.1.estado"][@value="abierto"]')
    assert still_open.get("checked") is not None
