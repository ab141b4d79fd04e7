"""Forms from JSON Schema: every widget kind, and the submitted form read back into typed data."""

from __future__ import annotations

import io
from typing import Any

from werkzeug.datastructures import FileStorage, MultiDict

from web.schema_form import build_fields, field_labels, read_submission

SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["monto", "decision_final"],
    "properties": {
        "monto": {"type": "number", "title": "Monto"},
        "asistentes": {"type": "integer", "title": "Asistentes"},
        "urgente": {"type": "boolean", "title": "Urgente"},
        "moneda": {"type": "string", "enum": ["COP", "USD", "EUR", "JPY"]},
        "decision_final": {
            "type": "string",
            "oneOf": [{"const": "si", "title": "Sí"}, {"const": "no", "title": "No"}],
        },
        "soporte": {"type": "string", "format": "data-url"},
        "metas": {
            "type": "array",
            "items": {
                "type": "object",
                "title": "Meta",
                "properties": {
                    "nombre": {"type": "string"},
                    "evidencia": {"type": "string", "format": "data-url"},
                },
            },
        },
    },
}


def _kinds(data: dict[str, Any] | None = None) -> dict[str, str]:
    return {f.path: f.kind for f in build_fields(SCHEMA, {}, data)}


def test_each_schema_type_gets_its_widget() -> None:
    assert _kinds() == {
        "monto": "number",
        "asistentes": "integer",
        "urgente": "checkbox",
        "moneda": "select",  # more than three options
        "decision_final": "buttons",  # a required decision… choice
        "soporte": "file",
        "metas": "rows",
    }


def test_submission_is_typed_and_blank_fields_and_rows_are_left_out() -> None:
    form = MultiDict(
        {
            "monto": "1500,5",
            "asistentes": "12",
            "urgente": "on",
            "moneda": "",
            "metas.0.nombre": "",
            "metas.1.nombre": "Reducir trámites",
        }
    )
    submission = read_submission(SCHEMA, form)
    assert submission.data == {
        "monto": 1500.5,
        "asistentes": 12,
        "urgente": True,
        "metas": [{"nombre": "Reducir trámites"}],
    }
    assert submission.completes


def test_text_that_is_not_a_number_stays_text_for_the_schema_to_refuse() -> None:
    assert read_submission(SCHEMA, MultiDict({"monto": "mil"})).data["monto"] == "mil"


def test_uploads_follow_their_rows_when_blank_rows_are_dropped() -> None:
    files = MultiDict(
        {"metas.2.evidencia": FileStorage(stream=io.BytesIO(b"%PDF-"), filename="e.pdf")}
    )
    submission = read_submission(SCHEMA, MultiDict({"metas.0.nombre": ""}), files)
    assert list(submission.uploads) == ["metas.0.evidencia"]
    assert submission.data["metas"] == [{"evidencia": ""}]


def test_remove_row_drops_it_and_add_row_shows_one_more() -> None:
    form = MultiDict(
        {
            "metas.0.nombre": "Primera",
            "metas.1.nombre": "Segunda",
            "_filas.metas": "2",
            "_accion": "quitar:metas.0",
        }
    )
    removed = read_submission(SCHEMA, form)
    assert not removed.completes
    assert removed.data["metas"] == [{"nombre": "Segunda"}]
    rows = next(
        f
        for f in build_fields(SCHEMA, {}, removed.data, {}, removed.row_counts)
        if f.path == "metas"
    )
    assert len(rows.rows) == 1

    form["_accion"] = "agregar:metas"
    added = read_submission(SCHEMA, form)
    rows = next(
        f for f in build_fields(SCHEMA, {}, added.data, {}, added.row_counts) if f.path == "metas"
    )
    assert len(rows.rows) == 3
    assert rows.rows[1][0].path == "metas.1.nombre" and rows.rows[1][0].value == "Segunda"


def test_errors_land_on_the_field_of_their_dotted_path() -> None:
    fields = build_fields(
        SCHEMA, {}, {"metas": [{"nombre": "x"}]}, {"metas.0.nombre": "no puede estar vacío"}
    )
    cell = next(f for f in fields if f.path == "metas").rows[0][0]
    assert cell.error == "no puede estar vacío"
    assert cell.described_by == "campo-metas-0-nombre-error"


def test_an_unknown_action_completes_as_a_plain_submit() -> None:
    assert read_submission(SCHEMA, MultiDict({"_accion": "borrar-todo"})).completes


TOPICS: dict[str, Any] = {
    "type": "object",
    "required": ["temas"],
    "properties": {
        "temas": {
            "type": "array",
            "title": "Orden del día",
            "minItems": 1,
            "items": {"type": "string", "title": "Tema", "minLength": 1},
        },
        "asistentes": {
            "type": "array",
            "items": {
                "title": "Asistente",
                "anyOf": [
                    {"type": "string", "minLength": 1},
                    {"type": "object", "properties": {"nombre": {"type": "string"}}},
                ],
            },
        },
    },
}


def test_a_list_of_strings_gets_one_input_per_item_that_adds_and_removes() -> None:
    form = MultiDict(
        {"temas.0": "Apertura", "temas.1": "", "temas.2": "Cierre", "_filas.temas": "3"}
    )
    sent = read_submission(TOPICS, form)
    assert sent.completes and sent.data == {"temas": ["Apertura", "Cierre"]}  # blank dropped

    topics = next(f for f in build_fields(TOPICS, {}, sent.data) if f.path == "temas")
    assert topics.kind == "list"
    assert [(c.path, c.label, c.value) for [c] in topics.rows] == [
        ("temas.0", "Tema 1", "Apertura"),
        ("temas.1", "Tema 2", "Cierre"),
    ]
    form["_accion"] = "quitar:temas.0"
    assert read_submission(TOPICS, form).data == {"temas": ["Cierre"]}
    form["_accion"] = "agregar:temas"
    added = read_submission(TOPICS, form)
    topics = next(
        f for f in build_fields(TOPICS, {}, added.data, {}, added.row_counts) if f.path == "temas"
    )
    assert len(topics.rows) == 4


def test_an_item_that_may_be_text_or_object_is_asked_as_text() -> None:
    attendees = next(
        f
        for f in build_fields(TOPICS, {}, {"asistentes": [{"nombre": "Ana"}, "Luis"]})
        if f.path == "asistentes"
    )
    assert attendees.kind == "list"
    assert [c.value for [c] in attendees.rows] == ["Ana", "Luis"]
    assert attendees.rows[0][0].kind == "text"


def test_field_labels_name_nested_rows_in_words() -> None:
    labels = field_labels(build_fields(SCHEMA, {}, {"metas": [{}, {}]}))
    assert labels["monto"] == "Monto"
    assert labels["metas.1.nombre"] == "metas › Meta 2 › nombre"


def test_a_list_an_older_version_saved_as_one_text_is_shown_as_that_text() -> None:
    """P002's acta took its attendees and agenda as free text before they became lists (issue 17):
    a case that holds the text and reads the list form (migrated to the new version) still shows
    what was recorded, as the list's one item."""
    fields = {
        f.path: f
        for f in build_fields(
            TOPICS, {}, {"temas": "1. Apertura 2. Cierre", "asistentes": "Ana; Luis"}
        )
    }
    assert [row[0].value for row in fields["temas"].rows] == ["1. Apertura 2. Cierre"]
    assert [row[0].value for row in fields["asistentes"].rows] == ["Ana; Luis"]
