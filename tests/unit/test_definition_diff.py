"""The element-level diff between two versions, computed from the parsed BPMN and forms."""

from __future__ import annotations

import copy
import json
from typing import Any

from engine.bpm.diff import diff_definitions
from tests.conftest import BPMN, PROCESSES

P001 = (BPMN / "P001_delegaciones.bpmn").read_text(encoding="utf-8")
FORMS: dict[str, Any] = {
    path.name: json.loads(path.read_text(encoding="utf-8"))
    for path in (PROCESSES / "forms").glob("P001.*.json")
}


def test_identical_versions_have_no_differences() -> None:
    assert diff_definitions(P001, FORMS, P001, FORMS).is_empty


def test_a_renamed_task_is_one_changed_element_with_both_names() -> None:
    renamed = P001.replace('name="Proponer delegado"', 'name="Postular delegado"')
    diff = diff_definitions(P001, FORMS, renamed, FORMS)
    assert [(c.element_id, c.change) for c in diff.elements] == [("proponer_delegado", "changed")]
    (attribute,) = diff.elements[0].attributes
    assert (attribute.label, attribute.before, attribute.after) == (
        "nombre",
        "Proponer delegado",
        "Postular delegado",
    )


def test_a_removed_form_property_and_a_changed_condition_are_listed() -> None:
    changed = P001.replace(
        '<spiffworkflow:property name="formJsonSchemaFilename" value="P001.propuesta.schema.json" />',
        "",
    ).replace('decision_secretario == "rechazar"', 'decision_secretario in ("rechazar", "anular")')
    diff = diff_definitions(P001, FORMS, changed, FORMS)
    by_id = {c.element_id: c for c in diff.elements}
    (form,) = by_id["proponer_delegado"].attributes
    assert (form.attribute, form.before, form.after) == (
        "property:formJsonSchemaFilename",
        "P001.propuesta.schema.json",
        "",
    )
    flow = next(c for c in diff.elements if c.kind == "sequenceFlow")
    assert [(a.label, a.after) for a in flow.attributes] == [
        ("condición", 'decision_secretario in ("rechazar", "anular")')
    ]


def test_added_removed_and_moved_elements() -> None:
    moved = P001.replace('bpmnElement="proponer_delegado"', 'bpmnElement="proponer_delegado" ', 1)
    start = moved.index('bpmnElement="proponer_delegado"')
    bounds = moved.index('x="', start)
    moved = moved[: bounds + 3] + "9" + moved[bounds + 3 :]
    assert [
        (c.element_id, c.change) for c in diff_definitions(P001, FORMS, moved, FORMS).elements
    ] == [("proponer_delegado", "moved")]
    without_end = P001.replace(
        '<bpmn:userTask id="proponer_delegado"', '<bpmn:userTask id="proponer_persona"'
    )
    changes = {
        (c.element_id, c.change) for c in diff_definitions(P001, FORMS, without_end, FORMS).elements
    }
    assert {("proponer_delegado", "removed"), ("proponer_persona", "added")} <= changes


def test_form_changes_are_listed_field_by_field() -> None:
    after = copy.deepcopy(FORMS)
    schema = after["P001.propuesta.schema.json"]
    field, definition = next(iter(schema["properties"].items()))
    schema["properties"][field] = {**definition, "title": "Otro título"}
    schema["properties"]["telefono"] = {"type": "string", "title": "Teléfono"}
    diff = diff_definitions(P001, FORMS, P001, after)
    assert diff.elements == []
    assert {(c.form, c.field, c.change) for c in diff.forms} == {
        ("P001.propuesta.schema.json", field, "changed"),
        ("P001.propuesta.schema.json", "telefono", "added"),
    }
    changed = next(c for c in diff.forms if c.change == "changed")
    assert "Otro título" in changed.after and "Otro título" not in changed.before


def test_script_text_changes_are_shown() -> None:
    changed = P001.replace("numeracion = None", "numeracion = 0")
    diff = diff_definitions(P001, FORMS, changed, FORMS)
    assert [(c.element_id, c.change) for c in diff.elements] == [
        ("proyectar_acto_delegacion", "changed")
    ]
    (script,) = diff.elements[0].attributes
    assert script.label == "guiones"
    assert script.before.endswith("numeracion = None") and script.after.endswith("numeracion = 0")
